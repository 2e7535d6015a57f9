"""The salon app: orders (a Django model) and their bookings (clubrules)."""
