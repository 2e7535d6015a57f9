"""A warning talk after a failing score, with its deadline to improve."""

from __future__ import annotations

# Run-time imports (noqa: TC00x) so that typing.get_type_hints() resolves public annotations.
from datetime import datetime  # noqa: TC003
from decimal import Decimal

import attrs

from clubrules._checks import check_number, texts_checked
from clubrules._time import canonical_instant, instants_compared, to_epoch_us
from clubrules.errors import ValidationError

__all__ = ["WarningRecord"]


@attrs.frozen(kw_only=True, field_transformer=instants_compared)
class WarningRecord:
    """A recorded warning talk after a failing score, with its deadline to improve.

    Attributes:
        id: The warning's identifier (`"<sheet id>:warning"` when made by
            [decide_outcome][clubrules.staff.decide_outcome]).
        staff_id: Who was warned.
        sheet_id: The failing score sheet that brought it.
        issued_at: When it was issued (timezone-aware): the sheet's `assessed_at`.
        improve_by: The deadline to improve (after `issued_at`).
        total: The failing total.
        band: The failing band's name.

    Raises:
        ValidationError: a blank id, a naive instant, a deadline not
            after `issued_at`, or a total that is not an int or a finite
            Decimal (`not_exact`, `not_finite`).
    """

    id: str
    staff_id: str
    sheet_id: str
    issued_at: datetime
    improve_by: datetime
    total: Decimal
    band: str

    def __attrs_post_init__(self) -> None:
        problems = texts_checked(self, "id", "staff_id", "sheet_id", "band")
        check_number(problems, "total", self.total, minimum=None)
        problems.raise_if_any()
        total: object = self.total
        if type(total) is int:
            object.__setattr__(self, "total", Decimal(total))  # as storage reads it back
        object.__setattr__(self, "issued_at", canonical_instant(self.issued_at, "issued_at"))
        object.__setattr__(self, "improve_by", canonical_instant(self.improve_by, "improve_by"))
        if to_epoch_us(self.improve_by) <= to_epoch_us(self.issued_at):
            raise ValidationError(
                "must be after issued_at", field="improve_by", rule="deadline_not_after_issue"
            )
