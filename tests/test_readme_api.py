"""The README's list of the public API is ``lmssurv.__all__``, no more and no less (issue 13)."""

from __future__ import annotations

import re
from pathlib import Path

import lmssurv

README = Path(__file__).resolve().parents[1] / "README.md"
GROUPS = ("Core: the engines and the data model", "Checks, estimates and comparisons",
          "The LMS library: curated trials, regimens and figures")


def api_section(text: str) -> dict[str, list[str]]:
    """Names listed under each ``###`` group of the README's "The public API" section."""
    section = text.split("\n## The public API\n", 1)[1].split("\n## ", 1)[0]
    groups: dict[str, list[str]] = {}
    current = None
    for line in section.splitlines():
        if line.startswith("### "):
            current = line[4:].strip()
            groups[current] = []
        elif (m := re.match(r"- `([A-Za-z_]+)` — \S", line)):
            assert current is not None, f"{line!r} stands outside a group"
            groups[current].append(m.group(1))
    return groups


def test_readme_lists_the_public_api_in_three_groups():
    groups = api_section(README.read_text(encoding="utf-8"))
    assert tuple(groups) == GROUPS
    listed = [name for names in groups.values() for name in names]
    assert len(listed) == len(set(listed)), "a name is listed twice"
    assert sorted(listed) == sorted(lmssurv.__all__)
    for name in listed:
        assert hasattr(lmssurv, name), name


def test_the_readme_guard_bites():
    text = ("\n## The public API\n### " + GROUPS[0] + "\n- `check` — one line.\n"
            "- `not a name` — skipped\n## Next\n- `rmst` — elsewhere.\n")
    assert api_section(text) == {GROUPS[0]: ["check"]}
