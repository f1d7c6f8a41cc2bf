"""Shared plumbing for the normalisers: Unicode clean-up, totality and idempotence.

Every public normaliser is ``f(text) -> str | None``. Two guarantees hold for any ``str``:

* total: it never raises (an unexpected library error becomes ``None``);
* idempotent: ``f(f(x)) == f(x)``. A normaliser is written as a single ``step`` and run to a
  fixed point; an input whose steps do not settle within a few rounds gives ``None``, so the
  guarantee never rests on hoping one pass is enough.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from rigour.text.normalize import Normalize, normalize

__all__ = ["MAX_INPUT", "clean_text", "fixpoint", "squash"]

# Inputs longer than this are not names, phones or addresses; refusing them keeps every
# normaliser's cost bounded on hostile input.
MAX_INPUT = 2_000
_ROUNDS = 6

_CLEAN = Normalize.NFKC | Normalize.SQUASH_SPACES
_CLEAN_FOLD = _CLEAN | Normalize.CASEFOLD


def clean_text(text: str | None, *, casefold: bool = False) -> str | None:
    """NFKC, drop control/format characters, squash whitespace; ``None`` when nothing is left."""
    if text is None or len(text) > MAX_INPUT:
        return None
    if not text.isprintable() or "\ufffd" in text:
        text = "".join(
            ch if unicodedata.category(ch)[0] != "C" else " " for ch in text if ch != "\ufffd"
        )
    out = normalize(text, _CLEAN_FOLD if casefold else _CLEAN)
    if out is None:
        return None
    return out


def squash(text: str) -> str:
    return " ".join(text.split())


def fixpoint(step: Callable[[str], str | None], text: str | None) -> str | None:
    """Apply ``step`` until the value stops changing; ``None`` if it never settles."""
    if text is None or len(text) > MAX_INPUT:
        return None
    value: str | None = text
    for _ in range(_ROUNDS):
        assert value is not None
        try:
            nxt = step(value)
        except Exception:  # noqa: BLE001 - totality: a library error means "no value"
            return None
        if nxt is None or nxt == "":
            return None
        if nxt == value:
            return value
        value = nxt
    return None
