"""The clubrules side of the app: adapters on Django's own database connection."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import connection

from clubrules.booking import Booking, Occupancy
from clubrules.storage.postgres import PostgresBookingRepository, PostgresDatabase

# Each treatment: its length and the room's clean-up time after it.
TREATMENTS = {
    "facial": (timedelta(minutes=50), timedelta(minutes=10)),
    "massage": (timedelta(minutes=80), timedelta(minutes=10)),
}


def bookings() -> PostgresBookingRepository:
    """The booking adapter on Django's connection, inside whatever transaction is open on it.

    Inside `transaction.atomic()` the adapter's writes commit or roll back
    with the block; it never commits, rolls back or closes the connection.
    """
    connection.ensure_connection()
    return PostgresBookingRepository(PostgresDatabase.from_connection(connection.connection))


def treatment(booking_id: str, service: str, customer_id: str, start: datetime) -> Booking:
    """A booking of `service` at `start` in the treatment room, clean-up time included."""
    length, clean_up = TREATMENTS[service]
    end = start + length
    return Booking(
        id=booking_id,
        service=service,
        start=start,
        end=end,
        occupancy=[Occupancy.between("room-1", start, end + clean_up)],
        customer_id=customer_id,
    )
