import click
from flask.cli import AppGroup

from webapp.auth import passwords, services
from webapp.auth.errors import AuthError

users_cli = AppGroup("users", help="Create admin and creator accounts.")


@users_cli.command("create-admin")
@click.argument("email")
@click.password_option()
def create_admin(email: str, password: str):
    """Create an admin account (asks for the password)."""
    try:
        passwords.check(password, email)
        user = services.create_admin(email, password)
    except AuthError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"admin created: {user.email}")


@users_cli.command("create-creator")
@click.argument("email")
@click.option("--handle", required=True, help="The creator's TikTok handle.")
@click.password_option()
def create_creator(email: str, handle: str, password: str):
    """Onboard a creator from the shell (password prompted, or --password)."""
    try:
        passwords.check(password, email)
        user = services.create_user(email, password, handle=handle)
    except AuthError as exc:
        raise click.ClickException(str(exc))
    click.echo(f"creator created: {user.email} (@{user.tiktok_handle})")
