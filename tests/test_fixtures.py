"""The fixtures themselves: requests and commands isolated as in production, test backends only."""
from pathlib import Path

import pytest
from flask import g

from tests import conftest


def test_each_request_gets_its_own_app_context_even_inside_the_tests(app, client):
    from webapp.extensions import db

    @app.get("/_probe")
    def probe():
        return {"g": g.get("marker"), "session": id(db.session())}

    with app.app_context():
        g.marker, mine = "the test's", db.session()  # alive throughout: its id stays its own
        seen = client.get("/_probe").get_json()
        assert seen["g"] is None and seen["session"] != id(mine)


def test_each_command_gets_its_own_app_context_even_inside_the_tests(app, runner):
    import click

    @app.cli.command("probe")
    def probe():
        click.echo(repr(g.get("marker")))

    with app.app_context():
        g.marker = "the test's"
        assert runner.invoke(args=["probe"]).output == "None\n"


@pytest.mark.parametrize("env, refused", [
    ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/mig"}, "DATABASE_URL"),
    ({"DATABASE_URL": "postgresql://postgres@testhost:5432/viewpay"}, "DATABASE_URL"),
    ({"REDIS_URL": "redis://127.0.0.1:6379/1"}, "REDIS_URL"),
])
def test_a_url_that_does_not_say_test_is_refused(monkeypatch, env, refused):
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(pytest.exit.Exception, match=f"{refused}=.*TEST_{refused}"):
        conftest._test_database_url(), conftest._test_redis_url()


@pytest.mark.parametrize("env, database, redis", [
    ({}, None, None),
    ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/viewpay_test",
      "REDIS_URL": "redis://test-redis:6379/0"},
     "postgresql://postgres@127.0.0.1:5432/viewpay_test", "redis://test-redis:6379/0"),
    ({"DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/mig", "REDIS_URL": "redis://prod/1",
      "TEST_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/scratch",
      "TEST_REDIS_URL": "redis://127.0.0.1:6379/9"},
     "postgresql://postgres@127.0.0.1:5432/scratch", "redis://127.0.0.1:6379/9"),
])
def test_test_urls_win_and_a_name_that_says_test_is_accepted(monkeypatch, env, database, redis):
    for name in ("TEST_DATABASE_URL", "TEST_REDIS_URL", "DATABASE_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert (conftest._test_database_url(), conftest._test_redis_url()) == (database, redis)


def test_apps_keep_their_files_out_of_the_checkout(app):
    assert not Path(app.instance_path).is_relative_to(Path(app.root_path).parent)
