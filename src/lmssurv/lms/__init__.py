"""The LMS library: the curated regimen comparison and the demonstration figures.

Built on the core (engines, checks, estimates) and the curated trial files in ``data/``; nothing
in the core imports from here. :mod:`~lmssurv.lms.regimens` rebuilds every curated arm and puts
the regimens on one footing, :mod:`~lmssurv.lms.regimen_plots` draws them, and
:mod:`~lmssurv.lms.example` is the curve engine's worked example on a public trial. The names
the README documents are re-exported from :mod:`lmssurv`.
"""
