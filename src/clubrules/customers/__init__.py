"""Customers: profiles, contact points in E.164, consumption and service records.

- [Customer][clubrules.customers.Customer]: the profile, with the sensitive
  archive fields held only as [Sealed][clubrules.customers.Sealed] values.
- [parse_phone][clubrules.customers.parse_phone] parses a phone number once,
  at the boundary, into a [PhoneNumber][clubrules.customers.PhoneNumber]
  (E.164, masked in `repr`).
- [ConsumptionRecord][clubrules.customers.ConsumptionRecord] (purchases,
  refunds, redemptions) and [total_spend][clubrules.customers.total_spend]
  (net spend: refunds subtracted, redemptions excluded).
- [ServiceRecord][clubrules.customers.ServiceRecord]: what was done at a visit.

The storage ports are in `clubrules.customers.ports`.
"""

from __future__ import annotations

from clubrules._public import publish
from clubrules.customers._model import (
    SEALED_FIELDS,
    ConsumptionKind,
    ConsumptionRecord,
    Customer,
    Gender,
    ServiceRecord,
)
from clubrules.customers._phone import DEFAULT_REGION, PhoneNumber, parse_phone
from clubrules.customers._sealed import Sealed
from clubrules.customers._spend import spend_by_customer, total_spend

__all__ = [  # noqa: RUF022 - plain sorted() order, which the public API test checks
    "ConsumptionKind",
    "ConsumptionRecord",
    "Customer",
    "DEFAULT_REGION",
    "Gender",
    "PhoneNumber",
    "SEALED_FIELDS",
    "Sealed",
    "ServiceRecord",
    "parse_phone",
    "spend_by_customer",
    "total_spend",
]

publish(__name__)
