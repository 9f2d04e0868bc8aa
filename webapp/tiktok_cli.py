"""`flask tiktok ...`: TikTok (or the sandbox) from the shell. Outside webapp/tiktok/ because
`fetch --as EMAIL` uses a creator's stored token (auth, the database); the package itself knows
no database."""
import dataclasses
import json
from pathlib import Path

import click
from flask.cli import AppGroup

from webapp.tiktok.errors import TikTokError

tiktok_cli = AppGroup("tiktok", help="Talk to TikTok (or the sandbox) from the shell.")


def _dump(value) -> None:
    click.echo(json.dumps(value, indent=2, default=str, ensure_ascii=False))


def _fail(exc: TikTokError):
    click.echo(f"error: {exc.message}", err=True)
    raise SystemExit(2)


@tiktok_cli.command("parse-url")
@click.argument("url")
@click.option("--resolve", is_flag=True, help="Follow a short link to its video (network).")
def parse_url_cmd(url: str, resolve: bool):
    """Print what a pasted URL means, as JSON; exit 2 with the reason if it is refused."""
    from webapp.tiktok.client import http_from_config
    from webapp.tiktok.urls import parse_url

    try:
        parsed = parse_url(url)
        if resolve and parsed.kind == "short_link":
            parsed = http_from_config().resolve(parsed)
    except TikTokError as exc:
        _fail(exc)
    _dump({"video_id": parsed.video_id, "handle": parsed.handle, "kind": parsed.kind,
           "canonical_url": parsed.canonical_url})


@tiktok_cli.command("fetch")
@click.argument("url")
@click.option("--source", type=click.Choice(["display", "page", "oembed"]), default="page")
@click.option("--as", "as_email", metavar="EMAIL",
              help="display: use this creator's TikTok connection (refreshed if due).")
@click.option("--token", envvar="TIKTOK_ACCESS_TOKEN", metavar="ACCESS_TOKEN",
              help="display: a raw access token instead of --as (or $TIKTOK_ACCESS_TOKEN).")
def fetch_cmd(url: str, source: str, as_email: str | None, token: str | None):
    """Fetch a video's normalised stats from one source and print them as JSON.

    A one-off call for an operator: it bypasses the shared rate budget and circuit breaker.
    """
    from webapp.tiktok.client import http_from_config
    from webapp.tiktok.sources import DisplaySource, OEmbedSource, PageSource
    from webapp.tiktok.urls import parse_url

    if source == "display" and not token:
        token = _token_for(as_email)
    http = http_from_config()
    try:
        video_id = http.resolve(parse_url(url)).video_id
        if source == "display":
            stats = DisplaySource(http).fetch(token, video_id)
        else:
            stats = {"page": PageSource, "oembed": OEmbedSource}[source](http).fetch(video_id)
    except TikTokError as exc:
        _fail(exc)
    _dump(dataclasses.asdict(stats))


def _token_for(email: str | None) -> str:
    # The only database access of this package: the CLI stands in for a job here.
    from webapp.auth import services, tokens

    if not email:
        raise click.UsageError("--source display needs --as EMAIL (a connected creator) or --token")
    user = services.find_by_email(email)
    if user is None:
        raise click.UsageError(f"no account {email}")
    token = tokens.access_token(user.id)
    if token is None:
        click.echo(f"error: {email} has no working TikTok connection", err=True)
        raise SystemExit(2)
    return token


@tiktok_cli.command("parse-page")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def parse_page_cmd(file: Path):
    """Parse a saved TikTok page (HTML or JSON) and print the normalised JSON."""
    from webapp.tiktok.page import parse_saved_page

    try:
        result = parse_saved_page(file.read_text(encoding="utf-8", errors="replace"))
    except TikTokError as exc:
        _fail(exc)
    _dump(result)
