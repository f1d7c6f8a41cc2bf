"""Held-out report for the shipped coefficients.

    python -m redlane.names.training.evaluate

Regenerates the labelled pairs exactly as ``train`` did (same size and seed, read from
``coefficients.json``), keeps the ``test`` split — whole name groups never seen in training
or calibration — and reports F1, precision, recall, accuracy, Brier score and expected
calibration error per family, overall, and for a plain string-similarity baseline; then the
accuracy on the hand-written hard cases.

    python -m redlane.names.training.evaluate --by-source [--pairs-per-source 1500]
        [--seed 0] [--sources NAME ...] [--json OUT.json]

Leave-one-source-out instead (``training.by_source``): for each source of ``training.sources``
a model fitted on the others, scored on it, per schema family and kind of variation.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from rapidfuzz.fuzz import token_sort_ratio

from redlane.names import compare
from redlane.names.model import load_model
from redlane.names.training.hard_cases import HARD_CASES
from redlane.names.training.pairs import generate, split_of
from redlane.names.training.train import FAMILY_SIZES, featurize_offsets, metrics, predict


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="held-out report for coefficients.json")
    parser.add_argument("--by-source", action="store_true", help="leave-one-source-out report")
    parser.add_argument("--pairs-per-source", type=int, default=1_500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sources", nargs="*", default=None, help="default: every source")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    if args.by_source:
        from redlane.names.training.by_source import main_by_source

        report = main_by_source(args.pairs_per_source, args.seed, args.sources)
        if args.json is not None:
            args.json.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
        return
    model = load_model()
    trained = model.data["training"]
    out = sys.stdout.write
    out("| family | pairs | F1 | precision | recall | accuracy | Brier | ECE | baseline F1 |\n")
    out("|---|---|---|---|---|---|---|---|---|\n")
    ys: list[np.ndarray] = []
    ps: list[np.ndarray] = []
    bs: list[np.ndarray] = []
    for family, share in FAMILY_SIZES.items():
        pairs = generate(family, int(trained["pairs_per_family"] * share), trained["seed"])
        test = [p for p in pairs if split_of(p.group) == "test"]
        x, y, kept, offset = featurize_offsets(test)
        coef, intercept = model.weights[family]
        p = predict(coef, intercept, x, offset)
        # Baseline: one string similarity on case-folded names, threshold 80.
        base = np.array([token_sort_ratio(k.name1.lower(), k.name2.lower()) / 100 for k in kept])
        m, mb = metrics(y, p), metrics(y, (base >= 0.8).astype(np.float64))
        out(
            f"| {family} | {len(y)} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} "
            f"| {m['accuracy']:.3f} | {m['brier']:.3f} | {m['ece']:.3f} | {mb['f1']:.3f} |\n"
        )
        ys.append(y)
        ps.append(p)
        bs.append((base >= 0.8).astype(np.float64))
    y_all, p_all, b_all = np.concatenate(ys), np.concatenate(ps), np.concatenate(bs)
    m, mb = metrics(y_all, p_all), metrics(y_all, b_all)
    out(
        f"| **all** | {len(y_all)} | {m['f1']:.3f} | {m['precision']:.3f} | {m['recall']:.3f} "
        f"| {m['accuracy']:.3f} | {m['brier']:.3f} | {m['ece']:.3f} | {mb['f1']:.3f} |\n"
    )
    right = sum(compare(a, b, s).match is same for s, a, b, same, _ in HARD_CASES)
    out(f"\nhand-written hard cases: {right}/{len(HARD_CASES)} right\n")


if __name__ == "__main__":
    main()
