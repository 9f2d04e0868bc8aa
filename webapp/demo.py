"""`flask demo seed`: demo accounts and submissions in every state, through the real services.

Verification talks to TikTok over HTTP, so the sandbox (`python -m sandbox --seed`) must be
running and the TIKTOK_*_BASE settings must point at it (`make demo` does both).
"""
import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.auth import services as auth
from webapp.extensions import db
from webapp.submissions import services as submissions
from webapp.submissions.models import Submission

demo_cli = AppGroup("demo", help="Demo data.")
PASSWORD = "demo12345"
ADMIN = "admin@example.com"
# (email, handle, [(video id from sandbox/seed.json, what the admin does)])
CREATORS = [
    ("sari@example.com", "sari.dance", [
        ("7614839149684042194", "approve"),  # 150.247 views -> Rp3,74
        ("7688060181837204679", "approve"),  # growing
        ("7651281515967830621", "leave"),    # waiting for review
        ("7579186627096419011", "leave"),    # deleted on TikTok: retried, then not found
    ]),
    ("budi@example.com", "budi_masak", [
        ("7673113696448145288", "approve"),
        ("7702357270251669154", "reject"),
        ("7659660568234564903", "leave"),    # rina's video -> not yours
        ("7635018192535695133", "leave"),    # private -> not found
    ]),
    ("rina@example.com", "rina.travel", [
        ("7659660568234564903", "leave"),    # budi's claim ended "not yours": rina's is accepted
        ("7571470889156685220", "queue"),    # left "checking" for the worker to verify live
    ]),
]


# Sari proves her TikTok account with a bio code (her money waits only for the validation
# window); budi and rina have not, so their money is held until they do.
PROVE_BY_BIO = {"sari@example.com": "6821785806140729777"}


def _prove_by_bio(creator) -> str:
    """Play the creator: put the code in the (sandbox) TikTok bio, then let ViewPay read it."""
    import requests

    from webapp.auth import bio
    from webapp.auth.errors import TikTokLinkError

    code = bio.issue_code(creator.id).code
    base = current_app.config["TIKTOK_WEB_BASE"]
    requests.patch(f"{base}/_sandbox/users/{PROVE_BY_BIO[creator.email]}",
                   json={"signature": f"Dance covers tiap hari {code}"}, timeout=5
                   ).raise_for_status()
    try:
        bio.check_bio(creator.id)
    except TikTokLinkError as exc:
        return f"bio proof failed: {exc}"
    return f"TikTok account proven by bio code {code}"


def _user(email: str, handle: str | None, made: list[str]):
    user = auth.find_by_email(email)
    if user is None:
        user = (auth.create_admin(email, PASSWORD) if handle is None
                else auth.create_user(email, PASSWORD, handle=handle))
        made.append(email)
    return user


def _seed_video(creator, admin, video_id: str, action: str) -> str:
    if db.session.scalar(select(Submission.id).where(Submission.video_id == video_id,
                                                     Submission.creator_id == creator.id)):
        return "exists"
    try:
        sub = submissions.submit(creator.id, f"https://www.tiktok.com/@{creator.tiktok_handle}/video/{video_id}")
    except submissions.SubmissionError as exc:
        return f"refused: {exc}"
    if action == "queue":
        return "checking"
    try:
        status = submissions.verify(sub.id)
    except submissions.RetryLater as exc:
        return f"checking (TikTok was not sure; the worker retries: {exc})"
    if action == "approve" and status == "pending_review":
        status = submissions.approve(sub.id, admin.id).status
    elif action == "reject" and status == "pending_review":
        status = submissions.reject(sub.id, admin.id, "Video ini repost dari akun lain.").status
    return status


@demo_cli.command("seed")
def seed():
    """Create the demo admin, three creators and their videos (running it twice adds nothing)."""
    made: list[str] = []
    admin = _user(ADMIN, None, made)
    for email, handle, videos in CREATORS:
        creator = _user(email, handle, made)
        if email in PROVE_BY_BIO and not creator.identity_proven:
            click.echo(f"  @{handle}: {_prove_by_bio(creator)}")
        for video_id, action in videos:
            click.echo(f"  @{handle} {video_id}: {_seed_video(creator, admin, video_id, action)}")
    click.echo(f"logins made: {', '.join(made) if made else 'none (already seeded)'}")
    click.echo(f"password for every demo login: {PASSWORD}")
