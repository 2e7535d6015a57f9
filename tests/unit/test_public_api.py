"""The public surface: `__all__`, docstrings and the reference docs agree.

Every public module (no leading underscore anywhere in its dotted name)
declares a sorted `__all__`; every name in it exists, has a docstring, and is
defined in clubrules (not a re-exported third-party name); and every public
module is rendered by a `::: module` directive on some reference page.
"""

from __future__ import annotations

import doctest
import enum
import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

import clubrules

if TYPE_CHECKING:
    from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
# Modules that are entry points or need optional extras at import time.
NOT_LIBRARY = {"clubrules.__main__"}


def _public_modules() -> list[str]:
    names = ["clubrules"]
    for info in pkgutil.walk_packages(clubrules.__path__, prefix="clubrules."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if info.name in NOT_LIBRARY:
            continue
        names.append(info.name)
    return sorted(names)


PUBLIC_MODULES = _public_modules()


def _import(name: str) -> ModuleType:
    return importlib.import_module(name)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_module_declares_sorted_all(name: str) -> None:
    module = _import(name)
    assert module.__doc__, f"{name} has no module docstring"
    exported = getattr(module, "__all__", None)
    assert exported is not None, f"{name} has no __all__"
    assert list(exported) == sorted(exported), f"{name}.__all__ is not sorted"
    assert len(set(exported)) == len(exported), f"{name}.__all__ has duplicates"


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_exported_names_exist_and_are_documented(name: str) -> None:
    module = _import(name)
    for attr in getattr(module, "__all__", []):
        assert hasattr(module, attr), f"{name}.{attr} is in __all__ but missing"
        value = getattr(module, attr)
        if attr == "__version__":
            continue
        if inspect.isclass(value) or inspect.isfunction(value):
            assert inspect.getdoc(value), f"{name}.{attr} has no docstring"
            origin = getattr(value, "__module__", "") or ""
            assert origin.startswith("clubrules"), f"{name}.{attr} comes from {origin}"


def test_no_private_module_leaks_through_all() -> None:
    for name in PUBLIC_MODULES:
        for attr in getattr(_import(name), "__all__", []):
            assert not attr.startswith("_") or attr == "__version__", f"{name}.{attr}"


def test_every_public_module_is_in_the_reference() -> None:
    text = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "docs").rglob("*.md"))
    rendered = set(re.findall(r"^:::\s+([\w.]+)", text, re.MULTILINE))
    missing = [name for name in PUBLIC_MODULES if name not in rendered and name != "clubrules.cli"]
    assert not missing, f"public modules missing from docs/reference: {missing}"


def test_mypy_sees_every_exported_name(tmp_path: Path) -> None:
    """A strict type check of `from module import name` for every name in every `__all__`.

    mypy's view of a module's public surface is its `__all__`; a name that is
    listed but not defined, or whose import is hidden behind a runtime-only
    path, fails here even when `hasattr` succeeds.
    """
    from mypy import api  # noqa: PLC0415 - only this test needs mypy

    lines: list[str] = []
    for index, name in enumerate(PUBLIC_MODULES):
        exported = [attr for attr in getattr(_import(name), "__all__", []) if attr != "__version__"]
        # Aliased, since several packages export the same short name (Segment, Band).
        lines.extend(f"from {name} import {attr} as m{index}_{attr}" for attr in exported)
    probe = tmp_path / "probe_public_api.py"
    probe.write_text("\n".join(lines) + "\n", encoding="utf-8")
    stdout, stderr, status = api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(ROOT / ".mypy_cache"),
            str(probe),
        ]
    )
    assert status == 0, stdout + stderr


def _exported_objects() -> list[tuple[str, str, Any]]:
    found: list[tuple[str, str, Any]] = []
    for name in PUBLIC_MODULES:
        module = _import(name)
        for attr in getattr(module, "__all__", []):
            value = getattr(module, attr)
            if inspect.isclass(value) or inspect.isfunction(value):
                found.append((name, attr, value))
    return found


EXPORTED = _exported_objects()


def test_every_export_names_a_public_home() -> None:
    """`__module__` is a public module that holds the name, as trio and httpx do.

    So `repr(Booking)`, tracebacks and pickles say `clubrules.booking`, never
    the private module that happens to define it today.
    """
    for name, attr, value in EXPORTED:
        home = value.__module__
        assert home in PUBLIC_MODULES, f"{name}.{attr} names {home}"
        assert getattr(_import(home), value.__name__) is value, f"{name}.{attr}"
        if inspect.isclass(value) and not issubclass(value, enum.Enum):
            assert repr(value) == f"<class '{home}.{value.__qualname__}'>"


def test_pickles_name_the_public_module() -> None:
    import pickle  # noqa: PLC0415
    from decimal import Decimal  # noqa: PLC0415

    from clubrules import Money  # noqa: PLC0415
    from clubrules.booking import BookingStatus, Resource  # noqa: PLC0415
    from clubrules.customers import parse_phone  # noqa: PLC0415

    values = [
        BookingStatus.CONFIRMED,
        Resource(id="room-1", capacity=2),
        parse_phone("13800138000"),
        Money(Decimal("12.50")),
    ]
    for value in values:
        data = pickle.dumps(value)
        assert pickle.loads(data) == value  # noqa: S301 - our own bytes
        assert b"._" not in data, data
    for _name, _attr, value in EXPORTED:
        if inspect.isclass(value):
            data = pickle.dumps(value)
            assert b"._" not in data, data
            assert pickle.loads(data) is value  # noqa: S301 - our own bytes


def test_examples_in_method_docstrings_run() -> None:
    """The examples in the docstrings of exported classes' methods.

    pytest's doctest collection looks for a method's examples in the module
    named by its class's `__module__`, now the public package, while the
    method belongs to the private module that defines it; so they run here.
    """
    finder = doctest.DocTestFinder(recurse=False)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    ran = 0
    for _name, _attr, value in EXPORTED:
        if not inspect.isclass(value):
            continue
        for member in vars(value).values():
            function = getattr(member, "__func__", member)
            if isinstance(member, property):
                function = member.fget
            if not inspect.isfunction(function) or not function.__doc__:
                continue
            for test in finder.find(function, module=False, globs=dict(function.__globals__)):
                if test.examples:
                    ran += len(test.examples)
                    runner.run(test)
    assert runner.failures == 0
    assert ran > 0
