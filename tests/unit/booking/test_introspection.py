"""The public types of booking and privacy can be introspected at runtime."""

from __future__ import annotations

import inspect
import typing

import attrs
import pytest

import clubrules.booking
import clubrules.privacy

PUBLIC = [
    (module.__name__, name, getattr(module, name))
    for module in (clubrules.booking, clubrules.privacy)
    for name in module.__all__
]
CLASSES = [(m, n, obj) for m, n, obj in PUBLIC if inspect.isclass(obj)]
FUNCTIONS = [(m, n, obj) for m, n, obj in PUBLIC if inspect.isfunction(obj)]


@pytest.mark.parametrize(
    ("module", "name", "cls"), CLASSES, ids=[f"{m}.{n}" for m, n, _ in CLASSES]
)
def test_class_annotations_resolve(module: str, name: str, cls: type) -> None:
    typing.get_type_hints(cls)
    if attrs.has(cls):
        attrs.resolve_types(cls)


@pytest.mark.parametrize(
    ("module", "name", "function"), FUNCTIONS, ids=[f"{m}.{n}" for m, n, _ in FUNCTIONS]
)
def test_function_annotations_resolve(module: str, name: str, function: object) -> None:
    typing.get_type_hints(function)
