"""`import lmssurv` stays light: the slow libraries load where they are used (issue 12).

Timing itself is measured by benchmarks/import_time.py (too noisy for a test on a shared
machine); what a test can pin down is *which* modules a bare import pulls in.
"""

import subprocess
import sys

import pytest

HEAVY = ("scipy.stats", "scipy.optimize", "lifelines", "matplotlib")


def _loaded_after(code: str) -> set[str]:
    probe = (f"import sys; {code}; "
             f"print(' '.join(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True).stdout
    return set(out.split())


def test_import_lmssurv_loads_no_heavy_module():
    assert _loaded_after("import lmssurv") == set()


def test_loading_and_auditing_a_trial_needs_no_heavy_module():
    # the curated files compute Clopper-Pearson CIs and audit uses normal quantiles; both go
    # through scipy.special, not scipy.stats
    code = "import lmssurv; lmssurv.audit(lmssurv.load_trial('lms04'))"
    assert _loaded_after(code) == set()


@pytest.mark.parametrize("name", ["check", "reconstruct_trial", "reconstruct_from_curve",
                                  "rmst", "plot_km", "BeyondFollowUpError"])
def test_lazy_names_resolve(name):
    import lmssurv

    assert callable(getattr(lmssurv, name))
    assert name in dir(lmssurv)
