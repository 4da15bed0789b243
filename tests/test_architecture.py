"""Layering rules that keep lmssurv maintainable (issue 13), checked on the source with ``ast``.

No module reaches into another module's private names: ``from lmssurv.x import _name`` and
``x._name`` (with ``x`` an imported lmssurv module) are refused. Private *modules* (``_io``,
``_normal``, ``_validation``...) are the package's shared internals and may be imported; what a
module keeps private (a leading underscore) stays inside it. A helper another module needs is made
public in its home module, or moved to the core module where it belongs.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "lmssurv"


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_imports(source: str, module: str, is_package: bool = False) -> list[str]:
    """Every use of another lmssurv module's private name in ``source`` (of ``module``)."""
    tree = ast.parse(source)
    package = module if is_package else module.rsplit(".", 1)[0]
    found: list[str] = []
    aliases: dict[str, str] = {}  # local name -> the lmssurv module it names
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import: resolve against this module's package
                root = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*root, base] if base else root)
            if not (base == "lmssurv" or base.startswith("lmssurv.")):
                continue
            for alias in node.names:
                full = f"{base}.{alias.name}"
                if _is_module(full):
                    aliases[alias.asname or alias.name] = full
                elif _private(alias.name) and base != module:
                    found.append(f"line {node.lineno}: from {base} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("lmssurv."):
                    aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id in aliases and _private(node.attr)):
            target = f"{aliases[node.value.id]}.{node.attr}"
            if not _is_module(target):
                found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_module_imports_another_modules_private_name(path):
    found = private_imports(path.read_text(encoding="utf-8"), _module_name(path),
                            is_package=path.name == "__init__.py")
    assert not found, (f"{path.relative_to(SRC)} uses private names of other modules: {found}; "
                       "make the name public in its home module (or move it to the core module "
                       "where it belongs) and import that.")


def test_the_guard_bites():
    # each form a violation can take, and the allowed forms next to them
    bad = ("from lmssurv.compare import _km\n"
           "from lmssurv import checks\nchecks._cox(1, 2)\n"
           "import lmssurv.trials as t\nt._Parser\n")
    assert len(private_imports(bad, "lmssurv.plotting")) == 3
    good = ("from lmssurv import _normal\n_normal.z_two_sided(0.95)\n"
            "from lmssurv._km import fit_km\nfrom lmssurv.compare import compare_arms\n"
            "from lmssurv.compare import _km\n")
    # a module may name its own private helpers (the last line, inside compare itself)
    assert private_imports(good, "lmssurv.compare") == []
    assert len(private_imports(good, "lmssurv.plotting")) == 1
    # relative imports resolve against the importing module's package
    assert private_imports("from .from_curve import _x\n", "lmssurv.reconstruct.ensemble") == [
        "line 1: from lmssurv.reconstruct.from_curve import _x"]
    assert private_imports("from . import _km\n", "lmssurv", is_package=True) == []


#: Packages split so that each function fits on a screen (issue 13); a longer one says why in a
#: comment line right above its ``def`` (starting "# Long").
SPLIT_PACKAGES = ("trials", "reconstruct/from_curve")
MAX_CODE_LINES = 80


def long_functions(source: str) -> list[str]:
    """Functions whose body, without the docstring, is longer than MAX_CODE_LINES lines and
    that give no reason."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        body = node.body
        if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            body = body[1:]  # the docstring does not count
        size = node.end_lineno - body[0].lineno + 1 if body else 0
        head = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        above = [ln.strip() for ln in lines[max(head - 3, 0):head - 1]]
        if size > MAX_CODE_LINES and not any(ln.startswith("# Long") for ln in above):
            found.append(f"{node.name} ({size} lines)")
    return found


@pytest.mark.parametrize("path", sorted(p for pkg in SPLIT_PACKAGES
                                        for p in (SRC / pkg).glob("*.py")),
                         ids=lambda p: str(p.relative_to(SRC)))
def test_functions_of_the_split_packages_fit_on_a_screen(path):
    assert long_functions(path.read_text(encoding="utf-8")) == []


def test_the_length_guard_bites():
    body = "\n".join(f"    x{i} = {i}" for i in range(MAX_CODE_LINES + 1))
    assert long_functions(f'def f():\n    """Doc."""\n{body}\n') == [f"f ({MAX_CODE_LINES + 1} lines)"]
    assert long_functions(f"# Long: one loop.\ndef f():\n{body}\n") == []
    short = "\n".join(f"    x{i} = {i}" for i in range(MAX_CODE_LINES))
    assert long_functions(f'def f():\n    """Doc."""\n{short}\n') == []


# -- no control flow reads prose ----------------------------------------------------------
def prose_branches(source: str) -> list[str]:
    """Places where code decides by reading a sentence: ``"some words" in text`` and
    ``text.split("; ")`` (a list packed into prose). Results that callers branch on travel as
    typed columns, attributes or exception classes instead."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Compare) and isinstance(node.left, ast.Constant)
                and isinstance(node.left.value, str) and len(node.left.value.split()) >= 2
                and any(isinstance(op, (ast.In, ast.NotIn)) for op in node.ops)):
            found.append(f"line {node.lineno}: {node.left.value!r} in ...")
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("split", "rsplit") and node.args
                and isinstance(node.args[0], ast.Constant) and node.args[0].value == "; "):
            found.append(f"line {node.lineno}: .split('; ')")
    return found


# Known exceptions, each with its reason. checks.py: an endpoint's *name* as curated (not a
# message) says whether it is overall survival; a typed endpoint kind in trials/ would retire it.
_PROSE_ALLOWED = {"checks.py": ["'overall survival' in ..."]}


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_no_branch_reads_a_message(path):
    found = [f.split(": ", 1)[1] for f in prose_branches(path.read_text(encoding="utf-8"))]
    assert found == _PROSE_ALLOWED.get(str(path.relative_to(SRC)), [])


def test_the_prose_guard_bites():
    # the patterns issue 13 removed from cli.py, regimen_plots.py and compare.py
    assert len(prose_branches(
        'bound = "published as p < " in str(r.note)\n'
        'names = row["not_reproduced"].split("; ")\n'
        'if "beyond the last follow-up" not in str(err):\n    raise\n'
    )) == 3
    assert prose_branches('ok = "x" in names\nparts = text.split(", ")\n') == []


# -- the Kaplan-Meier lives in km.py ------------------------------------------------------
#: Modules allowed to compute a product-limit estimate themselves, with the reason.
#: from_curve/placement.py: Guyot's algorithm builds its KM from the digitised curve's at-risk
#: intervals, interval by interval, before any patient exists.
_KM_ALLOWED = {"km.py", "reconstruct/from_curve/placement.py"}


def km_computations(source: str) -> list[str]:
    """Places that compute a KM outside km.py: ``cumprod`` calls and lifelines'
    ``KaplanMeierFitter``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr in ("cumprod", "KaplanMeierFitter"):
            found.append(f"line {node.lineno}: .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "lifelines") and any(a.name == "KaplanMeierFitter" for a in node.names):
            found.append(f"line {node.lineno}: import KaplanMeierFitter")
    return found


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_the_kaplan_meier_is_computed_in_km_py(path):
    if str(path.relative_to(SRC)) in _KM_ALLOWED:
        return
    assert km_computations(path.read_text(encoding="utf-8")) == [], (
        "compute the KM with lmssurv.km (km_table, km_levels, km_step, median_crossings)")


def test_the_km_guard_bites():
    assert len(km_computations("s = np.cumprod(1 - d / n)\n"
                               "from lifelines import KaplanMeierFitter\n")) == 2
    assert km_computations("s = np.cumsum(x)\n") == []


# -- the LMS library sits on the core, never under it -------------------------------------
_MAY_IMPORT_LMS = ("lms", "cli.py", "__init__.py")


def lms_imports(source: str) -> list[str]:
    """Imports of :mod:`lmssurv.lms` (the regimen library and demo figures)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        names = ([node.module or ""] if isinstance(node, ast.ImportFrom)
                 else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found += [f"line {node.lineno}: {n}" for n in names
                  if n == "lmssurv.lms" or n.startswith("lmssurv.lms.")]
    return found


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")), ids=lambda p: str(p.relative_to(SRC)))
def test_the_core_does_not_import_the_lms_library(path):
    rel = path.relative_to(SRC)
    if rel.parts[0] in _MAY_IMPORT_LMS:
        return
    assert lms_imports(path.read_text(encoding="utf-8")) == []


def test_the_lms_guard_bites():
    assert len(lms_imports("from lmssurv.lms.regimens import forest_table\n"
                           "import lmssurv.lms.example\n")) == 2
    assert lms_imports("from lmssurv.lmsx import y\nfrom lmssurv import km\n") == []
