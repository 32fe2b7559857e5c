"""Statistics for hailong: pure numpy/scipy/statsmodels, no Flask, no SQLAlchemy.

The names below are imported on first use (PEP 562), so that importing one light module
(``analysis.options``, ``analysis.tree``) does not pull in scipy: ``hailong analyze --help``
must start in a tenth of a second.
"""
import importlib

_HOME = {
    "Design": "analysis.design", "make_design": "analysis.design",
    "Analysis": "analysis.indices", "estimate_indices": "analysis.indices",
    "CIMethod": "analysis.options", "LonelyPSU": "analysis.options",
    "Comparison": "analysis.results", "DomainResult": "analysis.results",
    "IndexEstimate": "analysis.results",
    "Contrasts": "analysis.tree", "contrasts_for": "analysis.tree",
}

__all__ = sorted(_HOME)


def __getattr__(name):
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'analysis' has no attribute {name!r}")
