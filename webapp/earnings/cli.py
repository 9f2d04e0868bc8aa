import sys
from decimal import Decimal

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.auth.services import find_by_email
from webapp.earnings import services, verify
from webapp.earnings.models import LedgerEntry
from webapp.extensions import db
from webapp.money import QUANTUM

ledger_cli = AppGroup("ledger", help="Inspect and verify money.")


@ledger_cli.command("balance")
@click.argument("email")
def balance(email: str):
    """Print a creator's exact balance and the sum of their entries."""
    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"no account for {email}")
    totals = services.totals(user.id)
    # Summed here in Python, entry by entry, independently of the database's SUM.
    count, total = 0, Decimal(0)
    for amount in db.session.scalars(select(LedgerEntry.amount).where(
            LedgerEntry.creator_id == user.id).execution_options(yield_per=5000)):
        count, total = count + 1, total + amount
    for name in ("balance", "reserved", "pending", "held", "available"):
        click.echo(f"{name}: {exact(getattr(totals, name))}")
    click.echo(f"entries: {count}, sum {exact(total)}")
    if total != totals.balance:
        click.echo("MISMATCH: the balance is not the sum of its entries", err=True)
        sys.exit(1)


def exact(amount: Decimal) -> str:
    """Fixed point with all 8 places: 0.00000000, never 0E-8."""
    return f"{amount.quantize(QUANTUM):f}"


@ledger_cli.command("credit-missing")
def credit_missing_command():
    """Credit verified counts a dead worker left uncredited (idempotent; the scan does this)."""
    from webapp.earnings.recovery import credit_missing

    click.echo(f"credited {credit_missing()} missing credit(s)")


@ledger_cli.command("verify")
def verify_command():
    """Recompute every balance and every video's earnings; exit 1 on any mismatch."""
    check, problems = verify.run_and_record("cli")
    for problem in problems:
        click.echo(f"MISMATCH {problem}")
    if problems:
        click.echo(f"{len(problems)} mismatch(es); recorded as check {check.id}", err=True)
        sys.exit(1)
    click.echo(f"ledger ok (check {check.id})")
