"""The salon example's tests: Django's test runner on a real PostgreSQL database.

`TestCase` wraps each test in a transaction that is rolled back at its end,
so the view's `transaction.atomic()` is a savepoint there; the
`TransactionTestCase` below commits for real and reads the result through a
connection of its own.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import psycopg
from django.db import connection
from django.test import Client, TestCase, TransactionTestCase

from clubrules.storage.migrations import latest_version, schema_version
from clubrules.storage.postgres import PostgresBookingRepository, PostgresDatabase
from salon.booking import bookings
from salon.models import Order

if TYPE_CHECKING:
    from django.http import HttpResponse


def post(client: Client, **fields: str) -> HttpResponse:
    """POST a booking request: a facial for customer c-1, paid, unless `fields` say otherwise."""
    body = {"customer_id": "c-1", "service": "facial", "price": "388.00", "card": "ok"}
    body.update(fields)
    return client.post("/bookings", json.dumps(body), content_type="application/json")


class MigrateTests(TestCase):
    """`manage.py migrate` (here: the test database's set-up) applied the library's schema."""

    def test_migrate_applied_the_clubrules_schema(self) -> None:
        """The clubrules schema is at the newest version."""
        connection.ensure_connection()
        self.assertEqual(schema_version(connection.connection), latest_version("postgres"))


class BookingViewTests(TestCase):
    """The booking view stores the order and the booking together, or neither."""

    def test_a_booking_stores_the_order_and_the_booking(self) -> None:
        """201: the order names the booking, and the booking is stored."""
        answer = post(self.client, start="2026-03-02T10:00:00+08:00")
        self.assertEqual(answer.status_code, 201, answer.content)
        order = Order.objects.get()
        self.assertEqual(answer.json(), {"order": order.pk, "booking": order.booking_id})
        stored = bookings().get(order.booking_id)
        self.assertEqual((stored.customer_id, stored.service), ("c-1", "facial"))

    def test_a_conflict_rolls_back_the_order(self) -> None:
        """409 names the clashing booking; the second order is not stored."""
        first = post(self.client, start="2026-03-02T10:00:00+08:00")
        self.assertEqual(first.status_code, 201)
        taken = post(self.client, customer_id="c-2", start="2026-03-02T10:30:00+08:00")
        self.assertEqual(taken.status_code, 409)
        self.assertEqual(
            taken.json(), {"error": "slot_taken", "conflicts": [first.json()["booking"]]}
        )
        self.assertEqual(list(Order.objects.values_list("customer_id", flat=True)), ["c-1"])
        self.assertEqual([b.id for b in bookings().find()], [first.json()["booking"]])

    def test_after_a_conflict_the_next_slot_books(self) -> None:
        """A refused booking leaves the connection usable for the next request."""
        self.assertEqual(post(self.client, start="2026-03-02T10:00:00+08:00").status_code, 201)
        self.assertEqual(post(self.client, start="2026-03-02T10:30:00+08:00").status_code, 409)
        self.assertEqual(post(self.client, start="2026-03-02T11:00:00+08:00").status_code, 201)
        self.assertEqual(Order.objects.count(), 2)
        self.assertEqual(len(bookings().find()), 2)

    def test_a_declined_card_rolls_back_the_order_and_the_booking(self) -> None:
        """402: the app's failure after the booking undoes the booking too."""
        answer = post(self.client, card="declined", start="2026-03-02T10:00:00+08:00")
        self.assertEqual(answer.status_code, 402)
        self.assertFalse(Order.objects.exists())
        self.assertEqual(bookings().find(), [])

    def test_a_bad_request_stores_nothing(self) -> None:
        """400 for a start that is not an instant with an offset."""
        self.assertEqual(post(self.client, start="10 o'clock").status_code, 400)
        self.assertEqual(post(self.client, start="2026-03-02T10:00:00").status_code, 400)
        self.assertFalse(Order.objects.exists())


class CommittedBookingTests(TransactionTestCase):
    """The view's transaction commits for real: another connection sees both rows, or neither."""

    def _stored(self) -> tuple[list[str], list[str]]:
        settings = connection.settings_dict
        with psycopg.connect(
            dbname=settings["NAME"],
            user=settings["USER"],
            host=settings["HOST"],
            port=settings["PORT"] or None,
        ) as other:
            orders = [r[0] for r in other.execute("SELECT booking_id FROM salon_order")]
            found = PostgresBookingRepository(PostgresDatabase.from_connection(other)).find()
            other.rollback()
        return sorted(orders), sorted(booking.id for booking in found)

    def test_both_commit_or_neither_does(self) -> None:
        """Only the paid, conflict-free booking is stored, with its order."""
        kept = post(self.client, start="2026-03-03T10:00:00+08:00")
        self.assertEqual(kept.status_code, 201)
        declined = post(self.client, card="declined", start="2026-03-03T15:00:00+08:00")
        self.assertEqual(declined.status_code, 402)
        taken = post(self.client, start="2026-03-03T10:30:00+08:00")
        self.assertEqual(taken.status_code, 409)
        booking_id = kept.json()["booking"]
        self.assertEqual(self._stored(), ([booking_id], [booking_id]))
