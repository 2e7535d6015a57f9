"""The in-memory booking adapter passes the booking contract suite."""

from __future__ import annotations

import pytest

from clubrules.storage.memory import InMemoryBookingRepository
from clubrules.testing.contracts import BookingRepositoryContract


class TestInMemoryBookings(BookingRepositoryContract):
    @pytest.fixture
    def repository(self) -> InMemoryBookingRepository:
        return InMemoryBookingRepository()
