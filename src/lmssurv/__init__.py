"""lmssurv: pseudo-patient survival data for leiomyosarcoma evidence.

Rebuild patient-level time-to-event data from what trial reports publish (medians, landmark
rates, hazard ratios, events, follow-up) or from a digitised Kaplan-Meier figure, and check
every published number against the rebuilt data.

Plotting functions import matplotlib; they are loaded on first use so that ``import lmssurv``
stays light for scripts and CI checks that only rebuild and compare numbers.
"""

from lmssurv._validation import InputError
from lmssurv.audit import audit
from lmssurv.checks import check, check_arm, check_comparison
from lmssurv.compare import (
    bucher,
    compare_arms,
    hazard_ratio_from_p,
    landmark,
    median_survival,
    rmst,
    rmst_difference,
    summarise_arms,
)
from lmssurv.estimates import summarise_ensemble, survival_band
from lmssurv.reconstruct.diagnostics import ReconstructionError, ReconstructionWarning
from lmssurv.reconstruct.ensemble import reconstruct_ensemble
from lmssurv.reconstruct.from_curve import clean_clicks, read_digitised, reconstruct_from_curve
from lmssurv.reconstruct.from_summary import reconstruct_arm, reconstruct_trial
from lmssurv.summary import ArmSummary, HazardRatio
from lmssurv.trials import Endpoint, Trial, exact_binomial_ci, list_trials, load_trial

__version__ = "0.1.0"

_LAZY = {
    "plot_km": "lmssurv.plotting",
    "plot_endpoint": "lmssurv.plotting",
    "numbers_at_risk": "lmssurv.plotting",
    "plot_forest": "lmssurv.regimen_plots",
    "curve_accuracy": "lmssurv.curve_accuracy",
    "curve_reconstruction_example_figure": "lmssurv.curve_accuracy",
    "plot_curve_accuracy": "lmssurv.curve_accuracy",
    "plot_curve_reconstruction_example": "lmssurv.curve_accuracy",
    "plot_regimen_curves": "lmssurv.regimen_plots",
    "regimen_ipd": "lmssurv.regimens",
    "regimen_summary": "lmssurv.regimens",
    "forest_table": "lmssurv.regimens",
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
    "summarise_arms",
    "reconstruct_ensemble",
    "survival_band",
    "summarise_ensemble",
]
