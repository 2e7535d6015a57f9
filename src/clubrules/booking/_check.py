"""Checking a booking request: every reason it fails, or the resources it gets."""

from __future__ import annotations

import functools
from bisect import bisect_right
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Protocol, cast

import attrs

from clubrules._checks import answering_for, require_flag, require_instance, require_items, shown
from clubrules._time import from_epoch_us, instant_range, require_aware, to_epoch_us
from clubrules.booking._alternatives import (
    _NEVER,
    Slot,
    SlotSearch,
    _Candidate,
    _Role,
    gaps,
    nearest_free,
    spans,
)
from clubrules.booking._capacity import peak
from clubrules.booking._model import (
    FIRST_US,
    LAST_US,
    Booking,
    BookingPolicy,
    BookingStatus,
    Occupancy,
    Pool,
    Resource,
    ResourceKind,
    Service,
    _to_status,
    us,
)
from clubrules.booking._request import BookingRequest, CheckResult, Reason, ReasonCode
from clubrules.booking._schedule import Schedule
from clubrules.booking._series import Recurrence, SeriesCheck
from clubrules.errors import SlotConflictError, ValidationError, ViolationCollector
from clubrules.words import message

__all__ = ["BookingRules", "OpeningHours", "check_series", "find_alternatives"]


class OpeningHours(Protocol):
    """What the checks need of a calendar: a `BusinessCalendar` fits.

    The club's opening hours and each staff member's shifts are both given
    as a [BusinessCalendar][clubrules.calendar.BusinessCalendar], expanded
    per date in its IANA zone.
    """

    def open_intervals_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """The open intervals within `[start_us, end_us)`, in epoch microseconds."""
        ...


@attrs.frozen
class _Plan:
    service: Service
    duration_us: int
    roles: tuple[_Role, ...]
    # The busy time around a start, buffers included: [start + before, start + after).
    before_us: int = 0
    after_us: int = 0


class BookingRules:
    """The club's booking rules: its resources, pools, services, hours, shifts and policy.

    The rules are pure: every check takes the existing bookings (a
    [Schedule][clubrules.booking.Schedule]) and an explicit `now`.

    Args:
        resources: Every bookable resource.
        services: Every service item.
        pools: Pools of interchangeable resources.
        calendar: The club's opening hours, a `BusinessCalendar`; None
            means always open.
        shifts: Each staff member's working hours, a `BusinessCalendar` per
            resource id; a staff member without one works whenever the
            club is open.
        policy: Notice, horizon, holds, late cancellation and no-shows.

    Attributes:
        resources: The resources, by id.
        pools: The pools, by id.
        services: The services, by id.
        shifts: The staff shifts, by resource id.
        calendar: The club's opening hours, or None.
        policy: The booking policy.

    Raises:
        ValidationError: duplicate ids, a pool or requirement naming an
            unknown resource (rule `unknown_resource`), shifts for an unknown
            resource. Every problem is reported at once.
    """

    def __init__(
        self,
        *,
        resources: Iterable[Resource],
        services: Iterable[Service],
        pools: Iterable[Pool] = (),
        calendar: OpeningHours | None = None,
        shifts: Mapping[str, OpeningHours] | None = None,
        policy: BookingPolicy | None = None,
    ) -> None:
        resources = require_items(resources, Resource, "resources")
        pools = require_items(pools, Pool, "pools")
        services = require_items(services, Service, "services")
        if shifts is not None and not isinstance(shifts, Mapping):
            raise ValidationError(
                f"must be a mapping of resource id to hours, not {type(shifts).__name__}",
                field="shifts",
                rule="not_a_mapping",
            )
        if policy is not None:
            require_instance(policy, BookingPolicy, "policy")
        problems = ViolationCollector()
        self.resources: dict[str, Resource] = {}
        for r in resources:
            if r.id in self.resources:
                problems.add("resources", "duplicate_id", f"resource {r.id!r} is listed twice")
            self.resources[r.id] = r
        self.pools: dict[str, Pool] = {}
        for p in pools:
            if p.id in self.pools or p.id in self.resources:
                problems.add("pools", "duplicate_id", f"pool {p.id!r} reuses an id")
            self.pools[p.id] = p
            for member in p.members:
                if member not in self.resources:
                    problems.add(
                        f"pools.{p.id}",
                        "unknown_resource",
                        f"member {shown(member)} is not a resource",
                    )
        self.services: dict[str, Service] = {}
        for s in services:
            if s.id in self.services:
                problems.add("services", "duplicate_id", f"service {s.id!r} is listed twice")
            self.services[s.id] = s
            for req in s.requirements:
                if req.resource is not None and req.resource not in self.resources:
                    problems.add(
                        f"services.{s.id}.{req.role}",
                        "unknown_resource",
                        f"{shown(req.resource)} is not a resource",
                    )
                if req.pool is not None and req.pool not in self.pools:
                    problems.add(
                        f"services.{s.id}.{req.role}",
                        "unknown_pool",
                        f"{shown(req.pool)} is not a pool",
                    )
        self.shifts: dict[str, OpeningHours] = dict(shifts or {})
        for rid in self.shifts:
            if rid not in self.resources:
                problems.add("shifts", "unknown_resource", f"{shown(rid)} is not a resource")
        problems.raise_if_any()
        self.calendar = calendar
        self.policy = policy if policy is not None else BookingPolicy()
        self._notice_us = us(self.policy.min_notice)
        self._horizon_us = None if self.policy.horizon is None else us(self.policy.horizon)
        self._plans = {s.id: self._plan(s) for s in self.services.values()}

    def _plan(self, service: Service) -> _Plan:
        offsets = {
            flag: service.busy_offsets(held_during_processing=flag) for flag in (True, False)
        }
        roles = []
        for req in service.requirements:
            if req.resource is not None:
                ids: tuple[str, ...] = (req.resource,)
            else:
                ids = self.pools[str(req.pool)].select(self.resources.values())
            cands = []
            for rid in ids:
                res = self.resources[rid]
                held = req.during_processing
                if held is None:
                    held = res.kind is not ResourceKind.STAFF
                cands.append(_Candidate(rid, res.capacity, offsets[held], self.shifts.get(rid)))
            roles.append(
                _Role(req.role, req.per_person, tuple(cands), {c.resource: c for c in cands})
            )
        duration = us(service.duration)
        return _Plan(
            service,
            duration,
            tuple(roles),
            before_us=-us(service.buffer_before),
            after_us=duration + us(service.buffer_after),
        )

    def __reduce__(self) -> tuple[object, ...]:
        """Pickle and copy as the arguments that build the rules; the plans are rebuilt.

        So the rules travel to a worker process or a cache naming only public
        classes.
        """
        build = functools.partial(
            BookingRules,
            resources=tuple(self.resources.values()),
            services=tuple(self.services.values()),
            pools=tuple(self.pools.values()),
            calendar=self.calendar,
            shifts=self.shifts,
            policy=self.policy,
        )
        return (build, ())

    def __repr__(self) -> str:
        return (
            f"BookingRules({len(self.resources)} resources, {len(self.pools)} pools, "
            f"{len(self.services)} services)"
        )

    # --- validation of a request against the catalog ----------------------

    def _validate(self, request: BookingRequest) -> _Plan:
        problems = ViolationCollector()
        plan = self._plans.get(request.service)
        if plan is None:
            problems.add("service", "unknown_service", f"{shown(request.service)} is not a service")
            raise ValidationError(violations=problems.violations)
        if request.headcount > plan.service.max_headcount:
            problems.add(
                "headcount",
                "above_max_headcount",
                f"{shown(request.headcount)} is more than {plan.service.id!r} takes "
                f"({plan.service.max_headcount})",
            )
        roles = {r.role: r for r in plan.roles}
        for role_name, rid in request.resources:
            role = roles.get(role_name)
            if role is None:
                problems.add(
                    "resources",
                    "unknown_role",
                    f"{plan.service.id!r} has no role {shown(role_name)}",
                )
            elif rid not in self.resources:
                problems.add(
                    f"resources.{role_name}", "unknown_resource", f"{shown(rid)} is not a resource"
                )
            elif rid not in role.by_id:
                problems.add(
                    f"resources.{role_name}",
                    "not_in_pool",
                    f"{shown(rid)} cannot fill {role_name!r}",
                )
        for role in plan.roles:
            if not role.per_person:
                continue
            pin = request.pinned.get(role.role)
            caps = [c.capacity for c in role.candidates if pin is None or c.resource == pin]
            if caps and request.headcount > max(caps):
                problems.add(
                    "headcount",
                    "above_capacity",
                    f"{request.headcount} people do not fit {role.role!r} "
                    f"(capacity at most {max(caps)})",
                )
        problems.raise_if_any()
        return plan

    # --- the core ------------------------------------------------------------

    def _evaluate(
        self,
        plan: _Plan,
        start_us: int,
        headcount: int,
        pins: Mapping[str, str],
        schedules: Sequence[Schedule],
        *,
        now_us: int,
        exclude: Collection[str],
        full: bool,
        hours: OpeningHours | None = None,
    ) -> tuple[list[Reason], list[tuple[str, str]], list[Occupancy]]:
        """The reasons a start fails (all with `full`, else a mark at the first) and its resources.

        `hours` stands in for `self.calendar` (the same hours, read ahead).
        """
        reasons: list[Reason] = []
        end_us = start_us + plan.duration_us
        if start_us < now_us + self._notice_us:
            if not full:
                return _FAIL_MARK, [], []
            reasons.append(
                _limit_reason(
                    ReasonCode.SHORT_NOTICE,
                    "notice",
                    self.policy.min_notice,
                    # None when the earliest allowed start is past year 9999.
                    start=_instant_or_none(now_us + self._notice_us),
                )
            )
        if self._horizon_us is not None and start_us > now_us + self._horizon_us:
            if not full:
                return _FAIL_MARK, [], []
            reasons.append(
                _limit_reason(
                    ReasonCode.TOO_FAR_AHEAD,
                    "horizon",
                    self.policy.horizon,
                    end=from_epoch_us(now_us + self._horizon_us),
                )
            )
        if self.calendar is not None:
            gap = _first_gap(hours or self.calendar, start_us, end_us)
            if gap is not None:
                if not full:
                    return _FAIL_MARK, [], []
                reasons.append(
                    Reason(
                        code=ReasonCode.CLOSED,
                        message=message("booking.closed"),
                        start=from_epoch_us(gap[0]),
                        end=from_epoch_us(gap[1]),
                    )
                )
        taken: set[str] = set()
        assignment: list[tuple[str, str]] = []
        occupancy: list[Occupancy] = []
        for role in plan.roles:
            units = headcount if role.per_person else 1
            pin = pins.get(role.role)
            cands = role.candidates if pin is None else (role.by_id[pin],)
            role_reasons: list[Reason] = []
            chosen: _Candidate | None = None
            for cand in cands:
                if cand.resource in taken or units > cand.capacity:
                    continue
                found = self._resource_reasons(
                    role.role,
                    cand,
                    start_us,
                    units,
                    schedules,
                    now_us=now_us,
                    exclude=exclude,
                    full=full,
                )
                if not found:
                    chosen = cand
                    break
                if full:
                    role_reasons.extend(found)
            if chosen is None:
                if not full:
                    return _FAIL_MARK, [], []
                if not role_reasons:
                    role_reasons.append(
                        Reason(
                            code=ReasonCode.NO_FREE_MEMBER,
                            message=message("booking.no_free_member", role=role.role),
                            role=role.role,
                        )
                    )
                reasons.extend(role_reasons)
                continue
            taken.add(chosen.resource)
            assignment.append((role.role, chosen.resource))
            for lo, hi in chosen.offsets:
                occupancy.append(
                    Occupancy(
                        chosen.resource,
                        start_us + lo,
                        start_us + hi,
                        units,
                        chosen.capacity,
                        role.role,
                    )
                )
        return reasons, assignment, occupancy

    def _resource_reasons(
        self,
        role: str,
        cand: _Candidate,
        start_us: int,
        units: int,
        schedules: Sequence[Schedule],
        *,
        now_us: int,
        exclude: Collection[str],
        full: bool,
    ) -> list[Reason]:
        out: list[Reason] = []
        rid = cand.resource
        for lo, hi in cand.offsets:
            s, e = start_us + lo, start_us + hi
            if cand.shift is not None:
                gap = _first_gap(cand.shift, s, e)
                if gap is not None:
                    if not full:
                        return _FAIL_MARK
                    out.append(
                        Reason(
                            code=ReasonCode.OFF_SHIFT,
                            message=message("booking.off_shift", resource=rid),
                            role=role,
                            resource=rid,
                            start=from_epoch_us(gap[0]),
                            end=from_epoch_us(gap[1]),
                        )
                    )
            if cand.capacity == 1:
                if not full:
                    for schedule in schedules:
                        if not schedule.is_free(rid, s, e, now_us, exclude):
                            return _FAIL_MARK
                    continue
                for schedule in schedules:
                    for bs, be, _units, bid in reversed(
                        schedule.overlapping(rid, s, e, now_us, exclude)
                    ):
                        out.append(
                            Reason(
                                code=ReasonCode.CONFLICT,
                                message=message("booking.conflict", resource=rid, booking=bid),
                                role=role,
                                resource=rid,
                                booking=bid,
                                start=from_epoch_us(max(bs, s)),
                                end=from_epoch_us(min(be, e)),
                            )
                        )
                continue
            entries: list[tuple[int, int, int, str]] = []
            for schedule in schedules:
                entries.extend(schedule.overlapping(rid, s, e, now_us, exclude))
            if sum(x[2] for x in entries) + units <= cand.capacity:
                continue
            top, at, until, present = peak(entries, s, e)
            if top + units > cand.capacity:
                if not full:
                    return _FAIL_MARK
                out.append(
                    Reason(
                        code=ReasonCode.OVER_CAPACITY,
                        message=message(
                            "booking.over_capacity",
                            resource=rid,
                            peak=top + units,
                            capacity=cand.capacity,
                        ),
                        role=role,
                        resource=rid,
                        start=from_epoch_us(at),
                        end=from_epoch_us(until),
                        peak=top + units,
                        capacity=cand.capacity,
                        bookings=tuple(sorted(present)),
                    )
                )
        return out

    # --- public checks --------------------------------------------------------

    def check(
        self,
        request: BookingRequest,
        schedule: Schedule,
        *,
        now: datetime,
        exclude: str | Collection[str] | None = None,
    ) -> CheckResult:
        """Check a request against the existing bookings, hours, shifts and policy.

        Every reason the request fails is returned, not only the first. A
        multi-resource request is all or nothing; a role filled from a pool
        takes the first free member (in the pool's order), and if none is
        free the reasons of every member are returned.

        Args:
            request: What the customer asks for.
            schedule: The existing bookings.
            now: The current instant (for notice, horizon and hold expiry).
            exclude: A booking id, or a collection of ids, to ignore (the
                booking being moved, say).

        Returns:
            A [CheckResult][clubrules.booking.CheckResult]; `ok` when it passes.

        Raises:
            ValidationError: an unknown service, role or resource, a
                headcount above the service's maximum or above capacity; a
                `start` whose service time, buffers included, would run
                before year 1 or after year 9999 (rule `out_of_range`); a
                `start` beyond the years the opening hours or a staff
                member's shifts answer about (a `BusinessCalendar`: local
                years 2-9997; the calendar's rule, such as
                `beyond_horizon`). Both name the field `start`.
            NaiveDatetimeError: a naive `now`.
        """
        _require_request_args(request, schedule)
        return self._check(request, (schedule,), now, _excluded(exclude))

    def _check(
        self,
        request: BookingRequest,
        schedules: Sequence[Schedule],
        now: datetime,
        exclude: Collection[str],
    ) -> CheckResult:
        plan = self._validate(request)
        now_us = to_epoch_us(require_aware(now, "now"))
        start_us = to_epoch_us(request.start)
        end = _service_end(plan, start_us, request.start.tzinfo or UTC)
        reasons, assignment, occupancy = self._evaluate(
            plan,
            start_us,
            request.headcount,
            request.pinned,
            schedules,
            now_us=now_us,
            exclude=exclude,
            full=True,
        )
        return CheckResult(
            request=request,
            start=request.start,
            end=end,
            reasons=tuple(reasons),
            assignment=tuple(assignment),
            occupancy=tuple(occupancy),
        )

    def book(
        self,
        result: CheckResult,
        *,
        booking_id: str,
        now: datetime,
        status: BookingStatus = BookingStatus.CONFIRMED,
        confirmation_code: str | None = None,
        idempotency_key: str | None = None,
        taken_by: str | None = None,
        expires_at: datetime | None = None,
    ) -> Booking:
        """The booking for a passing check, as held, pending or confirmed.

        A held booking expires `policy.hold_for` after `now` unless
        `expires_at` is given; a given `expires_at` of a held or pending
        booking must be after `now` (the booking's `created_at`), or the
        booking would be born lapsed, blocking nothing. Write it with a
        `BookingRepository`, which checks the slot again atomically.

        Raises:
            SlotConflictError: the check found conflicts or capacity
                problems (`conflicts` holds the reasons).
            ValidationError: the check failed for other reasons (hours,
                shifts, notice, horizon); one violation per reason; or a
                hold would expire after year 9999 (rule `out_of_range`); or
                `status` is not held, pending or confirmed, where a booking
                begins (rule `not_a_first_status`; a status's value, such as
                `"held"`, is read as the status); or a held or pending
                booking's `expires_at` is at or before `now` (rule
                `already_lapsed`, naming `expires_at`).
        """
        require_instance(result, CheckResult, "result")
        require_aware(now, "now")
        status = _to_status(status)
        if status not in _FIRST_STATUSES:  # a tuple: an unhashable value is refused too
            raise ValidationError(
                "must be held, pending or confirmed, where a booking begins its lifecycle",
                field="status",
                rule="not_a_first_status",
            )
        if not result.ok:
            slot = [
                r
                for r in result.reasons
                if r.code
                in {ReasonCode.CONFLICT, ReasonCode.OVER_CAPACITY, ReasonCode.NO_FREE_MEMBER}
            ]
            if slot:
                raise SlotConflictError(
                    f"the slot is taken ({len(slot)} conflicts)", conflicts=tuple(slot)
                )
            problems = ViolationCollector()
            for r in result.reasons:
                problems.add("start", r.code.value, r.message)
            problems.raise_if_any()
        if status is BookingStatus.HELD and expires_at is None:
            with instant_range("now"):
                expires_at = now.astimezone(UTC) + self.policy.hold_for
        return Booking(
            id=booking_id,
            service=result.request.service,
            start=result.start,
            end=result.end,
            occupancy=result.occupancy,
            status=status,
            headcount=result.request.headcount,
            customer_id=result.request.customer_id,
            expires_at=expires_at,
            confirmation_code=confirmation_code,
            idempotency_key=idempotency_key,
            taken_by=taken_by,
            created_at=now,
        )

    def reschedule(
        self,
        booking: Booking,
        start: datetime,
        schedule: Schedule,
        *,
        now: datetime,
        keep_resources: bool = False,
    ) -> Booking:
        """The booking moved to `start`, checked first against everything else.

        The booking itself is ignored in `schedule`. Its reminder, computed
        from the booking, moves with it.

        Args:
            booking: The booking to move.
            start: The new start of the customer's time.
            schedule: The existing bookings.
            now: The current instant.
            keep_resources: Insist on the resources it has now.

        Raises:
            SlotConflictError: the new time conflicts (the reasons in `conflicts`).
            ValidationError: the new time fails for other reasons, or is
                refused as in [check][clubrules.booking.BookingRules.check]
                (field `start`).
            IllegalTransitionError: the booking can no longer move: it is
                not held, pending or confirmed, or its hold has expired
                (checked before the new time, so a booking that cannot move
                is refused as such even where the slot is taken).
        """
        require_instance(booking, Booking, "booking")
        require_instance(schedule, Schedule, "schedule")
        require_flag(keep_resources, "keep_resources")
        # Before the new slot is checked: a booking that can no longer move
        # is refused as such, whether or not the slot is free.
        booking._check_movable(now)  # noqa: SLF001 - the package's own model
        pins = {o.role: o.resource for o in booking.occupancy if o.role} if keep_resources else {}
        request = BookingRequest(
            service=booking.service,
            start=start,
            headcount=booking.headcount,
            customer_id=booking.customer_id,
            resources=pins,
        )
        result = self.check(request, schedule, now=now, exclude=(booking.id,))
        if not result.ok:
            self.book(result, booking_id=booking.id, now=now)  # raises the typed error
        return booking.reschedule(result.start, result.end, result.occupancy, now=now)

    def alternatives(
        self,
        request: BookingRequest,
        schedule: Schedule,
        *,
        now: datetime,
        limit: int = 3,
        window: timedelta = timedelta(days=1),
        step: timedelta = timedelta(minutes=15),
        exclude: str | Collection[str] | None = None,
    ) -> list[Slot]:
        """The nearest free slots before and after the requested start.

        See [find_alternatives][clubrules.booking.find_alternatives], which
        also gives the bounds on `window` and `step`, and what `exclude` does.
        """
        _require_request_args(request, schedule)
        reach = _search_reach(limit, window, step)
        skip = _excluded(exclude)
        plan = self._validate(request)
        now_us = to_epoch_us(require_aware(now, "now"))
        origin = to_epoch_us(request.start)
        step_us = us(step)
        # By stretches of equal answers rather than start by start (one check per stretch).
        search = SlotSearch(
            roles=plan.roles,
            headcount=request.headcount,
            pins=request.pinned,
            schedule=schedule,
            closed=lambda first, last: self._refused_starts(plan, now_us, first, last),
            origin=origin,
            step=step_us,
            limit=limit,
            now_us=now_us,
            exclude=skip,
        )
        found = nearest_free(
            search, reach=reach, duration=plan.duration_us, zone=request.start.tzinfo or UTC
        )
        if found is not None:
            return found
        return self._alternatives_by_start(
            plan,
            request,
            schedule,
            now_us=now_us,
            limit=limit,
            reach=reach,
            step_us=step_us,
            exclude=skip,
        )

    def _refused_starts(
        self, plan: _Plan, now_us: int, first: int, last: int
    ) -> list[tuple[int, int]] | None:
        """The starts in `[first, last]` refused whatever the resources; None if unreadable.

        Too soon, too far ahead, beyond a datetime, or running into closed time.
        """
        duration = plan.duration_us
        refused = [
            (-_NEVER, max(now_us + self._notice_us, _FIRST_US - plan.before_us)),
            (_LAST_US - plan.after_us + 1, _NEVER),
        ]
        if self._horizon_us is not None:
            refused.append((now_us + self._horizon_us + 1, _NEVER))
        if self.calendar is not None:
            lo, hi = max(first, _FIRST_US), min(last + duration, _LAST_US)
            try:
                opened = self.calendar.open_intervals_us(lo, hi) if lo < hi else []
            except ValidationError:  # beyond the calendar's range: ask it start by start
                return None
            starts, ends = spans(list(opened))
            # [s, s + duration) inside an open [a, b): a <= s <= b - duration.
            refused.extend(gaps([(a, b - duration + 1) for a, b in zip(starts, ends, strict=True)]))
        return refused

    def _alternatives_by_start(
        self,
        plan: _Plan,
        request: BookingRequest,
        schedule: Schedule,
        *,
        now_us: int,
        limit: int,
        reach: int,
        step_us: int,
        exclude: Collection[str],
    ) -> list[Slot]:
        """The alternatives found by a full check of each grid start in turn, nearest first."""
        origin = to_epoch_us(request.start)
        skip = exclude
        pins = request.pinned
        zone = request.start.tzinfo or UTC
        schedules = (schedule,)
        # The opening hours of the whole search, read once rather than per candidate.
        span_us = reach * step_us
        hours = _SpanHours.over(
            self.calendar, origin - span_us, origin + span_us + plan.duration_us
        )
        # A start whose service would run into closed time fails whatever else holds:
        # one binary search skips it (most of the grid at night).
        closed = hours.closed_within if isinstance(hours, _SpanHours) else None
        found: list[Slot] = []
        # The requested time itself comes first, with other resources (when some were chosen).
        for offset in _offsets(reach, step_us, first=bool(pins)):
            start_us = origin + offset
            if not _FIRST_US <= start_us + plan.before_us <= start_us + plan.after_us <= _LAST_US:
                continue  # not a datetime: beyond year 1 or year 9999
            if closed is not None and closed(start_us, start_us + plan.duration_us):
                continue
            for same, chosen in ((True, pins), (False, {})):
                if same and not offset:
                    continue
                if not same and not pins:
                    break
                try:
                    reasons, assignment, _ = self._evaluate(
                        plan,
                        start_us,
                        request.headcount,
                        chosen,
                        schedules,
                        now_us=now_us,
                        exclude=skip,
                        full=False,
                        hours=hours,
                    )
                except ValidationError:
                    break  # beyond the years the hours or shifts answer about: skipped
                if not reasons:
                    found.append(
                        Slot(
                            start=from_epoch_us(start_us, zone),
                            end=from_epoch_us(start_us + plan.duration_us, zone),
                            assignment=tuple(assignment),
                            same_resources=same,
                            offset=timedelta(microseconds=offset),
                        )
                    )
                    if len(found) == limit:
                        return found
                    break
        return found

    def check_series(
        self, request: BookingRequest, recurrence: Recurrence, schedule: Schedule, *, now: datetime
    ) -> SeriesCheck:
        """Check every occurrence of a recurring series.

        See [check_series][clubrules.booking.check_series].
        """
        _require_series_args(request, recurrence, schedule)
        require_aware(now, "now")
        club_zone = getattr(self.calendar, "zone", None)
        if recurrence.zone is None and isinstance(club_zone, tzinfo):
            recurrence = attrs.evolve(recurrence, zone=club_zone)
        own = Schedule()
        results = []
        for i, start in enumerate(recurrence.starts(request.start)):
            occurrence = attrs.evolve(request, start=start)
            result = self._check(occurrence, (schedule, own), now, ())
            if result.ok:
                own.add(
                    Booking(
                        id=f"series-occurrence-{i}",
                        service=request.service,
                        start=result.start,
                        end=result.end,
                        occupancy=result.occupancy,
                        headcount=request.headcount,
                    )
                )
            results.append(result)
        return SeriesCheck(tuple(results))


_FAIL_MARK: list[Reason] = [
    Reason(code=ReasonCode.CONFLICT, message="does not fit")
]  # the fast path's marker: never shown to callers


# The bounds of an alternatives search (documented in find_alternatives): the
# longest window on each side, the shortest step, and the most candidate
# starts (window // step) tried on each side.
_MAX_WINDOW = timedelta(days=366)
_MIN_STEP = timedelta(minutes=1)
_MAX_CANDIDATES = 20_000

# The instants a datetime can show in any zone: a day inside years 1 and 9999.
_FIRST_US = to_epoch_us(datetime(1, 1, 2, tzinfo=UTC))
_LAST_US = to_epoch_us(datetime(9999, 12, 30, tzinfo=UTC))


_FIRST_STATUSES = (BookingStatus.HELD, BookingStatus.PENDING, BookingStatus.CONFIRMED)
"""The statuses `BookingRules.book` makes a booking in: the rest are reached by moves."""


def _service_end(plan: _Plan, start_us: int, zone: tzinfo) -> datetime:
    """The end of the customer's time from `start_us`, shown in `zone`.

    Raises:
        ValidationError: the service's busy time, buffers included, or its
            end shown in `zone`, falls outside years 1-9999 (rule
            `out_of_range`, naming the request's `start`).
    """
    if FIRST_US <= start_us + plan.before_us <= start_us + plan.after_us <= LAST_US:
        try:
            return from_epoch_us(start_us + plan.duration_us, zone)
        except ValidationError:
            pass
    raise ValidationError(
        "is too close to year 1 or 9999: the service, buffers included, would run "
        "where no datetime can show it",
        field="start",
        rule="out_of_range",
    )


def _limit_reason(
    code: ReasonCode,
    word: str,
    limit: timedelta | None,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
) -> Reason:
    """The reason a policy limit (notice, horizon) gives: the limit is worded, not an attribute."""
    return Reason(
        code=code,
        message=message(f"booking.{code.value}", locale=None, **{word: limit}),
        words=((word, limit),),
        start=start,
        end=end,
    )


def _instant_or_none(at_us: int) -> datetime | None:
    """The UTC instant `at_us`, or None if no datetime can hold it."""
    try:
        return from_epoch_us(at_us)
    except ValidationError:
        return None


def _search_reach(limit: object, window: object, step: object) -> int:
    """How many steps alternatives try on each side; raises for arguments out of bounds."""
    problems = ViolationCollector()
    if not isinstance(limit, int) or isinstance(limit, bool):
        problems.add("limit", "not_an_integer", f"must be an integer, not {type(limit).__name__}")
    elif limit < 1:
        problems.add("limit", "not_positive", "must be at least 1")
    for field, value in (("window", window), ("step", step)):
        if not isinstance(value, timedelta):
            problems.add(
                field, "not_a_timedelta", f"must be a timedelta, not {type(value).__name__}"
            )
    if isinstance(window, timedelta):
        if window < timedelta(0):
            problems.add("window", "negative", "must not be negative")
        elif window > _MAX_WINDOW:
            problems.add("window", "too_large", f"must be at most {_MAX_WINDOW.days} days")
    if isinstance(step, timedelta) and step < _MIN_STEP:
        problems.add("step", "too_small", f"must be at least {_MIN_STEP}")
    problems.raise_if_any()
    reach = cast("timedelta", window) // cast("timedelta", step)  # both checked above
    if reach > _MAX_CANDIDATES:
        raise ValidationError(
            f"window / step gives {reach:,} candidate starts on each side; at most "
            f"{_MAX_CANDIDATES:,} are tried (use a longer step or a shorter window)",
            field="window",
            rule="too_many_candidates",
        )
    return reach


def _offsets(reach: int, step_us: int, *, first: bool) -> Iterator[int]:
    """The candidate offsets, nearest first, the earlier on a tie; 0 first if `first`."""
    if first:
        yield 0
    for k in range(1, reach + 1):
        yield -k * step_us
        yield k * step_us


def _excluded(exclude: object) -> Collection[str]:
    """The booking ids to ignore: None, one id, or a collection of ids."""
    if exclude is None:
        return ()
    if isinstance(exclude, str):
        return (exclude,)
    if isinstance(exclude, Collection) and all(isinstance(x, str) for x in exclude):
        return exclude if isinstance(exclude, frozenset) or len(exclude) < 4 else frozenset(exclude)
    raise ValidationError(
        "must be a booking id or a collection of booking ids", field="exclude", rule="not_ids"
    )


def _require_request_args(request: object, schedule: object) -> None:
    """A request and a schedule, each of its own type (rule `wrong_type`)."""
    require_instance(request, BookingRequest, "request")
    require_instance(schedule, Schedule, "schedule")


def _require_series_args(request: object, recurrence: object, schedule: object) -> None:
    """A request, a recurrence and a schedule, each of its own type (rule `wrong_type`)."""
    _require_request_args(request, schedule)
    require_instance(recurrence, Recurrence, "recurrence")


class _SpanHours:
    """Opening hours within one span, read ahead: the answers of `hours` for the span's parts.

    The alternatives search asks about hundreds of candidate starts inside
    one span; one read of the span and a binary search per candidate
    replace a checked calendar call per candidate. Outside the span it asks
    `hours` itself.
    """

    __slots__ = ("_ends", "_hi", "_hours", "_lo", "_starts")

    def __init__(self, hours: OpeningHours, lo: int, hi: int) -> None:
        intervals = hours.open_intervals_us(lo, hi)
        self._hours = hours
        self._lo, self._hi = lo, hi
        self._starts = [a for a, _ in intervals]
        self._ends = [b for _, b in intervals]

    @classmethod
    def over(cls, hours: OpeningHours | None, lo: int, hi: int) -> OpeningHours | None:
        """`hours` read ahead over `[lo, hi)`, or `hours` itself if it cannot answer for it all."""
        if hours is None:
            return None
        try:
            return cls(hours, max(lo, _FIRST_US), min(hi, _LAST_US))
        except ValidationError:  # part of the span is beyond the calendar: ask it per candidate
            return hours

    def closed_within(self, start_us: int, end_us: int) -> bool:
        """Whether the non-empty `[start_us, end_us)` is known not to be open throughout.

        False when open throughout, or when it reaches outside the span.
        Touching open ranges come merged, so an open stretch is one interval.
        """
        if start_us < self._lo or end_us > self._hi:
            return False
        i = bisect_right(self._ends, start_us)
        return i == len(self._starts) or self._starts[i] > start_us or self._ends[i] < end_us

    def open_intervals_us(self, start_us: int, end_us: int) -> list[tuple[int, int]]:
        """As `hours.open_intervals_us`, clipped to `[start_us, end_us)`."""
        if start_us < self._lo or end_us > self._hi:
            return self._hours.open_intervals_us(start_us, end_us)
        if end_us <= start_us:
            return []
        starts, ends = self._starts, self._ends
        out: list[tuple[int, int]] = []
        i = bisect_right(ends, start_us)
        while i < len(starts) and starts[i] < end_us:
            out.append((max(starts[i], start_us), min(ends[i], end_us)))
            i += 1
        return out


def _first_gap(hours: OpeningHours, start_us: int, end_us: int) -> tuple[int, int] | None:
    """The first part of `[start_us, end_us)` outside `hours`, or None if fully open.

    Raises:
        ValidationError: `hours` cannot answer about the span (beyond its
            years), naming the request's `start` rather than the calendar's
            own argument, with the calendar's rule.
    """
    with answering_for(
        "start", "is a time the club's opening hours or a staff member's shifts cannot answer about"
    ):
        opened = hours.open_intervals_us(start_us, end_us)
    at = start_us
    for lo, hi in opened:
        if lo > at:
            return (at, lo)
        at = max(at, hi)
    if at < end_us:
        return (at, end_us)
    return None


def find_alternatives(
    rules: BookingRules,
    request: BookingRequest,
    schedule: Schedule,
    *,
    now: datetime,
    limit: int = 3,
    window: timedelta = timedelta(days=1),
    step: timedelta = timedelta(minutes=15),
    exclude: str | Collection[str] | None = None,
) -> list[Slot]:
    """The nearest free slots before and after the requested start.

    Candidate starts are the requested start plus or minus whole `step`s,
    within `window` on each side, tried nearest first (on a tie, the
    earlier one). Each candidate must pass every rule of a full check
    (hours, shifts, notice, horizon, conflicts, capacity). The resources the
    customer chose are tried first; when they are not free, any member of
    the roles' pools is allowed, and the slot says `same_resources=False`.
    When the customer chose resources, the requested time itself with other
    resources is the first candidate.

    The search is bounded, so that a call returns in well under a second
    whatever it is given: `window` is at most 366 days, `step` at least
    one minute, and `window // step` at most 20,000 candidate starts on
    each side (a week at one-minute steps, or 208 days at 15 minutes). Arguments beyond these
    are refused before any search. Candidates that no datetime can show
    (within a day of year 1 or year 9999, buffers included), or that the
    opening hours or shifts cannot answer about (a `BusinessCalendar`
    answers for local years 2-9997), are skipped.

    Args:
        rules: The club's rules.
        request: The refused request.
        schedule: The existing bookings.
        now: The current instant.
        limit: At most this many slots.
        window: How far to search on each side (0 to 366 days).
        step: The spacing of candidate starts (one minute or more).
        exclude: A booking id, or a collection of ids, whose bookings do not
            block any candidate: the booking being moved, so that its own
            time is offered again. None (the default) ignores nothing.

    Returns:
        Up to `limit` slots, nearest first.

    Raises:
        ValidationError: a `limit` below 1 or not an integer, a `window` or
            `step` that is not a timedelta, a negative or too long `window`,
            a `step` shorter than a minute, more candidates than allowed
            (rule `too_many_candidates`), an `exclude` that is not ids, or
            a request the catalog cannot serve. The violation names the field.
    """
    require_instance(rules, BookingRules, "rules")
    return rules.alternatives(
        request, schedule, now=now, limit=limit, window=window, step=step, exclude=exclude
    )


def check_series(
    rules: BookingRules,
    request: BookingRequest,
    recurrence: Recurrence,
    schedule: Schedule,
    *,
    now: datetime,
) -> SeriesCheck:
    """Check every occurrence of a series and report which ones fail, and why.

    Every occurrence is checked in full, not only the first few, against
    the existing bookings and against the series' own earlier occurrences
    that passed (a daily series of long sessions can clash with itself).
    A clash with an earlier occurrence names it in the reason's `booking`
    as `"series-occurrence-N"`, N being its index (from 0) in the results.
    Occurrences keep their local time in the recurrence's zone, or else in
    the club calendar's zone; a date that zone skipped whole (Pacific/Apia's
    30 December 2011) has none, and is not counted (see
    [Recurrence][clubrules.booking.Recurrence]), so a series never clashes
    with itself by landing two occurrences on one instant.

    Raises:
        ValidationError: as [BookingRules.check][clubrules.booking.BookingRules.check].
    """
    require_instance(rules, BookingRules, "rules")
    return rules.check_series(request, recurrence, schedule, now=now)
