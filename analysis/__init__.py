"""Statistics for hailong: pure numpy/scipy/statsmodels, no Flask, no SQLAlchemy."""
from analysis.design import Design, make_design
from analysis.indices import Analysis, estimate_indices
from analysis.options import CIMethod, LonelyPSU
from analysis.results import Comparison, DomainResult, IndexEstimate
from analysis.tree import Contrasts, contrasts_for

__all__ = [
    "Analysis", "CIMethod", "Comparison", "Contrasts", "Design", "DomainResult",
    "IndexEstimate", "LonelyPSU", "contrasts_for", "estimate_indices", "make_design",
]
