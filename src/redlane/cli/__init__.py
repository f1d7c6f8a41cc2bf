"""The ``redlane`` command: thin commands over the domain packages."""

from __future__ import annotations

import typer

from redlane import __version__
from redlane.cli.actors_cmds import actors_app
from redlane.cli.admin_cmds import agreements_app  # also registers `audit list`
from redlane.cli.bench_cmds import bench_app
from redlane.cli.brand_cmds import brands_app
from redlane.cli.case_cmds import case_app
from redlane.cli.data_cmds import batches, ingest, quarantine_app, status
from redlane.cli.db_cmds import audit_app, db_app
from redlane.cli.demo_cmd import demo
from redlane.cli.ftm_eval_cmd import eval_ftm as _eval_ftm  # noqa: F401  (registers `eval ftm`)
from redlane.cli.kcs_cmds import kcs_app
from redlane.cli.names_cmds import names_app
from redlane.cli.pprl_cmds import pprl_app
from redlane.cli.resolve_cmds import eval_app, match, network_app, resolve_app
from redlane.cli.serve_cmds import serve, users_app, worker
from redlane.cli.sim_audit_cmd import audit as _sim_audit  # noqa: F401  (registers `sim audit`)
from redlane.cli.sim_cmds import sim_app
from redlane.cli.target_cmds import target_app
from redlane.cli.webhook_cmds import webhooks_app

app = typer.Typer(
    name="redlane",
    help="Joint counterfeit interdiction: partner feeds in, targeted inspections out.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
feeds_app = typer.Typer(help="Feed formats.", no_args_is_help=True)


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", help="Print the version and exit."),
) -> None:
    if version:
        typer.echo(__version__)
        raise typer.Exit()


@feeds_app.command("docs")
def feeds_docs() -> None:
    """Print the feed formats as Markdown (the source of docs/feeds.md)."""
    from redlane.feeds.docs import feeds_markdown

    typer.echo(feeds_markdown(), nl=False)


app.command()(ingest)
app.command()(status)
app.command()(batches)
app.command()(demo)
app.command()(serve)
app.command()(worker)
app.add_typer(sim_app, name="sim")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(feeds_app, name="feeds")
app.add_typer(bench_app, name="bench")
app.add_typer(kcs_app, name="kcs")
app.add_typer(names_app, name="names")
app.add_typer(target_app, name="target")
app.add_typer(users_app, name="users")
app.add_typer(resolve_app, name="resolve")
app.add_typer(eval_app, name="eval")
app.add_typer(network_app, name="network")
app.add_typer(actors_app, name="actors")
app.command()(match)
app.add_typer(case_app, name="case")
app.add_typer(brands_app, name="brands")
app.add_typer(webhooks_app, name="webhooks")
app.add_typer(agreements_app, name="agreements")
app.add_typer(pprl_app, name="pprl")


def main() -> None:
    app()
