"""Public names show their public home, not the private module that defines them (private).

`clubrules.booking.Booking` is defined in `clubrules.booking._model`. After
`publish("clubrules.booking")`, its `__module__` is `clubrules.booking`, so
`repr(Booking)`, pickles and tracebacks name the path a user imports, and a
private module can move without breaking a stored pickle.
"""

from __future__ import annotations

import inspect
import sys
import typing

__all__ = ["publish"]


def _is_private(module_name: str) -> bool:
    return any(part.startswith("_") for part in module_name.split("."))


def publish(module_name: str) -> None:
    """Name `module_name` as the home of the classes and functions in its `__all__`.

    Only names defined in a private clubrules module move; the first public
    module to publish a name is its home. A class's own annotations are
    resolved first, in the module that defines them, so that
    `typing.get_type_hints` (which looks names up in `__module__`) keeps
    working after the move.
    """
    module = sys.modules[module_name]
    for name in module.__all__:
        value = getattr(module, name)
        if not (isinstance(value, type) or inspect.isfunction(value)):
            continue
        home = getattr(value, "__module__", None)
        if not isinstance(home, str) or not home.startswith("clubrules.") or not _is_private(home):
            continue
        if isinstance(value, type):
            own = vars(value).get("__annotations__")
            if own:
                hints = typing.get_type_hints(value, include_extras=True)
                value.__annotations__ = {key: hints[key] for key in own}
        value.__module__ = module_name
