"""Atomic file output: a crash or an interrupt never leaves a half-written file behind."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from lmssurv._validation import InputError

__all__ = ["atomic_write"]


def _default_mode() -> int:
    """The permissions a plain ``open(path, "w")`` would give (0o666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def atomic_write(path: str | os.PathLike, write: Callable[[str], None], *, force: bool,
                 hint: str = "pass --force to overwrite it") -> Path:
    """Write through ``write(tmp_path)`` to a temporary file beside ``path``, then rename.

    Parameters
    ----------
    path : path-like
        The target; its folder is created if needed.
    write : callable
        Writes the content to the temporary path it is given.
    force : bool
        Replace an existing file; without it an existing file raises :class:`InputError`.
    hint : str
        How the caller overrides the refusal, for the error message.

    Returns
    -------
    Path
        The written path. The temporary file gets the permissions of a normally created
        file (``mkstemp`` would leave it readable by its owner only).
    """
    path = Path(path)
    if path.exists() and path.is_dir():
        raise InputError(f"{path} is a folder; give a file name.")
    if path.exists() and not force:
        raise InputError(f"{path} already exists; {hint}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp",
                               dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, _default_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
