"""Safe file output: only regular files are ever replaced, and never half-written.

Every output goes to a temporary file beside the target, which is then moved into place. Three
rules keep a command from destroying something it was not meant to touch (issue 11):

* the target must be missing or a regular file: a folder, a symbolic link (dangling or not), a
  named pipe, a socket or a device (``/dev/null``) is refused, with or without ``force``;
* without ``force`` the final step cannot replace anything: the temporary file is hard-linked to
  the target name, which fails if the name appeared meanwhile (two runs racing for one path);
* the temporary file is removed on any exception, including ``KeyboardInterrupt`` and the
  exception :mod:`lmssurv.cli` raises on SIGTERM; signals are held while it is created and
  removed, so an interrupt cannot fall between creating it and owning its clean-up.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from lmssurv._validation import InputError

__all__ = ["atomic_write", "check_target"]

_HELD_SIGNALS = frozenset(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP")
                          if hasattr(signal, name))
#: errno values meaning "this file system has no hard links"; then O_EXCL claims the name.
_NO_HARD_LINKS = frozenset(getattr(errno, name) for name in ("EPERM", "ENOTSUP", "EOPNOTSUPP",
                                                             "EXDEV", "EMLINK", "ENOSYS")
                           if hasattr(errno, name))


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Delay SIGINT/SIGTERM/SIGHUP until the block ends (POSIX; a no-op elsewhere)."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _default_mode() -> int:
    """The permissions a plain ``open(path, "w")`` would give (0o666 less the umask)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _kind(mode: int) -> str | None:
    """What a non-regular, non-folder, non-link file is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return None if stat.S_ISREG(mode) else "not a regular file"


def _lstat(path: Path) -> os.stat_result | None:
    """``os.lstat(path)``, ``None`` when nothing is there; odd names become InputError."""
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        _check_parents(path)  # raises, naming the file in the way
        raise
    except ValueError as err:  # an embedded NUL byte
        raise InputError(f"{str(path)!r} is not a usable file name ({err}).") from None
    except OSError as err:
        raise InputError(f"cannot use {path} as an output file: {err.strerror or err}; choose "
                         "another output path.") from None


def _check_parents(path: Path) -> None:
    """Raise if a component above ``path`` exists but is not a folder (so it cannot be made)."""
    for parent in reversed(path.parents):
        try:
            st = os.stat(parent)  # follows links: a link to a folder is fine
        except FileNotFoundError:
            return  # missing from here down: the folders are created
        except OSError as err:
            raise InputError(f"cannot create {path}: {parent} is not usable "
                             f"({err.strerror or err}); choose another output path.") from None
        if not stat.S_ISDIR(st.st_mode):
            what = "a file" if stat.S_ISREG(st.st_mode) else _kind(st.st_mode)
            raise InputError(f"cannot create {path}: {parent} is {what}, not a folder; choose "
                             "another output path.")


def check_target(path: str | os.PathLike, *, force: bool,
                 hint: str = "pass --force to overwrite it") -> Path:
    """Raise :class:`InputError` unless ``path`` may be written.

    A missing path (under folders that exist or can be created) may be written; an existing
    regular file only with ``force``. Anything else is refused, whatever ``force`` says.

    Parameters
    ----------
    path : path-like
        The intended output file.
    force : bool
        Whether an existing regular file may be replaced.
    hint : str
        How the caller overrides the refusal of an existing file, for the message.

    Returns
    -------
    Path
        ``path``, as a :class:`~pathlib.Path`.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> check_target(Path(tempfile.mkdtemp()) / "ipd.csv", force=False).name
    'ipd.csv'
    """
    path = Path(path)
    st = _lstat(path)
    if st is None:
        _check_parents(path)
        return path
    if stat.S_ISLNK(st.st_mode):
        try:
            target = os.readlink(path)
        except OSError:  # pragma: no cover - a link that vanished meanwhile
            target = "?"
        raise InputError(f"{path} is a symbolic link (to {target}); lmssurv replaces only "
                         "regular files: remove the link or name the file itself.")
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path} is a folder; give a file name.")
    kind = _kind(st.st_mode)
    if kind is not None:
        raise InputError(f"{path} is {kind}; lmssurv replaces only regular files, even with "
                         "--force. Choose a file path.")
    if not force:
        raise InputError(f"{path} already exists; {hint}.")
    return path


def _place(tmp: str, path: Path, *, force: bool, hint: str) -> None:
    """Move the finished ``tmp`` to ``path``; without ``force`` never replace anything."""
    if force:
        check_target(path, force=True, hint=hint)  # again: it may have changed while we wrote
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)  # atomic, and fails if the name exists (even a dangling link)
    except FileExistsError:
        raise InputError(f"{path} already exists; {hint}.") from None
    except OSError as err:
        if err.errno not in _NO_HARD_LINKS:
            raise
        try:  # claim the name atomically, then fill it
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise InputError(f"{path} already exists; {hint}.") from None
        try:
            os.replace(tmp, path)
        except BaseException:
            with _signals_held():
                Path(path).unlink(missing_ok=True)
            raise
    else:
        os.unlink(tmp)


def atomic_write(path: str | os.PathLike, write: Callable[[str], None], *, force: bool,
                 hint: str = "pass --force to overwrite it") -> Path:
    """Write through ``write(tmp_path)`` to a temporary file beside ``path``, then move it there.

    Parameters
    ----------
    path : path-like
        The target: a missing path or, with ``force``, a regular file (:func:`check_target`).
        Its folder is created if needed.
    write : callable
        Writes the content to the temporary path it is given.
    force : bool
        Replace an existing regular file; without it an existing name (checked before writing
        and again, atomically, when the file is moved into place) raises :class:`InputError`.
    hint : str
        How the caller overrides the refusal, for the error message.

    Returns
    -------
    Path
        The written path. The file gets the permissions of a normally created file
        (``mkstemp`` would leave it readable by its owner only).

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> out = Path(tempfile.mkdtemp()) / "hello.txt"
    >>> _ = atomic_write(out, lambda tmp: Path(tmp).write_text("hi"), force=False)
    >>> out.read_text()
    'hi'
    """
    path = check_target(path, force=force, hint=hint)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        _check_parents(path)
        raise
    tmp = None
    try:
        with _signals_held():  # no interrupt between creating the file and owning its removal
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=path.suffix or ".tmp",
                                       dir=path.parent)
            os.close(fd)
        write(tmp)
        os.chmod(tmp, _default_mode())
        _place(tmp, path, force=force, hint=hint)
    finally:
        if tmp is not None:
            with _signals_held():
                Path(tmp).unlink(missing_ok=True)
    return path
