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
@click.option("--source", type=click.Choice(["page", "oembed"]), default="page")
def fetch_cmd(url: str, source: str):
    """Fetch a video's normalised stats from one source and print them as JSON."""
    from webapp.tiktok.client import http_from_config
    from webapp.tiktok.sources import OEmbedSource, PageSource
    from webapp.tiktok.urls import parse_url

    http = http_from_config()
    try:
        parsed = http.resolve(parse_url(url))
        stats = {"page": PageSource, "oembed": OEmbedSource}[source](http).fetch(parsed.video_id)
    except TikTokError as exc:
        _fail(exc)
    _dump(dataclasses.asdict(stats))


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
