"""Every Python code block and shell session in the docs and the README runs, in page order.

Blocks on one page share a namespace and a working directory, so a page can
build on its earlier blocks, as a reader would. A block whose info string is
``python`` (or ``py``) runs; ``pycon`` blocks are checked as doctests.

A ``console`` block is a shell session: each ``$ command`` line runs in bash
(with the installed ``clubrules`` on the PATH), and the lines up to the next
``$`` are its expected output, standard error included, compared as doctest
output (``...`` matches anything). ``$DATABASE_URL`` names a fresh
PostgreSQL database on the test cluster, for shell sessions and for Python
blocks that read ``os.environ["DATABASE_URL"]`` (one database per page).
``text`` blocks are not run.

A page that says ``<!-- docs-test: run in DIR -->`` (a directory of the
repository) runs there, with ``DIR`` first on the import path, as a reader
who followed the page's ``cd DIR`` would; other pages run in a fresh
temporary directory.
"""

from __future__ import annotations

import doctest
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from clubrules.testing.postgres import PostgresCluster

ROOT = Path(__file__).resolve().parents[2]
PAGES = [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]
FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<info>[^\n`]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$",
    re.MULTILINE | re.DOTALL,
)


def _blocks(page: Path) -> list[tuple[str, str, int]]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        lang = match["info"].strip().split(" ")[0].lower() if match["info"].strip() else ""
        indent = match["indent"]
        body = "\n".join(line.removeprefix(indent) for line in match["body"].splitlines())
        line_no = text.count("\n", 0, match.start()) + 1
        found.append((lang, body, line_no))
    return found


RUNNABLE = {"python", "py", "pycon", "console"}
RUN_IN = re.compile(r"<!-- docs-test: run in (?P<dir>[\w./-]+) -->")
PAGES_WITH_CODE = [p for p in PAGES if any(lang in RUNNABLE for lang, _, _ in _blocks(p))]


def _fresh_database(cluster: PostgresCluster) -> str:
    return cluster.create_database("docs")


def _sessions(body: str) -> list[tuple[str, str]]:
    """`(command, expected output)` for each `$ ` line of a console block."""
    sessions: list[tuple[str, list[str]]] = []
    for line in body.splitlines():
        if line.startswith("$ "):
            sessions.append((line[2:], []))
        else:
            assert sessions, f"output before the first command: {line!r}"
            sessions[-1][1].append(line)
    return [(command, "".join(f"{line}\n" for line in out)) for command, out in sessions]


def _run_console(body: str, where: str, env: dict[str, str]) -> None:
    checker = doctest.OutputChecker()
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for command, expected in _sessions(body):
        result = subprocess.run(  # noqa: S603 - the docs' own commands are the point
            ["bash", "-c", f"{command} 2>&1"],  # noqa: S607 - bash from the PATH
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=300,
        )
        assert checker.check_output(expected, result.stdout, flags), (
            f"{where}: $ {command}\nexpected:\n{expected}got:\n{result.stdout}"
        )


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: str(p.relative_to(ROOT)))
def test_code_blocks_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    where_to_run = RUN_IN.search(page.read_text(encoding="utf-8"))
    if where_to_run is None:
        monkeypatch.chdir(tmp_path)
    else:
        directory = ROOT / where_to_run["dir"]
        monkeypatch.chdir(directory)
        monkeypatch.syspath_prepend(str(directory))
    namespace: dict[str, object] = {"__name__": "__docs__"}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    for lang, body, line_no in _blocks(page):
        where = f"{page.relative_to(ROOT)}:{line_no}"
        if lang == "console":
            if "$DATABASE_URL" in body and "DATABASE_URL" not in env:
                env["DATABASE_URL"] = _fresh_database(request.getfixturevalue("postgres_cluster"))
            _run_console(body, where, env)
        elif lang in {"python", "py"}:
            if "DATABASE_URL" in body and "DATABASE_URL" not in env:
                env["DATABASE_URL"] = _fresh_database(request.getfixturevalue("postgres_cluster"))
            if "DATABASE_URL" in env:
                monkeypatch.setenv("DATABASE_URL", env["DATABASE_URL"])
            code = compile(body, where, "exec")
            try:
                exec(code, namespace)  # noqa: S102 - running the docs' own examples is the point
            except pytest.skip.Exception as skipped:
                # A skip would pass the page with its later blocks never run.
                pytest.fail(f"{where}: the block skipped ({skipped.msg}); every block must run")
        elif lang == "pycon":
            parser = doctest.DocTestParser()
            test = parser.get_doctest(body, namespace, where, where, line_no)
            runner = doctest.DocTestRunner(
                optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
            )
            runner.run(test)
            assert runner.failures == 0, f"doctest failures in {where}"


def test_every_page_is_found() -> None:
    assert (ROOT / "docs" / "index.md") in PAGES
