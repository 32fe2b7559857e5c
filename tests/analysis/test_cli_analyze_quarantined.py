"""`hailong analyze` on a console export leaves out the rows marked quarantined=1, as the
console does, unless --include-quarantined (issue #12 §4)."""
import csv
import json

from click.testing import CliRunner

from survey_app.cli import main
from tests.analysis.oracle import ORACLE

PLAIN = ORACLE / "data" / "plain.csv"
ORACLE_YAML = str(ORACLE / "oracle.yaml")


def total(path, *extra):
    out = CliRunner().invoke(main, ["analyze", str(path), "--instrument", ORACLE_YAML, *extra],
                             catch_exceptions=False)
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    return next(e for e in data["domains"][0]["estimates"] if e["code"] == "total")


def test_rows_marked_quarantined_are_left_out_unless_asked(tmp_path):
    with PLAIN.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    items = [c for c in rows[0] if c.startswith("q")]
    stuffed = [dict(rows[0], **dict.fromkeys(items, "1")) for _ in range(200)]
    marked = tmp_path / "export.csv"
    with marked.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, [*rows[0], "quarantined"])
        writer.writeheader()
        writer.writerows([dict(r, quarantined="0") for r in rows]
                         + [dict(r, quarantined="1") for r in stuffed])
    plain = total(PLAIN)
    counted = total(marked)
    everything = total(marked, "--include-quarantined")
    assert counted["estimate"] == plain["estimate"] and counted["n"] == plain["n"]
    assert everything["n"] == plain["n"] + 200 and everything["estimate"] < plain["estimate"]
