"""Settings that would fail later or weaken security are refused at start-up."""
from decimal import Decimal

import pytest

from webapp import create_app
from webapp.earnings.errors import MoneyError


def test_postgres_setup_without_secret_key_refuses_to_start(tmp_path):
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1/none",
                    "SECRET_KEY": None, "INSTANCE_PATH": str(tmp_path)})


def test_embedded_setup_gets_a_random_key_shared_through_instance(tmp_path):
    embedded = {"SECRET_KEY": None, "SQLALCHEMY_DATABASE_URI": None,  # even when DATABASE_URL is set
                "INSTANCE_PATH": str(tmp_path)}
    first, second = create_app(dict(embedded)), create_app(dict(embedded))
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) >= 48


def test_a_rate_that_cannot_be_stored_exactly_is_refused(tmp_path):
    with pytest.raises(MoneyError):
        create_app({"SECRET_KEY": "k", "RATE_PER_VIEW": Decimal("0.000000001"),
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db",
                    "INSTANCE_PATH": str(tmp_path)})
