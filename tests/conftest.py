"""Test-suite configuration shared by every test directory."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# Deadlines make property tests flaky on a loaded 2-core CI machine; the
# benchmarks, not the tests, watch speed.
settings.register_profile(
    "default",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    parent=settings.get_profile("default"),
    max_examples=1000,
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
