"""Fit the comparator's logistic models from generated pairs and write ``coefficients.json``.

    python -m redlane.names.training.train [--pairs 30000] [--seed 0]
        [--sources all|NAME ... [--source-pairs 3000]]

Per family (person, org, entity, vessel): features of every generated pair; a standardised
L2 logistic regression fitted on the ``train`` split; Platt scaling of its logit fitted on the
``dev`` split (calibration); both folded into one coefficient vector. Dev metrics are printed.
The ``test`` split is never used here: ``python -m redlane.names.training.evaluate`` reports it.
``--sources`` adds pairs of the external sources (``training.sources``) to the generator's;
``fit_pairs``/``fit_featured`` fit on any list of pairs (``evaluate --by-source`` uses them).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from redlane.names.align import FEATURES
from redlane.names.compare import SCHEMAS, feature_vector, stated_logit
from redlane.names.model import COEFFICIENTS_FILE
from redlane.names.prepare import prepare
from redlane.names.training.pairs import Pair, generate, split_of


def say(text: str) -> None:
    sys.stdout.write(text + "\n")


FAMILY_SIZES = {"person": 1.0, "org": 1.0, "entity": 1.0, "vessel": 0.5}
OUT = Path(__file__).resolve().parent.parent / COEFFICIENTS_FILE


def featurize(pairs: list[Pair]) -> tuple[NDArray[np.float64], NDArray[np.int64], list[Pair]]:
    x, y, kept, _ = featurize_offsets(pairs)
    return x, y, kept


def featurize_offsets(
    pairs: list[Pair],
) -> tuple[NDArray[np.float64], NDArray[np.int64], list[Pair], NDArray[np.float64]]:
    """Features, labels, the pairs kept (both names non-empty) and each pair's stated log-odds
    (``compare.stated_logit``: evidence ``compare`` adds to the fitted model's)."""
    rows: list[list[float]] = []
    labels: list[int] = []
    kept: list[Pair] = []
    offsets: list[float] = []
    for pair in pairs:
        family = SCHEMAS[pair.schema]
        a, b = prepare(pair.name1, family), prepare(pair.name2, family)
        if a.empty or b.empty:
            continue
        x, al = feature_vector(a, b)
        rows.append(x)
        labels.append(pair.label)
        kept.append(pair)
        offsets.append(stated_logit(al))
    return (
        np.array(rows, dtype=np.float64),
        np.array(labels, dtype=np.int64),
        kept,
        np.array(offsets, dtype=np.float64),
    )


def metrics(y: NDArray[np.int64], p: NDArray[np.float64]) -> dict[str, float]:
    pred = p >= 0.5
    tp = float(np.sum(pred & (y == 1)))
    fp = float(np.sum(pred & (y == 0)))
    fn = float(np.sum(~pred & (y == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    bins = np.minimum((p * 10).astype(int), 9)
    ece = sum(
        abs(float(np.mean(p[bins == k])) - float(np.mean(y[bins == k]))) * np.sum(bins == k)
        for k in range(10)
        if np.any(bins == k)
    ) / len(p)
    return {
        "n": float(len(y)),
        "f1": round(f1, 4),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "accuracy": round(float(np.mean(pred == (y == 1))), 4),
        "brier": round(float(np.mean((p - y) ** 2)), 4),
        "ece": round(float(ece), 4),
    }


# Direction each feature may push the score: evidence of sameness can only raise it, evidence
# of difference only lower it. Context features (how the match was made) are free.
POSITIVE = {"cov_min", "cov_max", "exact", "sort_ratio", "joined_ratio", "strong_matches",
            "joined", "lookalike", "nicknames", "acronyms", "abbreviations",
            "distinctive_min"}  # fmt: skip
NEGATIVE = {"unmatched_min", "unmatched_max", "edits", "fuzzy_worst", "known_conflict", "ending",
            "legal_conflict", "legal_one_side", "number_conflict", "number_extra",
            "generic_only", "initial_conflict",
            "relation_conflict", "relation_one_side", "generation_conflict",
            "given_syllable_conflict"}  # fmt: skip
L2 = 1.0


def _logistic(
    x: NDArray[np.float64], y: NDArray[np.int64], signs: bool = True, l2: float = L2
) -> tuple[NDArray[np.float64], float]:
    """L2-regularised logistic regression, with sign constraints (L-BFGS-B)."""
    from scipy.optimize import minimize  # type: ignore[import-untyped]

    n, d = x.shape
    target = y.astype(np.float64)

    def loss(w: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        z = x @ w[:d] + w[d]
        p = 1.0 / (1.0 + np.exp(-z))
        value = float(np.sum(np.logaddexp(0.0, z) - target * z) + 0.5 * l2 * w[:d] @ w[:d])
        err = p - target
        grad = np.concatenate([x.T @ err + l2 * w[:d], [np.sum(err)]])
        return value, grad

    bounds = [
        (0.0, None) if f in POSITIVE else (None, 0.0) if f in NEGATIVE else (None, None)
        for f in FEATURES
    ] + [(None, None)]
    if not signs:
        bounds = [(None, None)] * (d + 1)
    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", bounds=bounds)
    return result.x[:d], float(result.x[d])


def fit_family(
    x: NDArray[np.float64], y: NDArray[np.int64], xd: NDArray[np.float64], yd: NDArray[np.int64]
) -> tuple[list[float], float]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    w, b = _logistic((x - mean) / scale, y)
    coef = w / scale
    intercept = float(b - np.sum(w * mean / scale))
    # Platt scaling on dev: p = sigmoid(a * z + c), folded into the coefficients.
    z = xd @ coef + intercept
    # a little L2 keeps the slope finite when dev is perfectly separated (vessels can be)
    slope, c = _logistic(z.reshape(-1, 1), yd, signs=False, l2=1.0)
    a = float(slope[0])
    return [float(v) for v in coef * a], intercept * a + c


# A family is fitted only with this many training pairs (and both labels in dev); below it a
# caller falls back to another model for that family.
MIN_TRAIN = 100


def fit_featured(
    x: NDArray[np.float64],
    y: NDArray[np.int64],
    families: list[str],
    splits: list[str],
) -> dict[str, tuple[list[float], float]]:
    """Fit each family on its ``train`` rows, calibrated on its ``dev`` rows (features already
    computed: ``families``/``splits`` give each row's family and split)."""
    fam, split = np.array(families), np.array(splits)
    out: dict[str, tuple[list[float], float]] = {}
    for family in FAMILY_SIZES:
        tr = (fam == family) & (split == "train")
        dv = (fam == family) & (split == "dev")
        if tr.sum() < MIN_TRAIN or len(set(y[dv].tolist())) < 2 or len(set(y[tr].tolist())) < 2:
            continue
        out[family] = fit_family(x[tr], y[tr], x[dv], y[dv])
    return out


def fit_pairs(pairs: list[Pair]) -> dict[str, tuple[list[float], float]]:
    """Fit the families on labelled pairs from any sources (``split_of(group)`` splits them)."""
    x, y, kept = featurize(pairs)
    return fit_featured(x, y, [SCHEMAS[p.schema] for p in kept], [split_of(p.group) for p in kept])


def _external(n: int, seed: int, names: list[str]) -> list[Pair]:
    """Pairs of the non-generator sources ``names`` (``all`` = every one), ``n`` each."""
    from redlane.names.training.sources import SOURCES, collect

    wanted = [s for s in SOURCES if s != "generator"] if names == ["all"] else names
    return [p for pairs in collect(n, seed, wanted).values() for p in pairs]


def predict(
    coef: list[float],
    intercept: float,
    x: NDArray[np.float64],
    offset: NDArray[np.float64] | None = None,
) -> NDArray[np.float64]:
    """Probabilities as ``compare`` computes them (``offset``: stated log-odds per row)."""
    z = x @ np.array(coef) + intercept
    if offset is not None:
        z = z + offset
    out: NDArray[np.float64] = 1.0 / (1.0 + np.exp(-z))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=30_000, help="pairs per family (approx.)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument(
        "--sources",
        nargs="*",
        default=[],
        help="also train on these external sources (training.sources; 'all' = every one) "
        "besides the generator; off by default, so the shipped model is unchanged",
    )
    parser.add_argument(
        "--source-pairs", type=int, default=3_000, help="pairs per external source (approx.)"
    )
    args = parser.parse_args(argv)
    families: dict[str, Any] = {}
    report: dict[str, Any] = {}
    external = _external(args.source_pairs, args.seed, args.sources) if args.sources else []
    for family, share in FAMILY_SIZES.items():
        started = time.perf_counter()
        pairs = generate(family, int(args.pairs * share), args.seed)
        pairs += [p for p in external if SCHEMAS[p.schema] == family]
        train = [p for p in pairs if split_of(p.group) == "train"]
        dev = [p for p in pairs if split_of(p.group) == "dev"]
        x, y, _ = featurize(train)
        xd, yd, dev_kept, od = featurize_offsets(dev)
        coef, intercept = fit_family(x, y, xd, yd)
        families[family] = {"coef": [round(c, 6) for c in coef], "intercept": round(intercept, 6)}
        pd = predict(coef, intercept, xd, od)
        report[family] = {"train_pairs": len(y), "dev": metrics(yd, pd)}
        errors: dict[str, list[int]] = {}
        for pair, p in zip(dev_kept, pd, strict=True):
            errors.setdefault(f"{pair.label}:{pair.kind}", []).append(int((p >= 0.5) != pair.label))
        worst = sorted(((sum(v) / len(v), k, len(v)) for k, v in errors.items()), reverse=True)
        say(f"{family}: {len(y)} train / {len(yd)} dev pairs, {time.perf_counter() - started:.0f}s")
        say(f"  dev {report[family]['dev']}")
        say(
            "  dev error rate by kind: "
            + ", ".join(f"{k} {r:.2f} (n={n})" for r, k, n in worst[:8])
        )
        weights = dict(zip(FEATURES, [round(c, 2) for c in coef], strict=True))
        say(f"  coef {weights} intercept {intercept:.2f}")
    data = {
        "version": 1,
        "features": list(FEATURES),
        "families": families,
        "training": {
            "pairs_per_family": args.pairs,
            "seed": args.seed,
            **(
                {"sources": args.sources, "pairs_per_source": args.source_pairs}
                if args.sources
                else {}
            ),
            "report": report,
        },
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    say(f"wrote {args.out}")


if __name__ == "__main__":
    main()
