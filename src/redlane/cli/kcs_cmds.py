"""``redlane kcs``: the KCS benchmark adapter (train, score, evaluate)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from redlane.cli.common import console, fail, print_json
from redlane.errors import RedlaneError
from redlane.kcs.settings import TrainSettings

TRAIN_DEFAULTS = TrainSettings()

kcs_app = typer.Typer(
    help="KCS customs declarations benchmark: fraud and critical-fraud targeting.",
    no_args_is_help=True,
)

ModelDir = Annotated[Path, typer.Option("--model-dir", help="Model directory.")]


# Domain errors (unreadable input, not a model directory) exit 2 (docs/kcs.md, tests/kcs).
FAILED = 2


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f} %"


def _metrics_table(title: str, metrics: list[dict[str, Any]]) -> Table:
    table = Table(title=title)
    for name in ("inspection rate", "inspected", "precision", "recall", "critical recall"):
        table.add_column(name, justify="right")
    for m in metrics:
        table.add_row(
            _pct(m["rate"]),
            str(m["inspected"]),
            _pct(m["precision"]),
            _pct(m["recall"]),
            _pct(m["critical_recall"]),
        )
    return table


def _frontier_table(title: str, points: list[dict[str, Any]], chosen: float) -> Table:
    table = Table(title=title)
    for name in ("weight w", "precision@5%", "precision@10%", "crit. recall@5%", "@10%"):
        table.add_column(name, justify="right")
    for p in points:
        mark = " *" if p["weight"] == chosen else ""
        table.add_row(
            f"{p['weight']:g}{mark}",
            _pct(p["precision_5"]),
            _pct(p["precision_10"]),
            _pct(p["critical_recall_5"]),
            _pct(p["critical_recall_10"]),
        )
    return table


@kcs_app.command("train")
def train_cmd(
    train: Annotated[Path, typer.Option("--train", help="Training declarations (CSV).")],
    model_dir: ModelDir,
    valid: Annotated[
        Path | None,
        typer.Option("--valid", help="Labelled later declarations: reported on, never tuned on."),
    ] = None,
    weight: Annotated[
        float | None,
        typer.Option(
            help="Fix the critical-fraud weight w instead of choosing it on the tuning slice.",
            min=0.0,
        ),
    ] = None,
    min_precision_5: Annotated[
        float,
        typer.Option(help="Floor on precision@5 % when choosing w on the tuning slice.", min=0),
    ] = TRAIN_DEFAULTS.min_precision_5,
    min_precision_10: Annotated[
        float,
        typer.Option(help="Floor on precision@10 % when choosing w on the tuning slice.", min=0),
    ] = TRAIN_DEFAULTS.min_precision_10,
    seed: Annotated[int, typer.Option(help="Random seed (LightGBM).")] = 7,
    bags: Annotated[
        int, typer.Option(help="Models per target (seeds averaged).", min=1)
    ] = TRAIN_DEFAULTS.bags,
    fraud_rounds: Annotated[int, typer.Option(help="Boosting rounds, fraud model.", min=1)] = (
        TRAIN_DEFAULTS.fraud_rounds
    ),
    fraud_leaves: Annotated[int, typer.Option(help="Leaves per tree, fraud model.", min=2)] = (
        TRAIN_DEFAULTS.fraud_leaves
    ),
    critical_rounds: Annotated[
        int, typer.Option(help="Boosting rounds, critical-fraud model.", min=1)
    ] = TRAIN_DEFAULTS.critical_rounds,
    critical_leaves: Annotated[
        int, typer.Option(help="Leaves per tree, critical-fraud model.", min=2)
    ] = TRAIN_DEFAULTS.critical_leaves,
) -> None:
    """Train the fraud and critical-fraud models; write them to --model-dir."""
    from redlane.kcs.data import read_declarations
    from redlane.kcs.evaluate import at_rates
    from redlane.kcs.frontier import frontier
    from redlane.kcs.model import train as train_model

    try:
        data = read_declarations(train, require_labels=True)
        valid_data = read_declarations(valid, require_labels=True) if valid else None
        with console.status(f"training on {len(data):,} declarations"):
            settings = TrainSettings(
                seed=seed,
                bags=bags,
                weight=weight,
                min_precision_5=min_precision_5,
                min_precision_10=min_precision_10,
                fraud_rounds=fraud_rounds,
                fraud_leaves=fraud_leaves,
                critical_rounds=critical_rounds,
                critical_leaves=critical_leaves,
            )
            model = train_model(data, settings)
        model.save(model_dir)
    except RedlaneError as exc:
        raise fail(exc, FAILED) from exc
    report = model.report
    console.print(
        f"trained on {report['train_rows']:,} rows ({report['train_dates'][0]} .. "
        f"{report['train_dates'][1]}); tuned on the latest {report['tune_rows']:,} "
        f"({' .. '.join(report['tune_dates'])}); weight w = {model.weight:g}",
        highlight=False,
    )
    if report["tuning_frontier"]:
        console.print(
            _frontier_table("tuning slice frontier", report["tuning_frontier"], model.weight)
        )
    if valid is not None and valid_data is not None:
        fraud, critical = valid_data.labels()
        p_fraud, p_critical = model.probabilities(valid_data)
        points = [p.as_dict() for p in frontier(p_fraud, p_critical, fraud, critical)]
        console.print(_frontier_table(f"{valid.name} frontier (report only)", points, model.weight))
        metrics = [m.as_dict() for m in at_rates(model.score(valid_data), fraud, critical)]
        console.print(_metrics_table(f"{valid} at w = {model.weight:g}", metrics))
    console.print(f"model written to {model_dir}")


@kcs_app.command("score")
def score_cmd(
    model_dir: ModelDir,
    input: Annotated[Path, typer.Option("--input", help="Declarations to score (CSV).")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV: Declaration ID,score.")],
) -> None:
    """Score declarations (labels not needed); one output row per input row, same order."""
    from redlane import csv_export
    from redlane.kcs.data import ID, read_declarations
    from redlane.kcs.model import KcsModel

    try:
        model = KcsModel.load(model_dir)
        data = read_declarations(input)
        scores = model.score(data)
    except RedlaneError as exc:
        raise fail(exc, FAILED) from exc
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv_export.writer(handle, lineterminator="\n")
        writer.writerow([ID, "score"])
        writer.writerows(zip(data.ids.tolist(), scores.tolist(), strict=True))
    console.print(f"scored {len(data):,} declarations into {out}")


@kcs_app.command("evaluate")
def evaluate_cmd(
    model_dir: ModelDir,
    input: Annotated[Path, typer.Option("--input", help="Labelled declarations (CSV).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")] = False,
) -> None:
    """Precision, recall and critical-fraud recall at 1, 2, 5 and 10 % inspection rates."""
    from redlane.kcs.data import read_declarations
    from redlane.kcs.evaluate import at_rates
    from redlane.kcs.model import KcsModel

    try:
        model = KcsModel.load(model_dir)
        data = read_declarations(input, require_labels=True)
        fraud, critical = data.labels()
        metrics = [m.as_dict() for m in at_rates(model.score(data), fraud, critical)]
    except RedlaneError as exc:
        raise fail(exc, FAILED) from exc
    if as_json:
        print_json(
            {
                "input": str(input),
                "rows": len(data),
                "frauds": int(fraud.sum()),
                "critical_frauds": int(critical.sum()),
                "weight": model.weight,
                "metrics": metrics,
            }
        )
        return
    console.print(
        f"{len(data):,} declarations, {int(fraud.sum()):,} frauds, "
        f"{int(critical.sum()):,} critical; weight w = {model.weight:g}",
        highlight=False,
    )
    console.print(_metrics_table(str(input), metrics))
