"""`flask api ...`: API tokens from the shell (audited as the operator's, via "cli")."""
from datetime import timezone

import click
from flask.cli import AppGroup

from webapp.api import tokens
from webapp.api.models import SCOPES
from webapp.timeutil import aware

api_cli = AppGroup("api", help="API tokens.")


@api_cli.command("create-token")
@click.argument("name")
@click.option("--scope", type=click.Choice(SCOPES), default="read", show_default=True)
@click.option("--admin", "admin_email", help="The admin the token acts for (observations).")
def create_token(name: str, scope: str, admin_email: str | None):
    """Make a token; it is printed once, alone on the last line (only its hash is kept)."""
    from webapp.auth.services import find_by_email

    owner_id = None
    if admin_email:
        admin = find_by_email(admin_email)
        if admin is None or not admin.is_admin:
            raise click.ClickException(f"{admin_email} is not an admin.")
        owner_id = admin.id
    try:
        token, secret = tokens.create(name, scope, owner_id=owner_id, actor_id=None, via="cli")
    except tokens.TokenError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"token {token.name} ({token.scope}) created; it is shown only now:")
    click.echo(secret)


@api_cli.command("revoke-token")
@click.argument("name")
def revoke_token(name: str):
    """Stop a token from working, at once."""
    try:
        tokens.revoke(tokens.by_name(name).id, actor_id=None, via="cli")
    except tokens.TokenError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"token {name} revoked")


@api_cli.command("list-tokens")
def list_tokens():
    """Every token: name, scope, owner, created, last used, revoked (never the secret)."""
    for token in tokens.all_tokens():
        owner = token.owner.email if token.owner else "-"
        click.echo("\t".join([
            token.name, token.scope, owner, _when(token.created_at),
            f"used {_when(token.last_used_at)}",
            f"revoked {_when(token.revoked_at)}" if token.revoked_at else "active"]))


def _when(value) -> str:
    if value is None:
        return "never"
    return aware(value).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
