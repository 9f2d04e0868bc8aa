"""instance/ (database, WAL, secret key, Redis dump and socket) is readable by its owner only."""
import os
import stat

import pytest
from sqlalchemy import text


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def lax_umask():
    """The usual 022, as a shell would leave it (earlier apps in this process tightened it)."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _embedded_app(instance):
    from webapp import create_app

    return create_app({"INSTANCE_PATH": str(instance), "SECRET_KEY": None,
                       "SQLALCHEMY_DATABASE_URI": None, "REDIS_URL": None, "TESTING": True})


def test_a_fresh_instance_is_the_owners_only(tmp_path, lax_umask):
    from webapp.extensions import db

    instance = tmp_path / "instance"
    app = _embedded_app(instance)
    assert app.instance_path == str(instance)
    with app.app_context():
        db.session.execute(text("CREATE TABLE t (x INTEGER)"))
        db.session.execute(text("INSERT INTO t VALUES (1)"))
        db.session.commit()
        files = ["secret_key", "viewpay.db", "viewpay.db-wal", "viewpay.db-shm"]
        assert {name: _mode(instance / name) for name in files} == dict.fromkeys(files, 0o600)
        db.engine.dispose()
    assert _mode(instance) == 0o700


def test_the_embedded_redis_files_are_the_owners_only(tmp_path, lax_umask):
    from webapp import redis_conn

    instance = tmp_path / "instance"
    _embedded_app(instance)
    client = redis_conn.connect(None, str(instance))
    try:
        client.set("k", "v")
        client.save()
        for name in ("redis.rdb", "redis.lock", "redis.sock"):
            assert _mode(instance / name) & 0o077 == 0, name
    finally:
        server = redis_conn._embedded_servers.pop(str(instance / "redis.sock"))
        server.shutdown(nosave=True)  # only ours: the session's embedded server keeps running


def test_files_an_older_setup_left_readable_are_restricted_at_start(tmp_path, lax_umask):
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o755)
    for name in ("secret_key", "viewpay.db", "viewpay.db-wal", "redis.rdb"):
        (instance / name).write_text("k" if name == "secret_key" else "")
        os.chmod(instance / name, 0o644)
    _embedded_app(instance)
    assert _mode(instance) == 0o700
    assert {p.name: _mode(p) for p in instance.iterdir()} == {
        "secret_key": 0o600, "viewpay.db": 0o600, "viewpay.db-wal": 0o600, "redis.rdb": 0o600}
