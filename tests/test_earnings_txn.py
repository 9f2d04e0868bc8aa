"""lock_one: the one way a money decision reads (and locks) the row it decides on."""
import json

from sqlalchemy import select, update

from tests.test_earnings_services import new_creator, with_bank
from webapp.audit.models import AuditEvent
from webapp.earnings.bank import account_for
from webapp.earnings.models import BankAccount
from webapp.txn import lock_one
from webapp.extensions import db


def test_lock_one_reads_the_committed_row_over_the_sessions_stale_copy(ctx):
    creator = new_creator("lock")
    with_bank(creator)
    stale = account_for(creator.id)
    with db.engine.begin() as other:  # another request changes the row meanwhile
        other.execute(update(BankAccount).where(BankAccount.creator_id == creator.id)
                      .values(holder_name="Budi Santoso"))
    locked = lock_one(BankAccount, BankAccount.creator_id == creator.id)
    assert locked is stale and locked.holder_name == "Budi Santoso"
    db.session.rollback()


def test_lock_one_finds_nothing_without_error(ctx):
    assert lock_one(BankAccount, BankAccount.creator_id == -1) is None
    db.session.rollback()


def test_saving_bank_details_judges_replaced_on_the_committed_row(ctx):
    """Another tab changed the account after this session read it: saving the number this
    session saw is a replacement of what is stored now, and audited as one."""
    creator = new_creator("tabs")
    with_bank(creator, number="1234567890")
    seen = account_for(creator.id)  # this session's copy (kept: the identity map holds it)
    with db.engine.begin() as other:
        other.execute(update(BankAccount).where(BankAccount.creator_id == creator.id)
                      .values(account_number="5555555555"))
    with_bank(creator, number="1234567890")
    last = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "bank_details", AuditEvent.actor_id == creator.id)
        .order_by(AuditEvent.id.desc()).limit(1))
    assert json.loads(last.detail)["replaced"] is True
    assert seen.account_number == "1234567890"
    db.session.expire_all()
    assert account_for(creator.id).account_number == "1234567890"  # not lost as "no change"
