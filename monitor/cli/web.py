"""`newsmon serve`: the web view (monitor.web) on this machine's loopback unless --host says
otherwise. Thin: build the context, hand it to monitor.web.server."""

from __future__ import annotations

import click

from monitor.cli.app import App, pass_app


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
    help="Port (0: any free one; the address is printed).",
)  # fmt: skip
@pass_app
def serve(app: App, host: str, port: int) -> None:
    """The web view: matched articles, why they matched, labels, feeds, metrics."""
    from monitor.web.context import WebContext
    from monitor.web.server import serve as run_server

    config = app.config  # the whole configuration: the article page scores text again
    ctx = WebContext(config=config, db_url=app.db_url, engine=app.engine(upgrade=True))

    def announce(url: str) -> None:
        click.echo(f"newsmon web: {url}")

    run_server(ctx, host, port, announce)
