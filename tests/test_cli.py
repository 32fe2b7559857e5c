import json

from PIL import Image

from survey_app.cli import main


def test_instruments_list_and_show(runner):
    listed = runner.invoke(main, ["instruments", "list"])
    assert listed.exit_code == 0 and "sipas-2023" in listed.output
    shown = runner.invoke(main, ["instruments", "show", "sipas-services"])
    assert "max 1.5 pts" in shown.output and "a1" in shown.output
    as_json = runner.invoke(main, ["instruments", "show", "sipas-counter", "--format", "json"])
    assert json.loads(as_json.output)["id"] == "sipas-counter"
    missing = runner.invoke(main, ["instruments", "show", "nope"])
    assert missing.exit_code == 2 and "unknown instrument 'nope'" in missing.output


def test_demo_then_qr_files(runner, tmp_path):
    loaded = runner.invoke(main, ["demo", "--responses", "50"])
    assert loaded.exit_code == 0, loaded.output
    assert "50 responses" in loaded.output and "/s/" in loaded.output
    assert "already loaded" in runner.invoke(main, ["demo"]).output
    pdf = runner.invoke(main, ["qr", "--unit", "P-ANHOA", "-o", str(tmp_path / "a.pdf")])
    assert pdf.exit_code == 0 and (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")
    assert "3 posters" in pdf.output  # two counters of the ward and the school's gate
    png = runner.invoke(main, ["qr", "--unit", "TPD", "--format", "png", "-o", str(tmp_path)])
    assert png.exit_code == 0 and "14 QR codes" in png.output
    with Image.open(tmp_path / "BV-DK-KKB.png") as image:
        assert image.format == "PNG"
    bad = runner.invoke(main, ["qr", "--unit", "NOPE", "-o", str(tmp_path)])
    assert bad.exit_code == 2 and "no unit with code 'NOPE'" in bad.output


def test_create_user_and_api_key(runner):
    runner.invoke(main, ["demo", "--responses", "0"])
    made = runner.invoke(main, ["create-user", "--username", "lan", "--role", "viewer",
                                "--unit", "P-ANHOA", "--password", "mật-khẩu-dài-1"])
    assert made.exit_code == 0, made.output
    short = runner.invoke(main, ["create-user", "--username", "x", "--role", "viewer",
                                 "--unit", "P-ANHOA", "--password", "short"])
    assert short.exit_code == 2 and "at least 10" in short.output
    key = runner.invoke(main, ["create-api-key", "--unit", "P-ANHOA", "--point", "CT"])
    assert key.exit_code == 0 and key.output.startswith("hl_")
