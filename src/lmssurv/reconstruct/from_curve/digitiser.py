"""WebPlotDigitizer CSV exports read into clicks."""

from __future__ import annotations

import csv
import io
import math
import os

import pandas as pd

from lmssurv._validation import InputError

__all__ = ["read_digitised"]


# --------------------------------------------------------------------------------------------
# WebPlotDigitizer
# --------------------------------------------------------------------------------------------
def read_digitised(path: str | os.PathLike) -> pd.DataFrame:
    """Read a WebPlotDigitizer CSV export into clicks for :func:`reconstruct_from_curve`.

    Two layouts are recognised: the plain export of one dataset (rows ``x,y``, no header; a
    header row ``x,y`` is skipped too) and the export of all datasets (a first row with each
    dataset's name over its two columns, a second row ``X,Y,X,Y...``, columns of unequal length
    padded with empty cells).

    Parameters
    ----------
    path : str or path-like
        The CSV file.

    Returns
    -------
    DataFrame
        Columns ``time``, ``survival`` (one dataset) or ``arm, time, survival`` (several), in the
        file's order and scale (pass ``scale="percent"`` on if the y axis was in percent).

    Examples
    --------
    >>> import io, pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "km.csv"
    >>> _ = p.write_text("0.0, 1.0\\n2.1, 0.95\\n")
    >>> read_digitised(p).to_dict("list")
    {'time': [0.0, 2.1], 'survival': [1.0, 0.95]}
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            text = fh.read()
    except OSError as err:
        raise InputError(f"cannot read the digitised curve {os.fspath(path)!r}: {err}") from err
    except UnicodeDecodeError as err:
        raise InputError(f"{os.fspath(path)!r} is not UTF-8 text ({err}); save the export as "
                         "UTF-8 (WebPlotDigitizer's own CSV is).") from err
    sample = text[:2048]
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    rows = [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text),
                                                                  delimiter=delimiter)]
    rows = [row for row in rows if any(row)]
    if not rows:
        raise InputError(f"{os.fspath(path)!r} is empty; export the dataset from "
                         "WebPlotDigitizer with 'Download .CSV'.")

    def is_number(cell: str) -> bool:
        try:
            return math.isfinite(float(cell))
        except ValueError:
            return False

    header: list[list[str]] = []
    while rows and not any(is_number(c) for c in rows[0]):
        header.append(rows.pop(0))
    width = max(len(r) for r in rows) if rows else 0
    if width < 2 or width % 2:
        raise InputError(
            f"{os.fspath(path)!r} has {width} column(s); a WebPlotDigitizer export has x,y pairs."
        )
    names: list[str] = []
    # an empty names row is dropped with the blank lines: X,Y cells alone name no dataset
    axes_only = len(header) == 1 and all(c.upper() in ("", "X", "Y") for c in header[0])
    if len(header) >= 2 or (len(header) == 1 and width > 2 and not axes_only):
        first = header[0] + [""] * (width - len(header[0]))
        for j in range(0, width, 2):
            names.append(first[j] or first[j + 1] or f"dataset {j // 2 + 1}")
        twice = sorted({x for x in names if names.count(x) > 1})
        if twice:
            raise InputError(
                f"{os.fspath(path)!r} names two datasets {twice[0]!r}; their clicks would be "
                "merged into one arm. Rename one in WebPlotDigitizer (or in the first row)."
            )
    frames = []
    for j in range(0, width, 2):
        xs, ys = [], []
        for i, row in enumerate(rows):
            cells = row + [""] * (width - len(row))
            x, y = cells[j], cells[j + 1]
            if x == "" and y == "":
                continue
            if not (is_number(x) and is_number(y)):
                raise InputError(
                    f"{os.fspath(path)!r} row {i + 1 + len(header)} columns {j + 1}-{j + 2} "
                    f"hold {x!r}, {y!r}; expected two numbers."
                )
            xs.append(float(x))
            ys.append(float(y))
        if not xs:
            raise InputError(
                f"{os.fspath(path)!r} columns {j + 1}-{j + 2}"
                + (f" (dataset {names[j // 2]!r})" if names else "")
                + " hold no clicks; digitise that curve or delete the dataset before exporting."
            )
        frame = pd.DataFrame({"time": xs, "survival": ys})
        if names:
            frame.insert(0, "arm", names[j // 2])
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    if not names and width > 2:
        raise InputError(
            f"{os.fspath(path)!r} has {width} columns but no dataset names; export all datasets "
            "with their header rows, or one dataset at a time."
        )
    return out
