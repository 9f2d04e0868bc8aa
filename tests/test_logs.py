"""Structured logs: JSON lines carrying the request id (web) or the job id (worker)."""
import io
import json
import logging

import pytest

from webapp import logs


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(logs.ContextFilter())
    from pythonjsonlogger.json import JsonFormatter

    handler.setFormatter(JsonFormatter("{levelname}{name}{message}{request_id}{job_id}",
                                       style="{"))
    logger = logging.getLogger("viewpay.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield logger, stream
    logger.removeHandler(handler)


def lines(stream):
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_request_logs_its_id_and_echoes_it(app, client, captured):
    logger, stream = captured
    logs.init_app(app)  # create_app registers it; here on its own, before the first request

    @app.get("/_log_probe")
    def probe():
        logger.info("inside a request")
        return "ok"

    given = client.get("/_log_probe", headers={"X-Request-ID": "req-123"})
    assert given.headers["X-Request-ID"] == "req-123"
    made = client.get("/_log_probe", headers={"X-Request-ID": "bad id <script>"})
    assert made.headers["X-Request-ID"] != "bad id <script>"
    first, second = lines(stream)
    assert (first["message"], first["request_id"], first["job_id"]) == (
        "inside a request", "req-123", None)
    assert second["request_id"] == made.headers["X-Request-ID"] and len(second["request_id"]) == 32


def test_a_job_logs_its_job_id_through_a_real_worker(app, captured):
    from tests.conftest import run_worker
    from webapp.extensions import jobqueue

    logger, stream = captured
    with app.app_context():
        job = jobqueue.queue.enqueue("tests.worker_jobs.log_something", job_id="job-log-1")
    run_worker(app)
    assert job.id == "job-log-1"
    # The work horse is a forked process: its log lines go to the inherited stream's copy, so
    # the job writes its own record to a file the test reads back.
    with app.app_context():
        from tests.worker_jobs import LOG_FILE

        with open(LOG_FILE) as f:
            record = json.loads(f.read().splitlines()[-1])
    assert record["job_id"] == "job-log-1" and record["request_id"] is None


def test_configure_installs_one_json_handler():
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        logs.configure()
        logs.configure()
        json_handlers = [h for h in root.handlers if getattr(h, "_viewpay_json", False)]
        assert len(json_handlers) == 1
    finally:
        root.handlers = before
