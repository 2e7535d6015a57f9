"""`POST /bookings`: write the app's order and the library's booking in one transaction."""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from clubrules.errors import SlotConflictError, ValidationError
from salon.booking import TREATMENTS, bookings, treatment
from salon.models import Order


class PaymentDeclinedError(Exception):
    """The card was declined: nothing of the order may stay."""


def charge(order: Order, card: str) -> None:
    """A stand-in for the payment provider: the card `"declined"` is refused."""
    if card == "declined":
        raise PaymentDeclinedError(order.pk)


@require_POST
def book(request: HttpRequest) -> JsonResponse:
    """Book a treatment: the order, the booking and the charge succeed together or not at all.

    Body: `{"customer_id", "service", "start" (ISO 8601 with an offset),
    "price", "card"}`. Answers 201 with the order and booking ids; 409 with
    the clashing bookings when the slot is taken; 402 when the card is
    declined; 400 for a bad request. On 409 and 402 no order is stored.
    """
    try:
        body = json.loads(request.body)
        service = body["service"]
        start = datetime.fromisoformat(body["start"])
        price = Decimal(body["price"])
    except (KeyError, ValueError, TypeError, InvalidOperation):
        return JsonResponse({"error": "bad_request"}, status=400)
    if service not in TREATMENTS or start.tzinfo is None:
        return JsonResponse({"error": "bad_request"}, status=400)
    try:
        with transaction.atomic():
            order = Order.objects.create(
                customer_id=body["customer_id"], service=service, price=price
            )
            booking = bookings().add(
                treatment(f"order-{order.pk}", service, order.customer_id, start),
                now=timezone.now(),
            )
            order.booking_id = booking.id
            order.save(update_fields=["booking_id"])
            charge(order, body.get("card", ""))
    except SlotConflictError as error:
        clashes = sorted({conflict.first for conflict in error.conflicts})  # type: ignore[attr-defined]
        return JsonResponse({"error": "slot_taken", "conflicts": clashes}, status=409)
    except PaymentDeclinedError:
        return JsonResponse({"error": "payment_declined"}, status=402)
    except ValidationError as error:
        return JsonResponse({"error": "invalid", "field": error.field}, status=400)
    return JsonResponse({"order": order.pk, "booking": booking.id}, status=201)
