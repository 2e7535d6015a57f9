"""`python -m clubrules` runs the command-line interface."""

from __future__ import annotations

from clubrules.cli import main

raise SystemExit(main())
