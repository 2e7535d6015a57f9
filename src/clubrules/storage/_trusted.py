"""Values read back from rows that clubrules wrote, built without running validators again.

A stored row was a validated value on its way in, and the schema's checks
keep it so: re-validating every row on every read would cost more than the
read itself (5 to 7 us a row). Anything an integrator passes in still goes
through the value's constructor; only the adapters' readers use this.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

__all__ = ["trusted", "trusted_builder"]

_T = TypeVar("_T")


def _setters(cls: type[Any]) -> tuple[Callable[[object, object], None], ...]:
    """The slot setters of `cls`'s fields in order, if it can be built field by field.

    Calling each slot's descriptor directly skips the attribute lookup (and
    the frozen class's refusal) that `object.__setattr__` goes through.
    """
    fields = attrs.fields(cls)
    derived = [f.name for f in fields if not f.init]
    if derived:  # a value with derived fields needs its own trusted constructor
        msg = f"{cls.__name__} derives {derived}; give it a trusted constructor of its own"
        raise TypeError(msg)
    return tuple(
        getattr(cls, f.name).__set__ if "__slots__" in vars(cls) else _setattr(f.name)
        for f in fields
    )


def _setattr(name: str) -> Callable[[object, object], None]:
    def put(instance: object, value: object) -> None:
        object.__setattr__(instance, name, value)

    return put


_BUILDERS: dict[type[Any], Callable[[Sequence[object]], Any]] = {}


def _builder(cls: type[Any]) -> Callable[[Sequence[object]], Any]:
    """A function that builds `cls` from one value per field, unrolled (made once per class).

    The same code as a loop over `_setters(cls)`, written out: a read builds
    one value per row, and the loop's own overhead was most of the cost.
    """
    setters = _setters(cls)
    names = [f"_set{i}" for i in range(len(setters))]
    body = "".join(f"    {name}(self, values[{i}])\n" for i, name in enumerate(names))
    source = (
        "def build(values):\n"
        f"    if len(values) != {len(setters)}:\n"
        "        _wrong(len(values))\n"
        "    self = _new(_cls)\n"
        f"{body}"
        "    return self\n"
    )

    def wrong(got: int) -> None:
        msg = f"{cls.__name__} has {len(setters)} fields; got {got} values"
        raise TypeError(msg)

    scope: dict[str, Any] = dict(zip(names, setters, strict=True))
    scope.update(_new=object.__new__, _cls=cls, _wrong=wrong)
    exec(compile(source, f"<trusted {cls.__qualname__}>", "exec"), scope)  # noqa: S102 - our own fixed template
    build: Callable[[Sequence[object]], Any] = scope["build"]
    _BUILDERS[cls] = build
    return build


def trusted(cls: type[_T], values: Sequence[object]) -> _T:
    """An instance of the attrs class `cls` with `values` as its fields, in order, unchecked.

    The values must already be what the converters would make (an enum,
    a frozenset, a `Decimal`), as the readers decode them.

    Raises:
        TypeError: `cls` has derived (`init=False`) fields, or `values` is
            not one per field.
    """
    build = _BUILDERS.get(cls) or _builder(cls)
    instance: _T = build(values)
    return instance


def trusted_builder(cls: type[_T]) -> Callable[..., _T]:
    """A function that builds `cls` from one positional argument per field, unchecked.

    What `trusted` does, for a reader that decodes many rows: no tuple of
    values to build, no length check, no lookup by class on each call. A
    wrong number of arguments is a `TypeError` from the call itself.

    Raises:
        TypeError: `cls` has derived (`init=False`) fields.
    """
    setters = _setters(cls)
    names = [f"_set{i}" for i in range(len(setters))]
    args = ", ".join(f"v{i}" for i in range(len(setters)))
    body = "".join(f"    {name}(self, v{i})\n" for i, name in enumerate(names))
    source = f"def build({args}):\n    self = _new(_cls)\n{body}    return self\n"
    scope: dict[str, Any] = dict(zip(names, setters, strict=True))
    scope.update(_new=object.__new__, _cls=cls)
    exec(compile(source, f"<trusted {cls.__qualname__}>", "exec"), scope)  # noqa: S102 - our own fixed template
    build: Callable[..., _T] = scope["build"]
    return build
