"""The render model: a push renders only what changed, for whom it changed, and is never wrong.

Every client holds its surface's shared fragments (`room.cache`) and its own
per-viewer fragments (`connection.sent`). After any command, what it holds
must equal a full render made from scratch for that viewer; and a change that
concerns one phone must cost one phone's rendering, not one per phone.
"""

import asyncio

import jinja2

from facilitator.config import Settings
from facilitator.db import make_engine
from facilitator.features import RULES
from facilitator.rooms.auth import Credential, Identity
from facilitator.rooms.broker import MemoryBroker
from facilitator.rooms.connection import Connection, TokenBucket
from facilitator.rooms.hub import Hub, LiveRoom
from facilitator.rooms.log import EventLog
from facilitator.rooms.model import Actor, Role
from facilitator.rooms.render import Renderer
from tests.clock import TestClock

KEY = "render-model-key"
ORGANISATIONS = ["North", "River", "East"]


def make_hub(tmp_path) -> Hub:
    settings = Settings(database_url=f"sqlite:///{tmp_path}/render.db")
    renderer = Renderer(
        jinja2.Environment(loader=jinja2.FileSystemLoader(settings.templates_dir), autoescape=True), RULES.fragments
    )
    # A long interval: the tests push by calling `render` themselves, and move the clock that
    # paces fragments (`Fragment.pace`) themselves.
    return Hub(
        RULES,
        EventLog(make_engine(settings.database_url)),
        MemoryBroker(),
        renderer,
        KEY,
        60,
        clock=TestClock(flowing=False),
    )


class Room:
    """A room with people in it and fake sockets on every surface."""

    def __init__(self, hub: Hub, live: LiveRoom):
        self.hub, self.live = hub, live
        self.identity = Identity(KEY)
        self.people: list[Actor] = []
        self.sockets: list[Connection] = []

    @property
    def code(self) -> str:
        return self.live.code

    async def run(self, actor: Actor, **command) -> dict:
        outcome = await self.hub.execute(self.code, actor, RULES.parse(command))
        return outcome.reply | {"events": outcome.events}

    async def join(self, name: str, organisation: str) -> Actor:
        reply = await self.run(
            Actor(Role.VISITOR),
            type="participant.join",
            name=name,
            organisation=organisation,
            accept_confidentiality=True,
        )
        actor = Actor(Role.PARTICIPANT, reply["participant_id"], self.identity.pseudonym_key(self.code))
        self.people.append(actor)
        return actor

    async def connect(self, actor: Actor, surface: str) -> Connection:
        credential = Credential(actor, link_hash=self.live.state.link_hashes.get(actor.role))
        connection = Connection(None, self.code, credential, surface, 100_000, TokenBucket(10, 10))
        await self.hub.connect(self.live, connection)
        self.sockets.append(connection)
        return connection

    def push(self) -> None:
        """A push, and another once the paced fragments it held back had their turn."""
        self.hub.render(self.live)
        if self.live.held:
            self.later(PACED)

    def later(self, seconds: float) -> None:
        """Time passes, and the fragments held back until then are pushed."""
        self.hub.clock.advance(seconds)
        self.hub.render(self.live)

    def assert_everyone_holds_a_fresh_render(self, after: str) -> None:
        scene = self.hub.scene(self.live)
        renderer = self.hub.renderer
        for surface, held in self.live.cache.items():
            assert held == renderer.shared(surface, scene), f"{surface} is stale after {after}"
        for connection in self.sockets:
            if connection in self.live.connections:
                fresh = renderer.personal(connection.surface, scene, connection.actor)
                assert connection.sent == fresh, f"{connection.actor.participant_id} is stale after {after}"


FACILITATOR = Actor(Role.FACILITATOR)
PACED = max((pace for fragment in RULES.fragments for pace in fragment.pace.values()), default=1.0)
SCRIBE = Actor(Role.SCRIBE)


async def busy_room(tmp_path) -> Room:
    hub = make_hub(tmp_path)
    code, _ = await hub.create(
        RULES.parse({"type": "room.create", "title": "T", "confidentiality": "c", "organisations": ORGANISATIONS})
    )
    room = Room(hub, await hub.open(code))
    for surface, actor in (("console", FACILITATOR), ("screen", Actor(Role.SCREEN)), ("scribe", SCRIBE)):
        await room.connect(actor, surface)
    for i in range(6):
        person = await room.join(f"P{i}", ORGANISATIONS[i % 3])
        await room.connect(person, "phone")
    room.push()
    return room


def test_after_every_kind_of_change_every_client_holds_what_a_full_render_shows(tmp_path):
    async def scenario():
        room = await busy_room(tmp_path)
        p = room.people
        item = (
            await room.run(
                FACILITATOR,
                type="agenda.add",
                kind="case",
                organisation="North",
                presenter="Ana",
                presenter_id=p[0].participant_id,
                presentation_minutes=15,
                qa_minutes=5,
                qa_prompt="What would you try?",
            )
        )["events"][0].data["item"]["id"]
        steps = [
            (FACILITATOR, {"type": "agenda.add", "kind": "discussion", "title": "Open floor", "minutes": 10}),
            (FACILITATOR, {"type": "timer.start", "item_id": item}),
            (FACILITATOR, {"type": "message.show", "text": "Wrap up", "target": "presenter"}),
            (p[1], {"type": "hand.raise", "kind": "comment"}),
            (p[2], {"type": "hand.raise", "kind": "clarify"}),
            (FACILITATOR, {"type": "floor.give", "speaker": p[2].participant_id}),
            (FACILITATOR, {"type": "floor.stop"}),
            (
                FACILITATOR,
                {"type": "poll.create", "kind": "single", "question": "Which?", "options": ["A", "B"], "open": True},
            ),
            (FACILITATOR, {"type": "timer.next"}),
            (p[3], {"type": "question.ask", "text": "Why now?"}),
            (p[4], {"type": "question.ask", "text": "Who pays?", "named": True}),
            (SCRIBE, {"type": "note.post", "text": "Checklists on admission #discharge", "kind": "insight"}),
            (p[0], {"type": "plan.save", "change": "Start the checklist on admission"}),
            (FACILITATOR, {"type": "participant.remove", "participant_id": p[5].participant_id}),
            (FACILITATOR, {"type": "room.lock"}),
        ]
        for actor, command in steps:
            await room.run(actor, **command)
            room.push()
            room.assert_everyone_holds_a_fresh_render(command["type"])
        polls = room.hub.rules.views(room.hub.scene(room.live), FACILITATOR)["polls"]["polls"]
        poll_id = polls[0]["id"]
        for voter, choice in ((p[0], 0), (p[1], 1), (p[0], 1)):
            await room.run(voter, type="poll.answer", poll_id=poll_id, choice=choice)
            room.push()
            room.assert_everyone_holds_a_fresh_render("poll.answer")
        questions = room.hub.rules.views(room.hub.scene(room.live), FACILITATOR)["questions"]["questions"]
        for voter in (p[0], p[1]):
            await room.run(voter, type="question.upvote", question_id=questions[0]["id"])
            room.push()
            room.assert_everyone_holds_a_fresh_render("question.upvote")
        for command in (
            {"type": "question.dismiss", "question_id": questions[1]["id"], "reason": "Off topic"},
            {"type": "poll.close", "poll_id": poll_id},
            {"type": "room.end"},
        ):
            await room.run(FACILITATOR, **command)
            room.push()
            room.assert_everyone_holds_a_fresh_render(command["type"])

    asyncio.run(scenario())


async def hall(tmp_path, phones: int, screen: bool = False) -> Room:
    """A room of one organisation with this many phones connected (and the screen, if asked)."""
    hub = make_hub(tmp_path)
    code, _ = await hub.create(RULES.parse({"type": "room.create", "title": "T", "confidentiality": "c"}))
    room = Room(hub, await hub.open(code))
    if screen:
        await room.connect(Actor(Role.SCREEN), "screen")
    for i in range(phones):
        await room.connect(await room.join(f"P{i}", "Org"), "phone")
    return room


def test_a_vote_in_a_room_of_300_phones_renders_one_phone_not_300(tmp_path):
    async def scenario():
        room = await hall(tmp_path, phones=300, screen=True)
        hub = room.hub
        await room.run(FACILITATOR, type="poll.create", kind="single", question="Which?", options=["A", "B"], open=True)
        room.push()
        poll_id = hub.rules.views(hub.scene(room.live), FACILITATOR)["polls"]["polls"][0]["id"]
        pushed = {connection: len(connection.outbox) for connection in room.sockets}

        before = hub.renderer.work.copy()
        await room.run(room.people[7], type="poll.answer", poll_id=poll_id, choice=1)
        room.push()
        work = hub.renderer.work - before
        assert work["personal"] == 1, work  # the voter's "your answer counted", nobody else's
        assert work["shared"] <= 2, work  # the screen's tally (and the console's, were it open)
        reached = [c for c in room.sockets if len(c.outbox) > pushed[c]]
        assert {c.actor.participant_id or c.surface for c in reached} == {room.people[7].participant_id, "screen"}
        room.assert_everyone_holds_a_fresh_render("a vote")

    asyncio.run(scenario())


def test_a_connect_renders_that_socket_alone_and_presence_is_one_coalesced_push(tmp_path):
    async def scenario():
        room = await hall(tmp_path, phones=300)
        hub = room.hub
        room.push()
        latecomers = [await room.join(f"Late{i}", "Org") for i in range(50)]
        room.push()

        before = hub.renderer.work.copy()
        for person in latecomers:
            await room.connect(person, "phone")
        work = hub.renderer.work - before
        per_viewer = len(hub.renderer.personal_fragments("phone"))
        assert work["personal"] == 50 * per_viewer, work  # each newcomer's own fragments, nobody else's
        # and rendered only where no phone had that context before: their names, not their empty
        # queues, polls and plans
        assert work["personal html"] <= 50 + per_viewer, work
        assert work["shared"] == 0, work  # the phones' shared fragments come from the cache

        before = hub.renderer.work.copy()
        room.push()  # fifty arrivals: one push, and no per-viewer fragment reads who is online
        work = hub.renderer.work - before
        assert work["personal"] == 0, work
        assert work["shared"] <= 2, work
        room.assert_everyone_holds_a_fresh_render("50 connects")

    asyncio.run(scenario())


def test_arrivals_reach_a_hall_of_phones_as_one_counts_push_per_pace_not_one_per_push(tmp_path):
    async def scenario():
        room = await hall(tmp_path, phones=300, screen=True)
        hub = room.hub
        room.push()
        phones = [c for c in room.sockets if c.surface == "phone"]
        screen = next(c for c in room.sockets if c.surface == "screen")

        def pushed() -> dict:
            return {connection: len(connection.outbox) for connection in room.sockets}

        for i in range(3):  # three pushes, each after one more arrival, within the phones' pace
            before = pushed()
            await room.connect(await room.join(f"Late{i}", "Org"), "phone")
            hub.render(room.live)
            reached = {c for c in room.sockets if len(c.outbox) > before.get(c, 0)}
            assert screen in reached, "the staff see every arrival"
            assert not reached & set(phones), "the phones were told of an arrival within their pace"
            room.hub.clock.advance(0.5)

        before = pushed()
        room.later(PACED)  # the pace is over: one push brings every phone the counts
        assert all(len(c.outbox) == before[c] + 1 for c in phones)
        assert all('data-count="joined">303<' in c.outbox[-1] for c in phones)
        room.assert_everyone_holds_a_fresh_render("three arrivals")

    asyncio.run(scenario())


def test_an_arrival_renders_the_staff_lists_once_a_push_and_one_row_of_each(tmp_path):
    async def scenario():
        room = await hall(tmp_path, phones=300, screen=True)
        for surface, actor in (("console", FACILITATOR), ("scribe", SCRIBE)):
            await room.connect(actor, surface)
        room.push()
        hub = room.hub

        before = hub.renderer.work.copy()
        await room.connect(await room.join("Late", "Org"), "phone")
        room.push()
        work = hub.renderer.work - before
        # The roster, the speaking times and the two forms that offer
        # everyone as a choice: each rendered once, and of their 301 rows only the newcomer's.
        for fragment in ("roster", "voice-people", "floor-console", "agenda-add"):
            assert work[f"shared:{fragment}"] == 1, work
        assert work["row"] == 3, work  # a roster row, a speaking-time row, a choice
        room.assert_everyone_holds_a_fresh_render("an arrival")

    asyncio.run(scenario())
