"""`hailong --help` and `hailong analyze --help` start without Flask, scipy or statsmodels
(issue #11 §7), yet list every command the full Flask group has."""
import json
import subprocess
import sys

import click
import pytest
from flask.cli import ScriptInfo

import hailong_cli
from analysis.options import CIMethod, LonelyPSU
from hailong_cli import analyze as analyze_module
from survey_app.cli import _app
from survey_app.cli import main as full

HEAVY = ("flask", "scipy", "statsmodels", "sqlalchemy", "pandas", "survey_app")

PROBE = """
import json, sys
from hailong_cli import main
try:
    main({args!r}, prog_name="hailong")
except SystemExit as stop:
    code = stop.code
print("\\n" + json.dumps({{"code": code, "modules": sorted(sys.modules)}}))
"""


def run_help(args):
    """Run ``hailong ARGS`` in a fresh interpreter; return its output and loaded modules."""
    done = subprocess.run([sys.executable, "-c", PROBE.format(args=args)], capture_output=True,
                          text=True, check=True, timeout=60)
    text, _, last = done.stdout.rstrip().rpartition("\n")
    report = json.loads(last)
    assert report["code"] == 0, done.stderr
    return text, set(report["modules"])


def full_commands():
    # FlaskGroup.get_command pushes the app's context as a resource of ``ctx``: closing
    # ``ctx`` pops it, or that app would stay current for every later test
    with click.Context(full, obj=ScriptInfo(create_app=_app)) as ctx:
        return {name: full.get_command(ctx, name).get_short_help_str(limit=1000)
                for name in full.list_commands(ctx)}


@pytest.mark.parametrize("args", [["--help"], ["analyze", "--help"]])
def test_help_imports_nothing_heavy(args):
    text, modules = run_help(args)
    assert "Usage: hailong" in text
    loaded = sorted(m for m in modules if m.split(".")[0] in HEAVY)
    assert not loaded, f"hailong {' '.join(args)} imported {loaded[:10]}"


def test_help_lists_every_command_of_the_flask_group():
    text, _ = run_help(["--help"])
    commands = full_commands()
    listed = {line.split()[0] for line in text.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(commands)
    # the one-line help shown without importing matches the commands' own docstrings
    assert hailong_cli.COMMANDS == commands, "update hailong_cli.COMMANDS"


LAZY = """
from click.testing import CliRunner
import hailong_cli
runner = CliRunner()
for args in (["instruments", "list"],
             ["analyze", "--instrument", "sipas-counter", "--template", "-o", "/dev/null"],
             ["nosuch"]):
    result = runner.invoke(hailong_cli.main, args)
    print(result.exit_code, result.output.replace("\\n", " "))
"""


def test_lazy_group_runs_flask_and_standalone_commands():
    # in a fresh interpreter: the Flask commands build the app of the environment (its
    # config, its database), which must not become this test session's app
    done = subprocess.run([sys.executable, "-c", LAZY], capture_output=True, text=True,
                          check=True, timeout=120)
    listed, template, unknown = done.stdout.splitlines()[-3:]
    assert listed.startswith("0 ") and "sipas-services" in listed
    assert template.startswith("0 "), template
    assert unknown.startswith("2 ") and "No such command" in unknown


def test_the_analyze_choices_spelled_out_match_the_enums():
    assert analyze_module.LONELY_PSU == tuple(o.value for o in LonelyPSU)
    assert analyze_module.CI_METHODS == tuple(m.value for m in CIMethod)


def test_analyze_itself_runs_without_flask_or_statsmodels(tmp_path):
    from tests.analysis.oracle import ORACLE

    out = tmp_path / "out.json"
    _, modules = run_help(["analyze", str(ORACLE / "data" / "plain.csv"), "--instrument",
                           str(ORACLE / "oracle.yaml"), "--weight", "w", "--by", "unit",
                           "-o", str(out)])
    assert json.loads(out.read_text(encoding="utf-8"))["by"] == ["unit"]
    loaded = sorted(m for m in modules if m.split(".")[0] in ("flask", "statsmodels",
                                                              "sqlalchemy", "survey_app"))
    assert not loaded, loaded[:10]
