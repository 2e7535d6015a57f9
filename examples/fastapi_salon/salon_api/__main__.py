"""`python -m salon_api`: serve the API with uvicorn, configured from the environment.

`SALON_HOST` (default 127.0.0.1), `SALON_PORT` (default 8000) and
`SALON_MODE` (`async`, the default, or `threads`) choose where and how.
"""

from __future__ import annotations

import os

import uvicorn

from salon_api.app import create_app
from salon_api.config import MODES, Settings


def main() -> None:
    """Read the settings and serve until interrupted."""
    mode = os.environ.get("SALON_MODE", "async")
    if mode not in MODES:
        raise SystemExit(f"SALON_MODE must be one of {', '.join(MODES)}")
    app = create_app(Settings.from_env(), mode="async" if mode == "async" else "threads")
    host = os.environ.get("SALON_HOST", "127.0.0.1")
    port = int(os.environ.get("SALON_PORT", "8000"))
    uvicorn.run(app, host=host, port=port, log_level="info")


if __name__ == "__main__":
    main()
