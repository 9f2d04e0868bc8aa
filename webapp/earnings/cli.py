from decimal import Decimal

import click
from flask.cli import AppGroup

from webapp.auth.services import find_by_email
from webapp.earnings import services

ledger_cli = AppGroup("ledger", help="Inspect and verify money.")


@ledger_cli.command("balance")
@click.argument("email")
def balance(email: str):
    """Print a creator's exact balance and the sum of their entries."""
    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    entries = services.entries_for(user.id, limit=1_000_000)
    click.echo(f"balance: {services.balance(user.id)}")
    click.echo(f"entries: {len(entries)}, sum {sum((e.amount for e in entries), Decimal(0))}")
