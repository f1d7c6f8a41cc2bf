"""Leave-one-source-out evaluation: the comparator fitted without a source, scored on it.

For each source: fit every family (``train.fit_featured``) on the other sources' ``train``
splits, calibrate on their ``dev`` splits, then score every pair of the held-out source — a
source the model never saw, written by other hands. A family with too few pairs in the other
sources (vessels when the generator is held out) falls back to the shipped coefficients; the
report says so. Also reported, per source: the shipped model (trained on the generator only,
so its ``generator`` row is not held out), a model fitted on every source and scored on each
source's ``test`` split (held out by name group, not by source), and the rapidfuzz baseline.
"""

from __future__ import annotations

import sys
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz.fuzz import token_sort_ratio

from redlane.names.compare import SCHEMAS
from redlane.names.model import load_model
from redlane.names.training.pairs import Pair, split_of
from redlane.names.training.sources import collect
from redlane.names.training.train import featurize_offsets, fit_featured, metrics, predict

__all__ = ["evaluate_by_source", "render"]

BASELINE_THRESHOLD = 0.8


@dataclass
class _Table:
    """Every pair of every source, featurised once."""

    x: NDArray[np.float64]
    y: NDArray[np.int64]
    pairs: list[Pair]
    source: NDArray[np.str_]
    family: NDArray[np.str_]
    split: NDArray[np.str_]
    baseline: NDArray[np.float64]
    offset: NDArray[np.float64]  # stated log-odds (compare.stated_logit)


def _table(n: int, seed: int, names: list[str] | None) -> _Table:
    every = [p for pairs in collect(n, seed, names).values() for p in pairs]
    x, y, kept, offset = featurize_offsets(every)
    base = [token_sort_ratio(p.name1.lower(), p.name2.lower()) / 100 for p in kept]
    return _Table(
        x,
        y,
        kept,
        np.array([p.source for p in kept]),
        np.array([SCHEMAS[p.schema] for p in kept]),
        np.array([split_of(p.group) for p in kept]),
        (np.array(base) >= BASELINE_THRESHOLD).astype(np.float64),
        offset,
    )


def _score(
    t: _Table, rows: NDArray[np.bool_], fitted: dict[str, tuple[list[float], float]]
) -> NDArray[np.float64]:
    """Probabilities for ``rows`` with ``fitted`` families, the shipped model for the rest."""
    shipped = load_model().weights
    p = np.zeros(len(t.y))
    for family in set(t.family[rows].tolist()):
        coef, intercept = fitted.get(family, shipped[family])
        sel = rows & (t.family == family)
        p[sel] = predict(coef, intercept, t.x[sel], t.offset[sel])
    return p


def _breakdown(t: _Table, rows: NDArray[np.bool_], p: NDArray[np.float64]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "all": metrics(t.y[rows], p[rows]),
        "baseline": metrics(t.y[rows], t.baseline[rows]),
        "families": {},
        "kinds": {},
    }
    for family in sorted(set(t.family[rows].tolist())):
        sel = rows & (t.family == family)
        out["families"][family] = {
            **metrics(t.y[sel], p[sel]),
            "baseline_f1": metrics(t.y[sel], t.baseline[sel])["f1"],
        }
    by_kind: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for i in np.flatnonzero(rows):
        right = (int((p[i] >= 0.5) == t.y[i]), int((t.baseline[i] >= 0.5) == t.y[i]))
        by_kind[(t.pairs[i].kind, int(t.y[i]))].append(right)
    for (kind, label), rights in sorted(by_kind.items()):
        model, base = zip(*rights, strict=True)
        out["kinds"][f"{label}:{kind}"] = {
            "n": len(rights),
            "accuracy": round(float(np.mean(model)), 4),
            "baseline_accuracy": round(float(np.mean(base)), 4),
        }
    return out


def evaluate_by_source(n: int, seed: int = 0, names: list[str] | None = None) -> dict[str, Any]:
    """The figures of the module docstring for about ``n`` pairs per source."""
    t = _table(n, seed, names)
    families, splits = t.family.tolist(), t.split.tolist()
    everything = fit_featured(t.x, t.y, families, splits)
    shipped: dict[str, tuple[list[float], float]] = {}
    report: dict[str, Any] = {"pairs_per_source": n, "seed": seed, "sources": {}}
    pooled = np.zeros(len(t.y))
    for source in sorted(set(t.source.tolist())):
        held = t.source == source
        others = ~held
        fitted = fit_featured(
            t.x[others], t.y[others], t.family[others].tolist(), t.split[others].tolist()
        )
        p = _score(t, held, fitted)
        pooled[held] = p[held]
        test = held & (t.split == "test")
        report["sources"][source] = {
            "held_out": _breakdown(t, held, p),
            "fallback_to_shipped": sorted(set(t.family[held].tolist()) - set(fitted)),
            "shipped": metrics(t.y[held], _score(t, held, shipped)[held]),
            "all_sources_test_split": metrics(t.y[test], _score(t, test, everything)[test]),
        }
    report["pooled_held_out"] = metrics(t.y, pooled)
    report["pooled_baseline"] = metrics(t.y, t.baseline)
    return report


def render(report: dict[str, Any]) -> str:
    """The report as markdown tables."""
    lines = [
        "Leave-one-source-out (fitted on the other sources, scored on every pair of this one):",
        "",
        "| held-out source | pairs | F1 | precision | recall | baseline F1 | shipped F1 "
        "| all-sources F1 (test split, pairs) | fallback |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for source, r in report["sources"].items():
        m, b = r["held_out"]["all"], r["held_out"]["baseline"]
        lines.append(
            f"| {source} | {int(m['n'])} | {m['f1']:.3f} | {m['precision']:.3f} "
            f"| {m['recall']:.3f} | {b['f1']:.3f} | {r['shipped']['f1']:.3f} "
            f"| {r['all_sources_test_split']['f1']:.3f} "
            f"({int(r['all_sources_test_split']['n'])}) "
            f"| {', '.join(r['fallback_to_shipped']) or '-'} |"
        )
    m, b = report["pooled_held_out"], report["pooled_baseline"]
    lines.append(
        f"| **pooled** | {int(m['n'])} | {m['f1']:.3f} | {m['precision']:.3f} "
        f"| {m['recall']:.3f} | {b['f1']:.3f} | | | |"
    )
    lines += ["", "By schema family (held out):", ""]
    lines += ["| source | family | pairs | F1 | precision | recall | baseline F1 |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for source, r in report["sources"].items():
        for family, m in r["held_out"]["families"].items():
            lines.append(
                f"| {source} | {family} | {int(m['n'])} | {m['f1']:.3f} | {m['precision']:.3f} "
                f"| {m['recall']:.3f} | {m['baseline_f1']:.3f} |"
            )
    lines += ["", "By kind of variation (held out; label 1 = same name, 0 = different):", ""]
    lines += ["| source | label:kind | pairs | accuracy | baseline accuracy |"]
    lines += ["|---|---|---|---|---|"]
    for source, r in report["sources"].items():
        for kind, k in r["held_out"]["kinds"].items():
            lines.append(
                f"| {source} | {kind} | {k['n']} | {k['accuracy']:.3f} "
                f"| {k['baseline_accuracy']:.3f} |"
            )
    return "\n".join(lines) + "\n"


def main_by_source(n: int, seed: int, names: list[str] | None) -> dict[str, Any]:
    report = evaluate_by_source(n, seed, names)
    sys.stdout.write(render(report))
    return report
