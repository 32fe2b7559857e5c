"""Every user-facing string has a Vietnamese translation, and the compiled catalogue is current."""
import subprocess
import sys
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "survey_app" / "translations" / "vi" / "LC_MESSAGES"


def test_every_message_in_the_code_is_translated(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract",
                    "-F", str(ROOT / "babel.cfg"), "-k", "_l", "-o", str(pot), str(ROOT)],
                   check=True, cwd=ROOT, capture_output=True)
    with pot.open("rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with (TRANSLATIONS / "messages.po").open("rb") as f:
        catalog = {m.id: m.string for m in read_po(f) if m.id}
    missing = sorted(m for m in wanted if not catalog.get(m))
    assert missing == [], f"translate these in messages.po: {missing}"


def test_the_compiled_catalogue_matches_the_po_file():
    def plain(value):  # plural entries: tuples in .po, lists in .mo
        return tuple(value) if isinstance(value, list | tuple) else value

    with (TRANSLATIONS / "messages.po").open("rb") as f:
        po = {plain(m.id): plain(m.string) for m in read_po(f) if m.id and m.string}
    with (TRANSLATIONS / "messages.mo").open("rb") as f:
        mo = {plain(m.id): plain(m.string) for m in read_mo(f) if m.id}
    assert po == mo, "run `make translations` (pybabel compile) and commit messages.mo"
