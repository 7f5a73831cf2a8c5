"""When things fall due after an exchange: pure functions of the room's state.

Dates are calendar days in the exchange's time zone (a room setting; UTC for an exchange
created before it had one). "30d" is thirty days after the exchange's date, "12m" the same
day twelve months later (the 31st becomes the month's last day). A check-in opens at
CHECKIN_HOUR on its day, in that zone; a milestone is overdue once its day has passed there.
"""

import calendar
import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from facilitator.followup.model import followup_of
from facilitator.rooms.model import RoomState

CHECKIN_HOUR = 9
AFTER = re.compile(r"^(\d{1,3})([dm])$")


def zone_of(state: RoomState) -> ZoneInfo:
    return ZoneInfo(state.timezone or "UTC")


def day_of(ms: int, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone).date()


def exchange_day(state: RoomState) -> date:
    """The exchange's date: as the facilitator set it, else the day it ended, else the day it was created."""
    chosen = followup_of(state).date
    if chosen:
        return date.fromisoformat(chosen)
    return day_of(state.ended_at or state.created_at or 0, zone_of(state))


def later(day: date, after: str) -> date:
    """`day` moved on by "30d" (days) or "12m" (calendar months)."""
    match = AFTER.match(after)
    if match is None:
        raise ValueError(f"not a length of time: {after!r}")
    count, unit = int(match.group(1)), match.group(2)
    if unit == "d":
        return day + timedelta(days=count)
    months = day.month - 1 + count
    year, month = day.year + months // 12, months % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_day(state: RoomState, after: str) -> date:
    return later(exchange_day(state), after)


def opens_at_ms(state: RoomState, after: str) -> int:
    """When a check-in `after` the exchange opens: CHECKIN_HOUR on its day, in the exchange's zone."""
    local = datetime.combine(due_day(state, after), time(CHECKIN_HOUR), tzinfo=zone_of(state))
    return int(local.timestamp() * 1000)


def today(state: RoomState, now_ms: int) -> date:
    return day_of(now_ms, zone_of(state))


def describe(after: str) -> str:
    """ "30d" as "30-day", "12m" as "12-month": how a check-in is named."""
    match = AFTER.match(after)
    if match is None:
        return after
    return f"{int(match.group(1))}-{'day' if match.group(2) == 'd' else 'month'}"
