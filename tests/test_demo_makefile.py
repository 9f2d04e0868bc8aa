"""`make demo` on another port (PORT=…) stays one consistent stack: the mails' links and the
TikTok login's way back point at the port the demo serves on, and TikTok at its sandbox."""
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_demo_on_another_port_links_to_that_port():
    plan = subprocess.run(["make", "-n", "demo", "PORT=5300", "SANDBOX_PORT=5355"], cwd=ROOT,
                          capture_output=True, text=True, check=True).stdout
    # -n prints the commands without running them (continued lines as written).
    commands = [line for line in plan.replace("\\\n", " ").splitlines()
                if re.search(r"(flask --app wsgi|honcho) ", line)]
    assert len(commands) == 3  # db upgrade, demo seed, the stack
    for command in commands:
        assert "PUBLIC_URL=http://127.0.0.1:5300 " in command
        assert "TIKTOK_REDIRECT_URI=http://127.0.0.1:5300/account/tiktok/callback" in command
        assert "TIKTOK_WEB_BASE=http://127.0.0.1:5355 " in command
        assert ":5000" not in command
