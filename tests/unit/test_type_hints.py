"""Every public class and function can be introspected: its annotations resolve at runtime."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import typing

import attrs
import pytest

import clubrules


def _public_modules() -> list[str]:
    walked = pkgutil.walk_packages(clubrules.__path__, "clubrules.")
    names = [i.name for i in walked if not any(p.startswith("_") for p in i.name.split("."))]
    return sorted(["clubrules", *names])


def _exported(kind: str) -> list[tuple[str, object]]:
    found: dict[str, object] = {}
    for module_name in _public_modules():
        try:
            module = importlib.import_module(module_name)
        except ImportError:  # an optional dependency (the PostgreSQL driver) is missing
            continue
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            wanted = inspect.isclass(value) if kind == "class" else inspect.isfunction(value)
            if wanted:
                found.setdefault(f"{value.__module__}.{value.__qualname__}", value)
    return sorted(found.items())


CLASSES = _exported("class")
FUNCTIONS = _exported("function")


def test_the_walk_finds_the_public_modules() -> None:
    modules = _public_modules()
    assert "clubrules.complaints" in modules
    assert "clubrules.storage.sqlite" in modules
    assert not [m for m in modules if "._" in m]
    assert len(CLASSES) > 50


@pytest.mark.parametrize(("name", "cls"), CLASSES, ids=[name for name, _ in CLASSES])
def test_class_annotations_resolve(name: str, cls: type) -> None:
    typing.get_type_hints(cls)
    if attrs.has(cls):
        attrs.resolve_types(cls)


@pytest.mark.parametrize(("name", "function"), FUNCTIONS, ids=[name for name, _ in FUNCTIONS])
def test_function_annotations_resolve(name: str, function: object) -> None:
    typing.get_type_hints(function)
