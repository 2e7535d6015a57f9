"""The app's own table: an order for a treatment, paid when booked."""

from django.db import models


class Order(models.Model):
    """An order; `booking_id` names the clubrules booking made with it."""

    customer_id = models.CharField(max_length=64)
    service = models.CharField(max_length=64)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    booking_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
