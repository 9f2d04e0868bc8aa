"""Every string the code and templates show has an Indonesian translation, checked against what
the code says today, not against the last messages.pot: extract as `make i18n-update` does
(pybabel extract with babel.cfg, into a temp file) and list every msgid that messages.po lacks,
leaves empty or marks fuzzy (gettext ignores fuzzy entries: the English shows)."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "webapp" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
# The keywords of the Makefile's i18n-update, beside Babel's defaults (_, gettext, ngettext...).
EXTRACT = ["extract", "-F", "babel.cfg", "-k", "_l", "-k", "lazy_gettext", "--no-wrap"]


def extract(tmp_path) -> list:
    pot = tmp_path / "extracted.pot"
    done = subprocess.run([sys.executable, "-m", "babel.messages.frontend", *EXTRACT, "-o",
                           str(pot), "."], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with open(pot, "rb") as f:
        return [m for m in read_po(f) if m.id]


def problem(message, translated) -> str | None:
    entry = translated.get(message.id, context=message.context)
    if entry is None:
        return "missing from messages.po"
    strings = entry.string if isinstance(entry.string, (list, tuple)) else [entry.string]
    if not all(strings):
        return "untranslated"
    if entry.fuzzy:
        return "fuzzy"
    return None


def test_every_extracted_msgid_is_translated_to_indonesian(tmp_path):
    messages = extract(tmp_path)
    assert len(messages) > 500  # the extraction really read the code and templates
    with open(CATALOG, "rb") as f:
        translated = read_po(f)
    found = []
    for message in messages:
        why = problem(message, translated)
        if why:
            msgid = message.id[0] if isinstance(message.id, tuple) else message.id
            where = ", ".join(f"{path}:{line}" for path, line in message.locations[:2])
            found.append(f"- {why}: {msgid!r} ({where})")
    assert not found, (f"{len(found)} msgids need an Indonesian translation in "
                       f"{CATALOG.relative_to(ROOT)} (make i18n-update, then translate):\n"
                       + "\n".join(sorted(found)))
