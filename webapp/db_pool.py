"""Pooled PostgreSQL connections, checked only when they may have gone stale.

`pool_pre_ping` costs a round trip on every checkout, i.e. on every request: one of the five the
live fragment's 304 answer used to make. A connection checked in a moment ago was working a
moment ago; one that sat idle may have been dropped meanwhile (a database restart, a proxy's
idle timeout). So only a connection idle for more than DB_PING_IDLE_SECONDS is pinged, and a
dead one never reaches the request: an error raised as DisconnectionError from the checkout
event makes the pool discard it and hand out a fresh one. A connection that dies while the site
is busy fails the request using it; SQLAlchemy then drops the rest of that pool with it, so the
next request reconnects.
"""
import time

from flask import Flask
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine


def init_app(app: Flask, engine: Engine) -> None:
    if engine.dialect.name == "sqlite":  # a local file: nothing to go stale
        return
    idle_limit = app.config["DB_PING_IDLE_SECONDS"]

    @event.listens_for(engine, "checkin")
    def _idle_from_now(dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, proxy):
        since = record.info.pop("idle_since", None)  # None: a new connection, just made
        if since is None or time.monotonic() - since <= idle_limit:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # whatever the driver raises for a dead socket
            raise exc.DisconnectionError(f"stale pooled connection: {error}") from error
