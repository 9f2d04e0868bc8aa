"""Onboarding from the shell."""
from webapp.auth.services import authenticate


def test_create_admin_asks_for_the_password(runner, ctx):
    result = runner.invoke(args=["users", "create-admin", "boss@example.com"],
                           input="s3cret-pass\ns3cret-pass\n")
    assert result.exit_code == 0, result.output
    assert "admin created: boss@example.com" in result.output
    user = authenticate("boss@example.com", "s3cret-pass")
    assert user is not None and user.is_admin


def test_create_creator_with_password_option_and_handle(runner, ctx):
    result = runner.invoke(args=["users", "create-creator", "sari@example.com", "--handle",
                                 "@Sari.Dance", "--password", "kopi-tubruk-77"])
    assert result.exit_code == 0, result.output
    user = authenticate("sari@example.com", "kopi-tubruk-77")
    assert user.tiktok_handle == "Sari.Dance" and not user.is_admin


def test_duplicate_or_weak_accounts_are_refused(runner, ctx):
    runner.invoke(args=["users", "create-creator", "a@example.com", "--handle", "aa", "--password", "kopi-tubruk-77"])
    again = runner.invoke(args=["users", "create-creator", "A@example.com", "--handle", "bb", "--password", "kopi-tubruk-77"])
    assert again.exit_code != 0 and "already exists" in again.output
    weak = runner.invoke(args=["users", "create-creator", "b@example.com", "--handle", "bb", "--password", "short"])
    assert weak.exit_code != 0 and "at least 8" in weak.output
