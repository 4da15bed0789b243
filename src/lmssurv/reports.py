"""Check and audit tables that read well in a notebook and in the REPL.

:func:`lmssurv.check` and :func:`lmssurv.audit` return these: ordinary DataFrames (every column,
``attrs`` and pandas method as before; anything derived from them is a plain DataFrame) whose
``repr`` starts with a one-line verdict and shows only the columns a reader scans, and whose
``_repr_html_`` is that table in HTML with the notes. ``to_frame()`` gives the plain DataFrame.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["AuditReport", "CheckReport"]

_CHECK_COLUMNS = ["quantity", "arm", "published", "reconstructed", "tolerance", "ok"]
_AUDIT_COLUMNS = ["check", "endpoint", "arm", "reported", "implied", "verdict"]


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

    def _headline(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

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

    def _html_rows(self) -> list[dict]:
        rows = self._short()
        if "explanation" in self.columns:
            rows = rows.assign(explanation=self["explanation"].to_numpy())
        return rows.to_dict("records")
