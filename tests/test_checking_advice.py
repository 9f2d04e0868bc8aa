"""A video still being checked says what is happening: "a minute" on its first check, and
"we keep trying" once TikTok gave no plain answer and a retry is scheduled (a deleted video
is never concluded on one sighting), instead of promising a minute for several."""
import pytest

from tests import factories
from webapp.submissions import services as submissions
from webapp.submissions.advice import advice_for


def test_a_retried_check_says_we_keep_trying(ctx, sandbox):
    sari, tt = factories.proven_creator(sandbox)
    vid = factories.tiktok_video(sandbox, tt["user_id"], views=10, status="deleted")
    sub = submissions.submit(sari.id, f"https://www.tiktok.com/@sari.dance/video/{vid}")
    ctx.config["BABEL_DEFAULT_LOCALE"] = "en"
    assert "takes a minute" in advice_for(sub).text
    with pytest.raises(submissions.RetryLater):
        submissions.verify(sub.id)
    assert sub.status == "checking"
    said = advice_for(sub).text
    assert "keep trying" in said and "minute" not in said
