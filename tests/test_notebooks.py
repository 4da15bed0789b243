"""Execute every notebook (``notebooks/*.py``, jupytext py:percent) and fail on the first error.

Each notebook is read with jupytext, run cell by cell by nbclient in a fresh ``python3`` kernel of
*this* interpreter (``sys.executable``, so the kernel sees the same lmssurv and packages as
pytest, whatever kernelspecs the user has installed), with headless matplotlib
(``MPLBACKEND=Agg``) and a timeout per cell. A failure names the notebook, the cell (number and
first line in the ``.py`` file), the cell's source and its error.

Guard tests make sure notebooks cannot silently disappear (the expected ones are present) and
that they stay stories: no ``assert`` and no function definitions in a notebook (a claim is
asserted in the notebook's story test, a reusable helper lives in the package), and every
notebook has its story test module.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import jupytext
import nbclient
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient.exceptions import CellExecutionError, CellTimeoutError

__all__: list[str] = []

NOTEBOOK_DIR = Path(__file__).resolve().parents[1] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.py"))
# Notebooks that must exist: a rename or deletion has to update this list on purpose.
EXPECTED = {"01_lms04_reproduction.py", "02_regimen_comparison.py"}
# The tests that hold each notebook's claims, asserted on the same library calls.
STORY_TESTS = {"01_lms04_reproduction.py": "test_lms04_story.py",
               "02_regimen_comparison.py": "test_regimen_story.py"}
# Per cell; the slowest cell (ten LMS-04 reconstructions and checks) takes a few seconds.
CELL_TIMEOUT = 120
# ANSI colour codes in IPython tracebacks make failure messages unreadable in a terminal log.
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
# How the warnings module prints a warning: "file.py:12: UserWarning: message".
_WARNING = re.compile(r"^.*:\d+: \w*Warning: .*$", re.MULTILINE)


def _read(path: Path):
    return jupytext.read(path, fmt="py:percent")


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


def _first_lines(text: str, nb) -> dict[int, int]:
    """Cell index -> line in the ``.py`` file where the cell's source starts (1-based).

    Cells are matched in order, each after the previous one, so a line repeated in several
    cells is attributed to the right one.
    """
    lines = text.splitlines()
    found, cursor = {}, 0
    for index, cell in enumerate(nb.cells):
        first = next((line for line in cell.source.splitlines() if line.strip()), None)
        if first is None:
            continue
        for number in range(cursor, len(lines)):
            if lines[number] == first:
                found[index] = number + 1
                cursor = number + 1
                break
    return found


def _stderr(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stderr")


def _kernel_manager() -> KernelManager:
    # kernel_dirs=[]: ignore every installed kernelspec (a user-level "python3" spec may point
    # at another interpreter); jupyter_client then falls back to ipykernel's built-in spec,
    # whose argv starts with sys.executable, the interpreter running pytest.
    return KernelManager(kernel_name="python3",
                         kernel_spec_manager=KernelSpecManager(kernel_dirs=[]))


def test_expected_notebooks_are_present():
    names = {p.name for p in NOTEBOOKS}
    missing = EXPECTED - names
    assert not missing, f"notebooks missing from {NOTEBOOK_DIR}: {sorted(missing)}"
    assert len(NOTEBOOKS) >= len(EXPECTED)


def test_every_notebook_file_is_executed():
    # A .py file in notebooks/ that does not match the NN_topic.py pattern would never run.
    stray = sorted(p.name for p in NOTEBOOK_DIR.glob("*.py") if p not in NOTEBOOKS)
    assert not stray, f"name notebooks NN_topic.py so that they are executed: {stray}"


def test_kernel_is_this_interpreter():
    # The kernel must import the lmssurv that pytest tests, not another environment's.
    argv = _kernel_manager().kernel_spec.argv
    assert argv[0] == sys.executable, argv
    assert argv[1:3] == ["-m", "ipykernel_launcher"], argv


def test_notebook_names_are_unique_by_number():
    numbers = [p.name[:2] for p in NOTEBOOKS]
    assert len(numbers) == len(set(numbers)), f"two notebooks share a number: {numbers}"


def scaffolding(source: str) -> list[str]:
    """Assert statements and function definitions in a code cell's source."""
    return [f"line {node.lineno}: {type(node).__name__}" for node in ast.walk(ast.parse(source))
            if isinstance(node, (ast.Assert, ast.FunctionDef, ast.AsyncFunctionDef))]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_tells_a_story_and_its_claims_are_tested(path: Path):
    nb = _read(path)
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{path.name}: jupytext header must name the python3 kernel")
    assert any(c.cell_type == "markdown" for c in nb.cells), f"{path.name}: no story, no markdown"
    cells = _code_cells(nb)
    assert cells, f"{path.name}: no code cells"
    found = {i: scaffolding(c.source) for i, c in enumerate(cells, start=1)}
    found = {i: f for i, f in found.items() if f}
    assert not found, (
        f"{path.name}: code cells {found} hold asserts or function definitions; assert the "
        f"claim in tests/{STORY_TESTS.get(path.name, 'test_<topic>_story.py')} and move a "
        "reusable helper into the package.")
    story = STORY_TESTS.get(path.name)
    assert story is not None and (Path(__file__).parent / story).exists(), (
        f"{path.name}: name its story test module in STORY_TESTS")


def test_the_scaffolding_guard_bites():
    assert scaffolding("x = 1\nassert x == 1\ndef helper():\n    return 2\n") == [
        "line 2: Assert", "line 3: FunctionDef"]
    assert scaffolding("y = [v for v in range(3)]\nf = lambda v: v\n") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    # The kernel inherits this environment: headless matplotlib, and a scratch working
    # directory so that a notebook writing files cannot litter the checkout.
    monkeypatch.setenv("MPLBACKEND", "Agg")
    text = path.read_text(encoding="utf-8")
    nb = _read(path)
    km = _kernel_manager()
    client = nbclient.NotebookClient(
        nb, km=km, timeout=CELL_TIMEOUT, kernel_name="python3", shutdown_kernel="immediate",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    failure = None
    try:
        # cleanup_kc: stop the client's channels and the kernel when done (nbclient keeps a
        # kernel it did not create alive by default)
        with client.setup_kernel(cleanup_kc=True):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:
                    failure = (index, cell, f"timed out after {CELL_TIMEOUT} s", "")
                    break
                except CellExecutionError as err:
                    failure = (index, cell, f"{err.ename}: {_ANSI.sub('', err.evalue)}",
                               _ANSI.sub("", str(err))[-4000:])
                    break
    finally:
        if km.has_kernel:  # setup_kernel failed before its own cleanup could run
            km.shutdown_kernel(now=True)
    if failure is None:
        # Project rule: code must not emit warnings. Inside the kernel they do not reach
        # pytest's filterwarnings=error; the warnings module prints them to the cell's stderr.
        failure = next(((i, c, f"emitted a warning: {w.group(0)}", _stderr(c))
                        for i, c in enumerate(nb.cells) if c.cell_type == "code"
                        for w in [_WARNING.search(_stderr(c))] if w), None)
    if failure is not None:
        index, cell, what, detail = failure
        number = sum(c.cell_type == "code" for c in nb.cells[: index + 1])
        line = _first_lines(text, nb).get(index)
        where = f"line {line}" if line is not None else "line unknown"
        pytest.fail(f"{path.name}, code cell {number} (cell {index}, {where}) failed: {what}\n"
                    f"--- cell source ---\n{cell.source}\n--- details ---\n{detail}",
                    pytrace=False)
