"""A reference HTTP service over clubrules: a salon's bookings, complaints and allergy reads.

Run it with `python -m salon_api` (see the README), or build the app with
[create_app][salon_api.app.create_app] and serve it with any ASGI server.
"""

from __future__ import annotations

from salon_api.app import create_app
from salon_api.config import Settings

__all__ = ["Settings", "create_app"]
