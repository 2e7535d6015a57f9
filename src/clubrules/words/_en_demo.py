"""The English text of the command line and of `clubrules demo`, by key."""

MESSAGES: dict[str, str] = {
    # the frame of the story
    "demo.intro": "clubrules demo: a spring at the Lotus salon (莲花美容会所), rule by rule.",
    "demo.stored_in": "Everything is stored in {where} (schema version {version}).",
    "demo.temporary_file": "a temporary SQLite file",
    "demo.chapter.database": "The database",
    "demo.tables": "What the story left in SQLite, table by table:",
    "demo.rows.one": "{count:>5} row",
    "demo.rows.other": "{count:>5} rows",
    "demo.kept": "Kept: {path}. Open it with any SQLite client.",
    "demo.deleted": "The temporary file is deleted now. Keep it with --database PATH.",
    "demo.done": "Done.",
    # customers
    "demo.chapter.customers": "Customers: one phone number, parsed once",
    "demo.customers.typed": (
        "The front desk typed a number with {typed} characters; it is stored in E.164 "
        "({stored} characters, region {region})."
    ),
    "demo.customers.masked": "Shown on screen and in logs only masked: {masked}",
    "demo.customers.found": "Looked up by a differently written number: {found}",
    "demo.customers.winter": (
        "{regulars} regulars came over the winter: {stored} purchases stored, "
        "money as exact decimals."
    ),
    "demo.customers.march": "Customer c-001's March ({zone} time):",
    "demo.customers.record": "  {kind:>8}: {service}, {amount}",
    "demo.customers.kind.purchase": "purchase",
    "demo.customers.kind.refund": "refund",
    "demo.customers.net": "Net spend: {spend} (purchases minus refunds; redemptions never count)",
    "demo.service.facial": "hydrating facial",
    "demo.service.massage_package": "10-session massage package",
    "demo.service.colour_package": "annual colour-and-care package",
    # calendar
    "demo.chapter.calendar": "Calendar: a deadline in business hours, across the Spring Festival",
    "demo.calendar.open": "Open Monday to Saturday, 10:00-21:00.",
    "demo.calendar.closed": (
        "Closed {first} to {last} for the Spring Festival; "
        "{make_up} is worked to make up for it (调休)."
    ),
    "demo.calendar.complaint": "A complaint that comes in on {registered} must be answered",
    "demo.calendar.within": "within {hours} (the club documents say 24 hours; the salon",
    "demo.calendar.counts": "counts them while it is open).",
    "demo.calendar.deadline": "Deadline: {due}, {days} later.",
    "demo.calendar.between": "Open time between them: {hours}.",
    # booking
    "demo.chapter.booking": "Booking: check the request, and on a conflict offer other times",
    "demo.booking.facial": (
        "Sunday evening (the make-up working day), {desk} booked c-001's facial for Monday "
        "10:30 with {staff}."
    ),
    "demo.booking.colour": (
        "Monday 09:00: a colour with Li at 14:00 in {room}; the confirmation code has "
        "{length} characters (random, with a check character)."
    ),
    "demo.booking.reminder": "Reminder {before} before, outside quiet hours: {at}",
    "demo.booking.refused": (
        "Another colour with Li at 15:00 in room-1, asked at 13:30: refused, because"
    ),
    "demo.booking.window": " ({start}-{end})",
    "demo.booking.reason": "  - {code}: {text}{window}",
    "demo.booking.gap": (
        "  Why two windows: Li works on bk-0302-1 from 14:00 to 14:30, is free while the"
        " colour processes for 40 minutes, and works again 15:10-15:30;\n"
        "  the room stays taken through the processing and the 10-minute clean-up,"
        " 14:00-15:40. Staff are released during processing, rooms are not."
    ),
    "demo.booking.offered": "Offered instead:",
    "demo.booking.same_room": "same room",
    "demo.booking.in_room": "in {room}",
    "demo.booking.slot": "  - {start}-{end} with Li, {room}",
    "demo.booking.twin": (
        "A second desk, working from a stale screen, tries Li at 14:00 too: SQLite "
        "refuses it ({clashes} clash(es)); nothing is double-booked."
    ),
    "demo.booking.month": (
        "The rest of March at the desk: {booked} facials booked by {desk}; {served} served, "
        "{no_shows} no-shows, {late} late and {timely} timely cancellations."
    ),
    "demo.booking.none_settled": "none settled",
    "demo.booking.rate": (
        "Read back from SQLite: {desk}'s booking success rate for March is "
        "{completed}/{settled} = {rate} (timely cancellations left out)."
    ),
    "demo.yes": "yes",
    "demo.no": "no",
    # privacy
    "demo.chapter.privacy": "Privacy: sealed allergies, a refused read, an audited read",
    "demo.privacy.consent": (
        "Customer {name} ({phone}) gave separate consent in January "
        "to use her allergies for service delivery."
    ),
    "demo.privacy.sealed": (
        "Her allergy record is sealed into her customer row: {sealed}, AES-256-GCM under "
        "her own data key {key}."
    ),
    "demo.privacy.column": (
        "The SQLite column holds {size} bytes of ciphertext; plaintext found in it: {found}."
    ),
    "demo.privacy.refused": "Front desk cs-02 asks to read them: refused ({reason}).",
    "demo.privacy.read": (
        "Beautician st-wang reads them before the 10:30 facial: {count} allergies, "
        "shown in logs as {shown}."
    ),
    "demo.privacy.log": "The access log in SQLite answers who read her allergies, when and why:",
    "demo.privacy.outcome_read": "read",
    "demo.privacy.outcome_refused": "refused ({reason})",
    "demo.privacy.event": "  {at}  {actor} ({role}) for {purpose}: {outcome}",
    # complaints
    "demo.chapter.complaints": (
        "Complaints: 24 hours to respond, 7 days to resolve, on business hours"
    ),
    "demo.complaints.no_resolution": "no resolution target",
    "demo.complaints.registered": "Registered by WeChat on {at}, assigned to {desk}.",
    "demo.complaints.festival": "  {status} (the festival is closed time)",
    "demo.complaints.status": "  {status}",
    "demo.complaints.paused": (
        "{desk} called back the next morning and asked which day it happened: paused."
    ),
    "demo.complaints.answered": "The customer answered after the festival; paused for {paused}.",
    "demo.complaints.closed": " (closed: reminders wait)",
    "demo.complaints.nothing_due": "nothing due",
    "demo.complaints.clock": "Clock check {at}{closed}: {alerts}",
    "demo.complaints.substantiated": (
        "Substantiated: resolved with a remedy, {compensation} compensation and an apology."
    ),
    "demo.complaints.reopened": (
        "Follow-up call: not satisfied, within the reopen window, so the case is {state} again."
    ),
    "demo.complaints.closed_case": "Resolved again on {resolved}; follow-up on {followed}: {state}.",
    "demo.complaints.stored": "Stored in SQLite as {events} events; replayed under {policy} v1.",
    "demo.complaints.second": "A second case, {case} by phone: answered the next day, but resolved",
    "demo.complaints.late": "  late: {status}.",
    # tiering
    "demo.chapter.tiering": "Tiering: the month-end run, RFM segments and tier decisions",
    "demo.tiering.tier": "{name:>7}: reached at {qualify} CNY net spend, kept at review with {keep} CNY",
    "demo.tiering.summaries": (
        "{count} customers summarised by one SQL aggregate over the last {window} "
        "(refunds subtracted)."
    ),
    "demo.tiering.header": "customer  visits   net spend  RFM  segment              tier",
    "demo.tiering.moved": " <- {previous} ({reason})",
    "demo.tiering.changes": "{changes} tier changes at the {review} review; upgrades also happen",
    "demo.tiering.between": "at once between reviews, downgrades only at a review.",
    # care
    "demo.chapter.care": "Care: churn early warning and the week's care tasks",
    "demo.care.rule": (
        "The {rule} rule compares the last {recent} with the {baseline} before them "
        "({count} customers with a baseline)."
    ),
    "demo.care.warning": "{customer}: {baseline} visits, then {recent}: {text}",
    "demo.care.severity": "  severity {severity}; suggested care: {action}",
    "demo.care.stored": (
        "{stored} follow-up task(s) stored; run again {later} later: {again} warnings "
        "({days}-day cooldown, read back from SQLite)."
    ),
    "demo.care.skin_check": "skin check after the facial",
    "demo.care.colour_check": "colour check",
    "demo.care.week": (
        "The first week of April, read back from SQLite (closed on Sundays: a greeting"
    ),
    "demo.care.week_more": "due on one moves to the Saturday before):",
    # staff
    "demo.chapter.staff": "Staff: a score sheet out of 100, and what two failures bring",
    "demo.staff.rubric": (
        "The seed rubric: work attitude 30, business capability 40, work performance 30."
    ),
    "demo.staff.bookings": (
        "From SQLite: {completed} of {settled} settled bookings she took were served;"
    ),
    "demo.staff.targets": (
        "of the SLA targets of her {cases} complaints that ended in March, {achieved} "
        "were met and {breached} breached."
    ),
    "demo.staff.reward": "a reward is recommended",
    "demo.staff.excellent": "excellent starts at {excellent}",
    "demo.staff.march": "March: {total} -> {band}; {reward}.",
    "demo.staff.suppose": "Suppose April and May go badly (figures given, not computed):",
    "demo.staff.april": ("April: {total} -> {band}. Warning talk recorded; improve by {deadline}."),
    "demo.staff.may": "May: {total} -> {band}, the second failed cycle in a row.",
    "demo.staff.flags": "The library only flags the review, with both sheets and the warning;",
    "demo.staff.decides": "the club's manager reads the evidence and decides.",
    # training
    "demo.chapter.training": "Training: who is behind, the budget, and what complaints suggest",
    "demo.training.read": (
        "{sessions} March sessions and {records} attendance records, read back from SQLite."
    ),
    "demo.training.rules": (
        "Rules: induction within {days} business days, service training twice a month,"
    ),
    "demo.training.rules_more": "safety every quarter, privacy every year. As of {at}:",
    "demo.training.kpi": (
        "{desk}: {met} of {total} obligations met on time; a rubric may score that "
        "(see the how-to)."
    ),
    "demo.training.topic.hygiene": "hygiene standards",
    "demo.training.topic.waiting": "keeping to booked times",
    "demo.training.topic.sla": "complaint handling on time",
    "demo.training.suggests": "From the {cases} stored complaint cases, March suggests:",
    # activities
    "demo.chapter.activities": "Activities: the spring member event for the gold and silver tiers",
    "demo.activities.planned": (
        "{name} ({kind} event), {start}-{end}, {capacity} seats, a waitlist of {waitlist}: "
        "booked as {booking} on room-2 with st-wang hosting."
    ),
    "demo.activities.refused": "A facial trial an hour later is refused: {taken} already taken.",
    "demo.activities.audience": "Audience from the stored records' tiers: {audience}.",
    "demo.activities.invitations": "Invitations due {due} as care tasks: {invited}",
    "demo.activities.invited": "{customer} (consent {consent})",
    "demo.activities.not_invited": "  not invited: {customer} ({reason})",
    "demo.activities.sign_ups": "Sign-ups: {roster}",
    "demo.activities.change": "  {at}: {customer} {status}",
    "demo.activities.door": "At the door: {roster}",
    "demo.activities.record": "c-003's participation record: {record}",
    "demo.activities.figures": (
        "Figures on {on}: invited {invited}, signed up {signed_up}, attended {attended}, "
        "no-shows {no_shows}, attendance {rate}%."
    ),
    "demo.activities.satisfaction": (
        "Satisfaction from {responses} attendee surveys: score {score} of 100, CSAT {csat}%."
    ),
    "demo.activities.so_far": " (so far)",
    "demo.activities.spend": (
        "Spend per customer over {days}{so_far}: invited {invited}, "
        "audience not invited ({count}) {other}."
    ),
    # the command line
    "cli.sep": "; ",
    "cli.tier.review": "the {review} review applies: downgrades are considered",
    "cli.tier.no_review": "no review due (next {next}): upgrades only",
    "cli.tier.head": "{path}: {customers}, {days} through {day} ({zone}); spend in {currency}",
    "cli.tier.customers.one": "{count} customer",
    "cli.tier.customers.other": "{count} customers",
    "cli.tier.program": "Tiers on {days}-day spend; {when}.",
    "cli.tier.columns": "CUSTOMER|DAYS|VISITS|SPEND|RFM|SEGMENT|TIER",
    "cli.tier.change": "{count} tier change",
    "cli.tier.changes": "{count} tier changes",
    "cli.tier.warning": "{count} churn warning",
    "cli.tier.warnings": "{count} churn warnings",
    "cli.tier.warning_columns": "CUSTOMER|SEVERITY|ACTION|WHY",
    "cli.check.summary": "{path}: {bookings} on {resources}",
    "cli.check.bookings.one": "{count} booking",
    "cli.check.bookings.other": "{count} bookings",
    "cli.check.resources.one": "{count} resource",
    "cli.check.resources.other": "{count} resources",
    "cli.check.none": "{summary}; no conflicts",
    "cli.check.found.one": "{summary}; {count} conflict (times in {zone})",
    "cli.check.found.other": "{summary}; {count} conflicts (times in {zone})",
    "cli.check.columns": "RESOURCE|BOOKINGS (LINES)|FROM|TO|",
    "cli.check.overlap": "overlap",
    "cli.check.over_capacity": "{peak} at once, capacity {capacity}",
}
