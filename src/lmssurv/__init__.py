"""lmssurv: pseudo-patient survival data for leiomyosarcoma evidence.

Rebuild patient-level time-to-event data from what trial reports publish (medians, landmark
rates, hazard ratios, events, follow-up) or from a digitised Kaplan-Meier figure, and check
every published number against the rebuilt data.
"""

from lmssurv._validation import InputError
from lmssurv.reconstruct.from_summary import reconstruct_arm, reconstruct_trial
from lmssurv.summary import ArmSummary, HazardRatio

__version__ = "0.1.0"

__all__ = [
    "ArmSummary",
    "HazardRatio",
    "InputError",
    "reconstruct_arm",
    "reconstruct_trial",
    "__version__",
]
