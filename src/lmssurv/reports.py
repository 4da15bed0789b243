"""Check and audit tables that read well in a notebook and in the REPL.

:func:`lmssurv.check` and :func:`lmssurv.audit` return these: ordinary DataFrames (every column,
``attrs`` and pandas method as before; anything derived from them is a plain DataFrame) whose
``repr`` starts with a one-line verdict and shows only the columns a reader scans, and whose
``_repr_html_`` is that table in HTML with the notes. ``to_frame()`` gives the plain DataFrame.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["CHECK_DESCRIPTIONS", "AuditReport", "CheckReport"]

_CHECK_COLUMNS = ["quantity", "arm", "published", "reconstructed", "tolerance", "ok"]
_AUDIT_COLUMNS = ["check", "endpoint", "arm", "reported", "implied", "verdict"]

# What each audit check tests, in plain words (the checks are described in lmssurv.audit).
CHECK_DESCRIPTIONS = {
    "hr_ci_symmetry": "HR at the centre of its CI (log scale)",
    "hr_p_value": "p-value implied by the HR and its CI",
    "ci_width_events": "events implied by the HR's CI width",
    "median_vs_landmark": "median vs landmark rate",
    "median_ci_vs_landmark": "median CI vs landmark CI",
    "events_vs_follow_up": "events expected from median and follow-up",
    "follow_up_vs_dates": "follow-up implied by accrual dates and cut-off",
    "secondary_claim": "value seen only in secondary sources",
    "cross_analysis": "same endpoint at two analyses",
    "secondary_only": "numbers with only secondary sources",
}
# Most worrying first.
_VERDICT_ORDER = ("inconsistent", "borderline", "consistent", "info")


class _Report(pd.DataFrame):
    """A DataFrame with a verdict line and a short display; derived frames are plain."""

    _shown: list[str] = []

    @property
    def _constructor(self):
        return pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The table as a plain DataFrame (all columns, ``attrs`` kept)."""
        frame = pd.DataFrame(self, copy=True)
        frame.attrs = dict(self.attrs)
        return frame

    def _headline(self) -> str:
        """The first line of the display; each report says its verdict here."""
        return f"{type(self).__name__}: {len(self)} rows"

    def _short(self) -> pd.DataFrame:
        return pd.DataFrame(self[[c for c in self._shown if c in self.columns]])

    def __repr__(self) -> str:
        body = self._short().to_string(index=False, max_rows=40, float_format="{:.4g}".format)
        return f"{self._headline()}\n{body}"

    def _repr_html_(self) -> str:
        from lmssurv._display import html_block

        return html_block(self._headline(), self._html_rows())

    def _html_rows(self) -> list[dict]:
        return self._short().to_dict("records")


class CheckReport(_Report):
    """What :func:`lmssurv.check` returns: one row per published number (see ``COLUMNS``)."""

    _shown = _CHECK_COLUMNS

    def _headline(self) -> str:
        where = " ".join(str(self.attrs.get(k) or "") for k in ("trial", "endpoint")).strip()
        ok = int(self["ok"].sum()) if "ok" in self.columns else 0
        verdict = "all reproduced" if ok == len(self) else f"{len(self) - ok} NOT reproduced"
        return (f"{where + ': ' if where else ''}{ok} of {len(self)} published numbers within "
                f"tolerance ({verdict})")

    def _html_rows(self) -> list[dict]:
        rows = self._short()
        if "note" in self.columns:
            rows = rows.assign(note=self["note"].to_numpy())
        return rows.to_dict("records")


class AuditReport(_Report):
    """What :func:`lmssurv.audit` returns: one row per consistency check (``AUDIT_COLUMNS``)."""

    _shown = _AUDIT_COLUMNS

    def _headline(self) -> str:
        counts = self["verdict"].value_counts() if "verdict" in self.columns else {}
        parts = [f"{int(counts[v])} {v}" for v in ("inconsistent", "borderline", "consistent",
                                                  "info") if v in counts]
        name = self.attrs.get("trial") or "trial"
        return f"{name}: {len(self)} consistency checks ({', '.join(parts) or 'none'})"

    def readable(self) -> pd.DataFrame:
        """The audit as a table a reader scans without the docs, most worrying verdict first.

        Columns: ``verdict``, ``what was checked`` (the check in plain words),
        ``analysis``, ``arm``, ``published``, ``implied by the other numbers`` and ``why``
        (the explanation). Rows are sorted inconsistent, borderline, consistent, info, keeping
        the audit's order within a verdict.

        Examples
        --------
        >>> import lmssurv
        >>> table = lmssurv.audit("lms04").readable()
        >>> table.columns[:2].tolist()
        ['verdict', 'what was checked']
        >>> table["verdict"].iloc[0]
        'inconsistent'
        """
        rank = {v: i for i, v in enumerate(_VERDICT_ORDER)}
        frame = pd.DataFrame({
            "verdict": self["verdict"].to_numpy(),
            "what was checked": [CHECK_DESCRIPTIONS.get(c, c) for c in self["check"]],
            "analysis": self["endpoint"].to_numpy(),
            "arm": self["arm"].to_numpy(),
            "published": self["reported"].to_numpy(),
            "implied by the other numbers": self["implied"].to_numpy(),
            "why": self["explanation"].to_numpy(),
        })
        order = sorted(range(len(frame)), key=lambda i: rank.get(frame["verdict"].iat[i], 99))
        return frame.iloc[order].reset_index(drop=True)

    def _html_rows(self) -> list[dict]:
        rows = self._short()
        if "explanation" in self.columns:
            rows = rows.assign(explanation=self["explanation"].to_numpy())
        return rows.to_dict("records")
