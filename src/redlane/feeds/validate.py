"""Validation as SQL, built from the feed spec: one verdict per field, per row, in one pass.

Pure builders: they return SQL text and run nothing, so DuckDB runs them today and Spark SQL
can run the same logic later. Each field yields a typed value and an error message (NULL when
the value is acceptable); a row with any error is quarantined whole, with every reason kept.
"""

from __future__ import annotations

from functools import cache

import pycountry

from redlane.engine.sql import (
    quote_ident,
    quote_literal,
)
from redlane.feeds.currency import RATE_DATE_FIELDS, missing_rate_sql
from redlane.model.spec import DATE_MAX, DATE_MIN, FieldSpec, TableSpec

# The limits live in the spec; named here too for callers that read them from the validator.
from redlane.model.spec import EMAIL_MAX_LEN as EMAIL_MAX_LEN
from redlane.model.spec import ID_MAX_LEN as ID_MAX_LEN

DATETIME_SHAPE = (
    r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|z|[+-]\d{2}(:?\d{2})?)?"
)
DATE_SHAPE = r"\d{4}-\d{2}-\d{2}"
EMAIL_SHAPE = r"[^@\s]+@[^@\s]+\.[^@\s]+"
# C0 controls and DEL, except tab, line feed and carriage return (which text may hold): NUL
# cannot be stored in PostgreSQL, and the others only hide or garble what a person reads.
CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
TRUE_WORDS = ("true", "1", "yes", "y", "t")
FALSE_WORDS = ("false", "0", "no", "n", "f")


def _in_list(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(quote_literal(v) for v in values) + ")"


@cache
def country_codes() -> tuple[str, ...]:
    return tuple(sorted(c.alpha_2 for c in pycountry.countries))


@cache
def currency_codes() -> tuple[str, ...]:
    return tuple(sorted(c.alpha_3 for c in pycountry.currencies))


# Trimmed around every value: ASCII whitespace and the no-break space that exports often carry.
WHITESPACE = " \t\n\r\x0b\x0c\xa0"
_WHITESPACE_SQL = " || ".join(f"chr({ord(c)})" for c in WHITESPACE)


def cleaned_sql(f: FieldSpec) -> str:
    """The raw value trimmed, with empty strings read as missing."""
    return f"NULLIF(trim({quote_ident(f.name)}, {_WHITESPACE_SQL}), '')"


def _digits(v: str) -> str:
    return f"regexp_replace({v}, '[.\\s-]', '', 'g')"


def _datetime_sql(v: str) -> str:
    # upper(): the shape allows a lower-case "z" (RFC 3339 does), which DuckDB's cast refuses.
    return f"(TRY_CAST(upper({v}) AS TIMESTAMPTZ) AT TIME ZONE 'UTC')"


def typed_sql(f: FieldSpec) -> str:
    """The field's typed value from its cleaned column (meaningful where its error is NULL)."""
    v = quote_ident(f.name)
    match f.kind:
        case "int":
            return f"TRY_CAST({v} AS BIGINT)"
        case "decimal":
            return f"TRY_CAST(TRY_CAST({v} AS DOUBLE) AS DECIMAL(18,4))"
        case "bool":
            return (
                f"CASE WHEN lower({v}) IN {_in_list(TRUE_WORDS)} THEN TRUE "
                f"WHEN lower({v}) IN {_in_list(FALSE_WORDS)} THEN FALSE END"
            )
        case "date":
            return f"TRY_CAST({v} AS DATE)"
        case "datetime":
            return _datetime_sql(v)
        case "country" | "currency":
            return f"upper({v})"
        case "hs6" | "hts10":
            return _digits(v)
        case "email" | "enum":
            return f"lower({v})"
        case "list":
            return f"CASE WHEN json_valid({v}) THEN TRY_CAST(json({v}) AS VARCHAR[]) END"
        case _:
            return v


def error_sql(f: FieldSpec) -> str:
    """Why the field's cleaned value is refused, or NULL when it is fine."""
    v = quote_ident(f.name)
    whens = [f"WHEN {v} IS NULL THEN 'required field is missing'"] if f.required else []
    whens += [
        f"WHEN {v} IS NOT NULL AND ({cond}) THEN {quote_literal(reason)}"
        for cond, reason in _kind_checks(f, v)
    ]
    return f"CASE {' '.join(whens)} END" if whens else "NULL"


def _range_checks(f: FieldSpec, typed: str) -> list[tuple[str, str]]:
    checks = []
    if f.min is not None:
        checks.append((f"{typed} < {f.min!r}", f"must be at least {f.min:g}"))
    if f.max is not None:
        checks.append((f"{typed} > {f.max!r}", f"must be at most {f.max:g}"))
    return checks


def _control_check(v: str) -> tuple[str, str]:
    return (
        f"regexp_matches({v}, {quote_literal(CONTROL_CHARACTERS)})",
        "contains control characters",
    )


def _length_check(f: FieldSpec, v: str) -> tuple[str, str]:
    limit = f.char_limit()
    return (f"length({v}) > {limit}", f"longer than {limit} characters")


def _kind_checks(f: FieldSpec, v: str) -> list[tuple[str, str]]:
    typed = typed_sql(f)
    match f.kind:
        case "str":
            return [_control_check(v), _length_check(f, v)]
        case "id":
            return [
                # \s alone is ASCII in RE2: no-break and ideographic spaces are spaces too
                (f"regexp_matches({v}, '[\\s\\p{{Z}}]')", "identifier contains whitespace"),
                _control_check(v),
                _length_check(f, v),
            ]
        case "int":
            whole = f"NOT regexp_full_match({v}, '[+-]?\\d{{1,18}}')"
            return [(whole, "not a whole number")] + _range_checks(f, typed)
        case "decimal":
            number = f"TRY_CAST({v} AS DOUBLE)"
            return [
                (f"{number} IS NULL OR isnan({number}) OR isinf({number})", "not a number"),
                *_range_checks(f, number),
            ]
        case "bool":
            return [(f"{typed} IS NULL", "not true/false")]
        case "date":
            return [
                (
                    f"NOT regexp_full_match({v}, '{DATE_SHAPE}') OR {typed} IS NULL",
                    "not a date (YYYY-MM-DD)",
                ),
                (
                    f"{typed} NOT BETWEEN DATE '{DATE_MIN}' AND DATE '{DATE_MAX}'",
                    f"date outside {DATE_MIN}..{DATE_MAX}",
                ),
            ]
        case "datetime":
            return [
                (
                    f"NOT regexp_full_match({v}, '{DATETIME_SHAPE}') OR {typed} IS NULL",
                    "not an ISO 8601 date-time",
                ),
                (
                    f"{typed} NOT BETWEEN TIMESTAMP '{DATE_MIN}' "
                    f"AND TIMESTAMP '{DATE_MAX} 23:59:59'",
                    f"date outside {DATE_MIN}..{DATE_MAX}",
                ),
            ]
        case "country":
            return [
                (
                    f"{typed} NOT IN (SELECT code FROM {COUNTRY_TABLE})",
                    "not an ISO 3166 country code",
                )
            ]
        case "currency":
            return [
                (
                    f"{typed} NOT IN (SELECT code FROM {CURRENCY_TABLE})",
                    "not an ISO 4217 currency code",
                )
            ]
        case "hs6":
            return [(f"NOT regexp_full_match({typed}, '\\d{{6}}')", "HS code must be 6 digits")]
        case "hts10":
            return [
                (f"NOT regexp_full_match({typed}, '\\d{{10}}')", "tariff number must be 10 digits")
            ]
        case "email":
            return [
                _control_check(v),
                (
                    f"NOT regexp_full_match({v}, '{EMAIL_SHAPE}') "
                    f"OR length({v}) > {f.char_limit()}",
                    "not an email address",
                ),
            ]
        case "enum":
            allowed = ", ".join(f.choices)
            return [(f"{typed} NOT IN {_in_list(f.choices)}", f"must be one of: {allowed}")]
        case "list":
            return [(f"{typed} IS NULL", "not a list of strings")]
    return []


def error_column(name: str) -> str:
    return quote_ident(f"__err_{name}")


def cleaned_select_sql(
    table: TableSpec, source: str, carry: tuple[str, ...] = (), record: bool = True
) -> str:
    """Raw rows with every value trimmed once, and the record as received (for quarantine;
    left out when not ``record``). ``carry``: more columns of ``source`` passed through."""
    cleaned = ", ".join(f"{cleaned_sql(f)} AS {quote_ident(f.name)}" for f in table.fields)
    raw_struct = ", ".join(f"{quote_literal(f.name)}: {quote_ident(f.name)}" for f in table.fields)
    kept = "".join(f"{quote_ident(c)}, " for c in carry)
    received = f", to_json({{{raw_struct}}}) AS __record" if record else ""
    return f"SELECT {kept}_line, _location, {cleaned}{received} FROM {source}"


def checked_select_sql(
    table: TableSpec, source: str, carry: tuple[str, ...] = (), record: bool = True
) -> str:
    """Rows of ``source`` (raw strings + ``_line``/``_location``) with typed values and errors
    (and ``__record`` unless not ``record``; ``carry``: columns of ``source`` passed through).

    Needs the reference tables of ``reference_tables_sqls()`` on the connection.
    """
    typed = ", ".join(f"{typed_sql(f)} AS {quote_ident(f.name)}" for f in table.fields)
    errors = ", ".join(
        f"{_field_error_sql(table, f)} AS {error_column(f.name)}" for f in table.fields
    )
    kept = "".join(f"{quote_ident(c)}, " for c in carry)
    received = ", __record" if record else ""
    return (
        f"SELECT {kept}_line, _location, {typed}, {errors}{received} "
        f"FROM ({cleaned_select_sql(table, source, carry, record)})"
    )


def _field_error_sql(table: TableSpec, f: FieldSpec) -> str:
    """:func:`error_sql`, and for the currency of money that targeting converts, no exchange
    rate for the value's date (``redlane.feeds.currency``; needs its ``fx_days`` table)."""
    dated_by = RATE_DATE_FIELDS.get(table.name)
    if f.name != "currency" or dated_by is None:
        return error_sql(f)
    day = f"CAST({typed_sql(next(d for d in table.fields if d.name == dated_by))} AS DATE)"
    return f"coalesce({error_sql(f)}, {missing_rate_sql(typed_sql(f), day)})"


COUNTRY_TABLE = "__redlane__countries"
CURRENCY_TABLE = "__redlane__currencies"


def reference_tables_sqls() -> list[str]:
    """Code lists as small tables: a join plans far faster than a 249-item IN list per field."""
    return [
        f"CREATE OR REPLACE TEMP TABLE {name} AS "
        f"SELECT unnest([{', '.join(map(quote_literal, codes))}]) AS code"
        for name, codes in ((COUNTRY_TABLE, country_codes()), (CURRENCY_TABLE, currency_codes()))
    ]


def first_error_sqls(table: TableSpec) -> tuple[str, str, str]:
    """(field, value, reason) of a row's first failing field, in spec order."""
    field = (
        "CASE "
        + " ".join(
            f"WHEN {error_column(f.name)} IS NOT NULL THEN {quote_literal(f.name)}"
            for f in table.fields
        )
        + " END"
    )
    reason = "coalesce(" + ", ".join(error_column(f.name) for f in table.fields) + ")"
    value = (
        "CASE "
        + " ".join(
            f"WHEN {error_column(f.name)} IS NOT NULL THEN json_extract_string(__record, "
            f"{quote_literal('$.' + quote_ident(f.name))})"
            for f in table.fields
        )
        + " END"
    )
    return field, value, reason


def all_errors_sql(table: TableSpec) -> str:
    """JSON array of every failing field of a row: [{field, reason}]."""
    items = ", ".join(
        f"CASE WHEN {error_column(f.name)} IS NOT NULL THEN "
        f"{{'field': {quote_literal(f.name)}, 'reason': {error_column(f.name)}}} END"
        for f in table.fields
    )
    return f"to_json(list_filter([{items}], lambda x: x IS NOT NULL))"


def any_error_sql(table: TableSpec) -> str:
    return "(" + " OR ".join(f"{error_column(f.name)} IS NOT NULL" for f in table.fields) + ")"


def key_hash_sql(table: TableSpec) -> str:
    parts = ", ".join(f"CAST({quote_ident(k)} AS VARCHAR)" for k in table.key)
    return f"md5(to_json([{parts}]))"


def row_hash_sql(table: TableSpec) -> str:
    parts = ", ".join(f"{quote_literal(f.name)}: {quote_ident(f.name)}" for f in table.fields)
    return f"md5(to_json({{{parts}}}))"
