"""What the library's warnings share: they point at the application's line.

A warning raised deep inside the library (a keyring near its usage limit,
a calendar asked about a year it has no holiday data for) is reported at
the first frame outside the `clubrules` package: the application's call,
however many of the library's own functions lie between. A fixed
`stacklevel` points at the right line for one call path only.
"""

from __future__ import annotations

import inspect
import os
import warnings

__all__ = ["warn_caller"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep  # noqa: PTH100, PTH120 - a prefix
"""The folder of the `clubrules` package, as the frames of its modules name their files."""


def _in_package(filename: str) -> bool:
    return os.path.abspath(filename).startswith(_PACKAGE)  # noqa: PTH100 - a prefix test


def warn_caller(message: str, category: type[Warning]) -> None:
    """`warnings.warn(message, category)`, attributed to the first frame outside clubrules.

    So the warning names the application's file and line, a filter on the
    application's module matches it, and the "default" action shows it once
    per place in the application, whichever of the library's public
    functions was called.
    """
    level = 2  # the frame that called this function
    frame = inspect.currentframe()
    caller = frame.f_back if frame is not None else None
    del frame
    while caller is not None and _in_package(caller.f_code.co_filename):
        caller = caller.f_back
        level += 1
    del caller
    warnings.warn(message, category, stacklevel=level)
