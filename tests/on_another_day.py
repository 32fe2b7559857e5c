"""Run pytest as if today were another day, to check that the suite does not depend on it.

    .venv/bin/python tests/on_another_day.py 2028-03-15 -q tests/test_results.py

The suite's own fixed clock (tests/conftest.py) must make the result the same as on any
other day; before it, tests naming 2026-11 or 2026-H1 failed once those months had left
the demo's 12 months.
"""
import sys

import time_machine

if __name__ == "__main__":
    time_machine.travel(sys.argv[1], tick=True).start()
    import pytest  # after the travel; time_machine is a pytest plugin that is already loaded

    sys.exit(pytest.main(["-W", "ignore::pytest.PytestAssertRewriteWarning",
                          "-p", "no:cacheprovider", *sys.argv[2:]]))
