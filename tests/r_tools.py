"""R (Rscript with the survey package) for the statistical cross-checks.

CI requires R as it requires Chromium: with HAILONG_REQUIRE_R=1 (set in .ci/run) a missing
Rscript fails the test instead of skipping it, so the cross-checks cannot vanish silently.
"""
import os
import shutil

import pytest


def rscript():
    """The path of Rscript; skip the calling test without it, or fail when R is required."""
    path = shutil.which("Rscript")
    if path is None:
        if os.environ.get("HAILONG_REQUIRE_R"):
            pytest.fail("Rscript is required (apt-get install r-base-core r-cran-survey)")
        pytest.skip("Rscript is not installed")
    return path
