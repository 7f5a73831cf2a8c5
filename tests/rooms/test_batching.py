"""Group commit: a room's commands are written in batches, one transaction each, on SQLite and PostgreSQL.

These tests count work (transactions, conflicts), not time. Every test on
PostgreSQL uses fresh room codes: other test processes may share that database.
"""

import asyncio
from collections import Counter
from contextlib import asynccontextmanager

import jinja2
import pytest
from sqlalchemy.exc import OperationalError
from starlette.websockets import WebSocketState

from facilitator.config import Settings
from facilitator.db import make_engine
from facilitator.features import RULES
from facilitator.rooms.auth import Credential
from facilitator.rooms.broker import MemoryBroker
from facilitator.rooms.connection import Connection, TokenBucket
from facilitator.rooms.hub import Hub
from facilitator.rooms.log import Batch, EventLog, SeqConflict
from facilitator.rooms.model import Actor, CommandError, Role
from facilitator.rooms.render import Renderer
from tests.services import postgres_or_missing

FACILITATOR = Actor(Role.FACILITATOR)
VOTERS = 40


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path) -> str:
    if request.param == "postgres":
        return postgres_or_missing()
    return f"sqlite:///{tmp_path}/batching.db"


def make_hub(database_url: str) -> Hub:
    settings = Settings(database_url=database_url, secret_key="k", redis_url=None)
    renderer = Renderer(jinja2.Environment(loader=jinja2.FileSystemLoader(settings.templates_dir)), RULES.fragments)
    return Hub(RULES, EventLog(make_engine(database_url)), MemoryBroker(), renderer, "k")


def count_batches(hub: Hub, gate=None) -> Counter:
    """Count the hub's transactions on the log and the conflicts they met; with a gate (a
    coroutine function), the first transaction awaits it before it decides anything."""
    tally = Counter()
    batch = hub.log.batch

    @asynccontextmanager
    async def counting(code, after):
        tally["transactions"] += 1
        try:
            async with batch(code, after) as writing:
                if gate is not None and tally["transactions"] == 1:
                    await gate()
                yield writing
        except SeqConflict:
            tally["conflicts"] += 1
            raise

    hub.log.batch = counting
    return tally


async def room_with_an_open_poll(hub: Hub, voters: int) -> tuple[str, str, list[Actor]]:
    code, _ = await hub.create(RULES.parse({"type": "room.create", "title": "T", "confidentiality": "c"}))
    people = []
    for i in range(voters):
        joined = await hub.execute(
            code,
            Actor(Role.VISITOR),
            RULES.parse(
                {"type": "participant.join", "name": f"P{i}", "organisation": "Org", "accept_confidentiality": True}
            ),
        )
        people.append(Actor(Role.PARTICIPANT, joined.reply["participant_id"], "pseudonym-key"))
    created = await hub.execute(
        code,
        FACILITATOR,
        RULES.parse(
            {"type": "poll.create", "kind": "single", "question": "Which first?", "options": ["A", "B"], "open": True}
        ),
    )
    return code, created.reply["poll_id"], people


def vote(poll_id: str, choice: int, id: str | None = None):
    return RULES.parse({"type": "poll.answer", "poll_id": poll_id, "choice": choice, **({"id": id} if id else {})})


def dispose(*hubs: Hub) -> None:
    for hub in hubs:
        hub.log.engine.dispose()


def test_concurrent_votes_take_fewer_transactions_than_votes_and_each_is_acknowledged_once(database_url):
    async def scenario():
        hub = make_hub(database_url)
        try:
            code, poll_id, people = await room_with_an_open_poll(hub, VOTERS)
            tally = count_batches(hub)
            outcomes = await asyncio.gather(
                *(hub.execute(code, person, vote(poll_id, i % 2)) for i, person in enumerate(people))
            )
            assert tally["transactions"] < VOTERS
            start = outcomes[0].seq
            assert [o.seq for o in outcomes] == list(range(start, start + VOTERS))  # in the order sent
            assert all(len(o.events) == 1 and not o.duplicate for o in outcomes)
            events = await hub.log.read(code)
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert hub.rooms[code].state == RULES.fold(code, events)
        finally:
            dispose(hub)

    asyncio.run(scenario())


def test_two_hubs_on_one_postgres_database_wait_for_each_other_instead_of_colliding():
    url = postgres_or_missing()

    async def scenario():
        one, two = make_hub(url), make_hub(url)
        try:
            code, poll_id, people = await room_with_an_open_poll(one, VOTERS)
            await two.open(code)
            tallies = [count_batches(one), count_batches(two)]
            # Neither hub hears the other's broker: only the log tells each what the other wrote.
            outcomes = await asyncio.gather(
                *((one, two)[i % 2].execute(code, person, vote(poll_id, i % 2)) for i, person in enumerate(people))
            )
            assert sum(t["conflicts"] for t in tallies) == 0
            assert sum(t["transactions"] for t in tallies) < VOTERS
            events = await one.log.read(code)
            assert [e.seq for e in events] == list(range(1, len(events) + 1))
            assert sorted(o.seq for o in outcomes) == [e.seq for e in events if e.type == "poll.answered"]
            assert len({o.seq for o in outcomes}) == VOTERS
            for hub in (one, two):
                await hub.catch_up(hub.rooms[code])
            assert one.rooms[code].state == two.rooms[code].state == RULES.fold(code, events)
        finally:
            dispose(one, two)

    asyncio.run(scenario())


def test_a_facilitators_command_goes_first_in_the_next_batch(tmp_path):
    async def scenario():
        hub = make_hub(f"sqlite:///{tmp_path}/priority.db")
        try:
            code, poll_id, people = await room_with_an_open_poll(hub, 6)
            gate = asyncio.Event()
            count_batches(hub, gate.wait)
            first = asyncio.create_task(hub.execute(code, people[0], vote(poll_id, 0)))
            await asyncio.sleep(0.05)  # its batch is open, waiting at the gate
            votes = [asyncio.create_task(hub.execute(code, person, vote(poll_id, 1))) for person in people[1:]]
            await asyncio.sleep(0)
            close = asyncio.create_task(
                hub.execute(code, FACILITATOR, RULES.parse({"type": "poll.close", "poll_id": poll_id}))
            )
            await asyncio.sleep(0)
            gate.set()
            assert len((await first).events) == 1
            assert (await close).events[0].seq == (await first).seq + 1
            for refused in await asyncio.gather(*votes, return_exceptions=True):
                assert isinstance(refused, CommandError) and refused.message == "This poll is closed."
        finally:
            dispose(hub)

    asyncio.run(scenario())


def test_a_refusal_or_a_repeat_in_a_batch_leaves_the_rest_of_the_batch_alone(tmp_path):
    async def scenario():
        hub = make_hub(f"sqlite:///{tmp_path}/refusal.db")
        try:
            code, poll_id, people = await room_with_an_open_poll(hub, 3)
            tally = count_batches(hub)
            results = await asyncio.gather(
                hub.execute(code, people[0], vote(poll_id, 0, id="same-vote-id-0001")),
                hub.execute(code, people[1], vote(poll_id, 7)),  # no such option
                hub.execute(code, people[0], vote(poll_id, 0, id="same-vote-id-0001")),
                hub.execute(code, people[2], vote(poll_id, 1)),
                return_exceptions=True,
            )
            assert tally["transactions"] == 1
            first, refused, repeated, last = results
            assert isinstance(refused, CommandError)
            assert not first.duplicate and repeated.duplicate and repeated.seq == first.seq
            assert last.seq == first.seq + 1
            assert [e.type for e in (await hub.log.read(code))[-2:]] == ["poll.answered", "poll.answered"]
        finally:
            dispose(hub)

    asyncio.run(scenario())


def test_a_failed_commit_acknowledges_nothing_and_leaves_the_state_equal_to_the_log(database_url, monkeypatch):
    async def scenario():
        hub = make_hub(database_url)
        try:
            code, poll_id, people = await room_with_an_open_poll(hub, 8)
            room = hub.rooms[code]
            commit = Batch.commit

            async def failing(self, events):  # the transaction is rolled back, as when a commit fails
                raise OperationalError("INSERT", {}, ConnectionError("the database went away"))

            monkeypatch.setattr(Batch, "commit", failing)
            results = await asyncio.gather(
                *(hub.execute(code, person, vote(poll_id, 0)) for person in people), return_exceptions=True
            )
            assert all(isinstance(r, OperationalError) for r in results), results
            events = await hub.log.read(code)
            assert not any(e.type == "poll.answered" for e in events)
            assert room.state == RULES.fold(code, events) and not room.stale

            monkeypatch.setattr(Batch, "commit", commit)
            again = await asyncio.gather(*(hub.execute(code, person, vote(poll_id, 0)) for person in people))
            assert [o.seq for o in again] == list(range(events[-1].seq + 1, events[-1].seq + 9))
            assert room.state == RULES.fold(code, await hub.log.read(code))
        finally:
            dispose(hub)

    asyncio.run(scenario())


def test_a_fault_while_folding_a_batch_fails_the_batch_and_takes_its_events_back(tmp_path, monkeypatch):
    async def scenario():
        hub = make_hub(f"sqlite:///{tmp_path}/fault.db")
        try:
            code, poll_id, people = await room_with_an_open_poll(hub, 4)
            room = hub.rooms[code]
            fold, folded = hub._fold, []

            def faulty(room_, event):  # the first vote is folded, then the fault
                fold(room_, event)
                folded.append(event)
                if len(folded) == 1:
                    raise RuntimeError("a bug in an applier")

            monkeypatch.setattr(hub, "_fold", faulty)
            results = await asyncio.gather(
                *(hub.execute(code, person, vote(poll_id, 0)) for person in people), return_exceptions=True
            )
            assert all(isinstance(r, RuntimeError) for r in results), results
            events = await hub.log.read(code)
            assert not any(e.type == "poll.answered" for e in events)
            assert room.state == RULES.fold(code, events)
        finally:
            dispose(hub)

    asyncio.run(scenario())


class RecordingSocket:
    """Stands in for a phone's WebSocket: notes when something reaches it."""

    application_state = WebSocketState.CONNECTED

    def __init__(self, order: list[str]):
        self.order = order

    async def send_text(self, text: str) -> None:
        self.order.append(text)


def test_a_batchs_acknowledgements_reach_the_sockets_before_the_push_it_causes_starts(tmp_path):
    async def scenario():
        hub = make_hub(f"sqlite:///{tmp_path}/order.db")
        try:
            code, poll_id, people = await room_with_an_open_poll(hub, 5)
            await asyncio.sleep(0.3)  # every push of the setup is done
            order: list[str] = []
            render = hub.render
            hub.render = lambda room: (order.append("push"), render(room))
            sockets = [
                Connection(RecordingSocket(order), code, Credential(person), "phone", 100, TokenBucket(10, 10))
                for person in people
            ]

            async def as_the_socket_handler_does(person, socket):
                await hub.execute(code, person, vote(poll_id, 0))
                socket.push("ack")

            await asyncio.gather(*(as_the_socket_handler_does(p, s) for p, s in zip(people, sockets, strict=True)))
            await asyncio.sleep(0.2)
            assert order == ["ack"] * 5 + ["push"]
        finally:
            dispose(hub)

    asyncio.run(scenario())
