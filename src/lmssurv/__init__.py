"""lmssurv: pseudo-patient survival data for leiomyosarcoma evidence.

Rebuild patient-level time-to-event data from what trial reports publish (medians, landmark
rates, hazard ratios, events, follow-up) or from a digitised Kaplan-Meier figure, and check
every published number against the rebuilt data.

Heavy dependencies (matplotlib, lifelines, scipy.stats and scipy.optimize) are imported where
they are used, so ``import lmssurv`` costs about as much as ``import pandas``.
"""

from typing import TYPE_CHECKING

from lmssurv._display import format_estimate
from lmssurv._validation import InputError
from lmssurv.audit import audit  # eager: the name is also its module's
from lmssurv.reconstruct.diagnostics import ReconstructionError, ReconstructionWarning
from lmssurv.summary import ArmSummary, HazardRatio
from lmssurv.trials import Endpoint, Trial, exact_binomial_ci, list_trials, load_trial

if TYPE_CHECKING:  # for type checkers and IDEs; at run time these load on first use (_LAZY)
    from lmssurv.checks import check, check_arm, check_comparison
    from lmssurv.compare import (
        BeyondFollowUpError,
        bucher,
        compare_arms,
        hazard_ratio_from_p,
        landmark,
        median_survival,
        rmst,
        rmst_difference,
        rmst_difference_ensemble,
        summarise_arms,
    )
    from lmssurv.estimates import summarise_ensemble, survival_band
    from lmssurv.reconstruct.ensemble import reconstruct_ensemble
    from lmssurv.reconstruct.from_curve import (
        clean_clicks,
        read_digitised,
        reconstruct_from_curve,
    )
    from lmssurv.reconstruct.from_summary import reconstruct_arm, reconstruct_trial

__version__ = "0.1.0"

# Loaded on first use: matplotlib, lifelines and scipy take seconds to import, and the summary
# engine needs scipy.optimize and scipy.stats (benchmarks/import_time.py keeps this honest).
_LAZY = {
    "reconstruct_ensemble": "lmssurv.reconstruct.ensemble",
    "survival_band": "lmssurv.estimates",
    "summarise_ensemble": "lmssurv.estimates",
    "check": "lmssurv.checks",
    "check_arm": "lmssurv.checks",
    "check_comparison": "lmssurv.checks",
    "BeyondFollowUpError": "lmssurv.compare",
    "bucher": "lmssurv.compare",
    "compare_arms": "lmssurv.compare",
    "hazard_ratio_from_p": "lmssurv.compare",
    "landmark": "lmssurv.compare",
    "median_survival": "lmssurv.compare",
    "rmst": "lmssurv.compare",
    "rmst_difference": "lmssurv.compare",
    "rmst_difference_ensemble": "lmssurv.compare",
    "summarise_arms": "lmssurv.compare",
    "clean_clicks": "lmssurv.reconstruct.from_curve",
    "read_digitised": "lmssurv.reconstruct.from_curve",
    "reconstruct_from_curve": "lmssurv.reconstruct.from_curve",
    "reconstruct_arm": "lmssurv.reconstruct.from_summary",
    "reconstruct_trial": "lmssurv.reconstruct.from_summary",
    "plot_km": "lmssurv.plotting",
    "plot_endpoint": "lmssurv.plotting",
    "numbers_at_risk": "lmssurv.plotting",
    "plot_forest": "lmssurv.lms.regimen_plots",
    "curve_accuracy": "lmssurv.curve_accuracy",
    "curve_reconstruction_example_figure": "lmssurv.lms.example",
    "plot_curve_accuracy": "lmssurv.curve_accuracy",
    "plot_curve_reconstruction_example": "lmssurv.lms.example",
    "plot_regimen_curves": "lmssurv.lms.regimen_plots",
    "regimen_ipd": "lmssurv.lms.regimens",
    "regimen_summary": "lmssurv.lms.regimens",
    "forest_table": "lmssurv.lms.regimens",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lmssurv' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ArmSummary",
    "BeyondFollowUpError",
    "Endpoint",
    "HazardRatio",
    "InputError",
    "ReconstructionError",
    "ReconstructionWarning",
    "Trial",
    "__version__",
    "audit",
    "bucher",
    "check",
    "check_arm",
    "check_comparison",
    "clean_clicks",
    "compare_arms",
    "curve_accuracy",
    "curve_reconstruction_example_figure",
    "exact_binomial_ci",
    "forest_table",
    "format_estimate",
    "hazard_ratio_from_p",
    "landmark",
    "list_trials",
    "load_trial",
    "median_survival",
    "numbers_at_risk",
    "plot_curve_accuracy",
    "plot_curve_reconstruction_example",
    "plot_endpoint",
    "plot_forest",
    "plot_km",
    "plot_regimen_curves",
    "read_digitised",
    "reconstruct_arm",
    "reconstruct_from_curve",
    "reconstruct_trial",
    "regimen_ipd",
    "regimen_summary",
    "rmst",
    "rmst_difference",
    "rmst_difference_ensemble",
    "summarise_arms",
    "reconstruct_ensemble",
    "survival_band",
    "summarise_ensemble",
]
