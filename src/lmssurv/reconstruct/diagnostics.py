"""What a reconstruction could not keep, as typed data and as warnings."""

from __future__ import annotations

__all__ = ["ReconstructionWarning"]


class ReconstructionWarning(UserWarning):
    """A published number is not reproduced by the rebuilt pseudo-patient data.

    Issued once per missed number, naming the number, the published and rebuilt values and the
    reason; the same facts are in the reconstruction's diagnostics as typed data.
    ``strict=True`` on the engines raises :class:`ReconstructionError` instead.
    """
