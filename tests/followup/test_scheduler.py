"""Check-ins open on the server's clock weeks or months after the exchange: once across two
servers sharing one database, and after a restart long past the days recent rooms are revived for.

Real servers in threads on one clock the test moves on; the log is read straight from the database.
"""

from tests.clock import eventually, stays
from tests.live import command, create_room, join, ok, running_server, state_of
from tests.timers.test_scheduler import of_type, read_log

DAY = 24 * 3600.0


def ended_with_a_plan_and_check_ins(base: str) -> dict:
    room = create_room(base, timezone="Europe/London")
    ana = join(base, room["code"], "Ana", "St Mary's")
    saved = command(base, room["code"], ana["token"], type="plan.save", change="Open a discharge lounge")
    assert saved.status_code == 200, saved.text
    ok(base, room, type="room.end")
    ok(base, room, type="checkin.schedule", after=["30d", "90d"])
    return room


def opened(url: str, code: str) -> list[dict]:
    return of_type(read_log(url, code), "checkin.opened")


def test_a_check_in_opens_once_when_two_servers_watch_the_same_room(settings, clock):
    with running_server(settings, clock) as a, running_server(settings, clock) as b:
        room = ended_with_a_plan_and_check_ins(a)
        for base in (a, b):  # both have the room loaded, so both schedule its check-ins
            assert len(state_of(base, room)["followup"]["checkins"]) == 2
        clock.advance(31 * DAY)
        first = eventually(lambda: opened(settings.database_url, room["code"]), timeout=3)
        clock.advance(1)
        stays(lambda: len(opened(settings.database_url, room["code"])) == 1)
        log = read_log(settings.database_url, room["code"])
        assert [e["seq"] for e in log] == list(range(1, len(log) + 1))
        assert first[0]["data"]["checkin_id"] == state_of(a, room)["followup"]["checkins"][0]["id"]


def test_after_a_restart_months_later_the_check_ins_of_an_old_room_open_by_themselves(settings, clock):
    with running_server(settings, clock) as base:
        room = ended_with_a_plan_and_check_ins(base)
    url = settings.database_url
    clock.advance(40 * DAY)  # far beyond revive_days; the 30-day check-in passed while the server was down
    with running_server(settings, clock):
        # Nobody asks for the room: the server loads it because it is followed up.
        eventually(lambda: len(opened(url, room["code"])) == 1, timeout=3)
        clock.advance(60 * DAY)
        eventually(lambda: len(opened(url, room["code"])) == 2, timeout=3)
        clock.advance(DAY)
        stays(lambda: len(opened(url, room["code"])) == 2)
