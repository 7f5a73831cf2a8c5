"""The live pipeline of DESIGN.md: command -> decide -> append -> publish -> apply -> render.

One `Hub` per process. It keeps each active room's folded state in memory,
serialises that room's commands with one lock, subscribes once per room to
the broker, and pushes changed fragments to the room's connections at most
once per render interval, however many events arrive in between.
"""

import asyncio
import logging
import os
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Protocol

from facilitator.rooms.broker import Broker
from facilitator.rooms.connection import CLOSE_POLICY, Connection
from facilitator.rooms.feature import Deadline, Rules
from facilitator.rooms.log import EventLog, SeqConflict
from facilitator.rooms.model import Actor, Command, CommandError, Context, Event, Role, RoomState
from facilitator.rooms.presence import Presence
from facilitator.rooms.render import Renderer
from facilitator.rooms.secrets import keyed_hash, new_room_code
from facilitator.rooms.throttle import Throttle, throttled
from facilitator.rooms.views import Scene

log = logging.getLogger(__name__)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass
class Outcome:
    """What a command did: the events it appended (or first appended, if repeated)."""

    events: list[Event]
    reply: dict[str, Any] = field(default_factory=dict)
    duplicate: bool = False

    @property
    def seq(self) -> int | None:
        return self.events[-1].seq if self.events else None


async def create_room(rules: Rules, log_: EventLog, command: Command) -> tuple[str, Outcome]:
    """Reserve a fresh code and run `room.create` as its first event."""
    for _ in range(20):
        code = new_room_code()
        if await log_.reserve(code, now_ms()):
            break
    else:
        raise CommandError("Could not find a free room code; please try again.", status=503)
    ctx = Context(now_ms(), os.urandom(32))
    decision = rules.decide(rules.new_state(code), Actor(Role.VISITOR), command, ctx)
    events = await log_.append(code, 0, decision.events, ctx.now_ms)
    return code, Outcome(events, decision.reply)


class Alarms(Protocol):
    def sync(self, room: str, deadlines: list[Deadline]) -> None: ...


class NoAlarms:
    """For a hub that fires no deadlines (tools and tests that do not need them)."""

    def sync(self, room: str, deadlines: list[Deadline]) -> None:
        pass


class LiveRoom:
    def __init__(self, state: RoomState):
        self.state = state
        self.lock = asyncio.Lock()
        self.connections: set[Connection] = set()
        self.sent: dict[str, dict[str, str]] = defaultdict(dict)  # surface -> id -> html
        self.render_due = False
        self.last_render = 0.0

    @property
    def code(self) -> str:
        return self.state.code


class Hub:
    def __init__(self, rules: Rules, log_: EventLog, broker: Broker, renderer: Renderer,
                 signing_key: str, render_interval: float = 0.1, alarms: "Alarms | None" = None,
                 throttle: Throttle | None = None):
        self.rules = rules
        self.alarms = alarms or NoAlarms()
        # Without one, only commands' own limits hold (three questions a minute).
        self.throttle = throttle or Throttle()
        self.log = log_
        self.broker = broker
        self.renderer = renderer
        self.signing_key = signing_key
        self.render_interval = render_interval
        self.node = uuid.uuid4().hex[:12]
        self.presence = Presence(broker, self.node)
        self.rooms: dict[str, LiveRoom] = {}
        # Only the codes being loaded right now: a scan of unknown codes leaves nothing behind.
        self._opening: dict[str, asyncio.Task[LiveRoom]] = {}
        self._tasks: set[asyncio.Task] = set()
        broker.on_resync = self.resync

    # -- rooms -------------------------------------------------------------

    async def open(self, code: str) -> LiveRoom:
        """The live room for a code, rebuilt from its log on first use.

        Everyone asking for a room while it loads waits for that one load, which then
        leaves `_opening`, whether the room exists or not.
        """
        room = self.rooms.get(code)
        if room is not None:
            return room
        loading = self._opening.get(code)
        if loading is None:
            loading = asyncio.get_running_loop().create_task(self._load(code))
            self._opening[code] = loading
            loading.add_done_callback(lambda done: self._loaded(code, done))
        # Shielded: a client that goes away must not cancel a load that others are waiting for.
        return await asyncio.shield(loading)

    def _loaded(self, code: str, done: asyncio.Task[LiveRoom]) -> None:
        self._opening.pop(code, None)
        if not done.cancelled():
            done.exception()  # retrieved here too, in case every waiter went away

    async def _load(self, code: str) -> LiveRoom:
        state = self.rules.fold(code, await self.log.read(code))
        if not state.exists:
            raise CommandError("There is no exchange with this code.", status=404)
        room = LiveRoom(state)
        self.alarms.sync(code, self.rules.deadlines(state))
        await self.broker.subscribe(f"room:{code}", lambda message: self._receive(room, message))
        await self.presence.load(code)
        self.rooms[code] = room
        await self._catch_up(room)  # events appended between the read and the subscription
        return room

    async def create(self, command: Command) -> tuple[str, Outcome]:
        return await create_room(self.rules, self.log, command)

    @throttled  # answers a flood before the room's lock is taken
    async def execute(self, code: str, actor: Actor, command: Command) -> Outcome:
        room = await self.open(code)
        key = keyed_hash(self.signing_key, f"{actor.key}:{command.id}") if command.id else None
        async with room.lock:
            while True:
                if key is not None and key in room.state.applied:
                    return Outcome(await self._first_result(room, key), duplicate=True)
                ctx = Context(now_ms(), os.urandom(32))
                decision = self.rules.decide(room.state, actor, command, ctx)
                if not decision.events:
                    return Outcome([], decision.reply)
                try:
                    events = await self.log.append(code, room.state.seq, decision.events, ctx.now_ms, key)
                except SeqConflict:
                    await self._read_missed(room)  # another process wrote first: decide again
                    continue
                self._apply(room, events)
                self._publish(room, {"kind": "events", "events": [e.to_json() for e in events]})
                return Outcome(events, decision.reply)

    async def fire(self, code: str, command: dict) -> None:
        """Run a deadline's command as the server itself; a stale or repeated one changes nothing."""
        try:
            await self.execute(code, Actor(Role.SYSTEM), self.rules.parse(command))
        except CommandError as error:
            log.debug("deadline %s in room %s: %s", command.get("id"), code, error.message)

    async def revive(self, since_ms: int) -> None:
        """Load the rooms created since `since_ms`, so their deadlines are scheduled again.

        Each room on its own: one whose log cannot be loaded or folded is logged and
        left out (it is tried again when someone opens it), and the others come back.
        """
        for code in await self.log.rooms_since(since_ms):
            try:
                await self.open(code)
            except Exception as error:  # noqa: BLE001 - one bad room must not stop the server
                log.error("room %s was not revived: %s: %s", code, type(error).__name__, error)

    def _publish(self, room: LiveRoom, message: dict) -> None:
        """Tell the other nodes, without waiting for the broker. The events are in the
        log already, so a broker that is slow or down must neither slow the room nor
        turn an acknowledged command into an error: other nodes read what they missed
        at their next gap or resynchronisation. Queued under the room's lock, so the
        room's messages leave in the order of its log (see rooms/outbox.py)."""
        self.broker.send(f"room:{room.code}", message)

    async def _first_result(self, room: LiveRoom, key: str) -> list[Event]:
        first = room.state.applied[key]
        events = await self.log.read(room.code, after=first - 1, limit=50)
        return [e for e in events if e.command_key == key]

    def _apply(self, room: LiveRoom, events: list[Event]) -> None:
        for event in events:
            if event.seq == room.state.seq + 1:
                self.rules.apply(room.state, event)
        try:
            self.alarms.sync(room.code, self.rules.deadlines(room.state))
        except Exception:  # noqa: BLE001 - the events are in the log already
            # Failing here would answer an accepted command with an error, and every later
            # command of the room too; the room carries on without that deadline.
            log.exception("deadlines of room %s could not be scheduled", room.code)
        self.changed(room)

    async def _read_missed(self, room: LiveRoom) -> None:
        missed = await self.log.read(room.code, after=room.state.seq)
        if missed:
            self._apply(room, missed)

    async def _catch_up(self, room: LiveRoom) -> None:
        async with room.lock:
            await self._read_missed(room)

    async def _receive(self, room: LiveRoom, message: dict) -> None:
        if message.get("kind") == "presence":
            if self.presence.merge(room.code, message):
                self.changed(room)
            return
        events = [Event.from_json(raw) for raw in message.get("events", ())]
        if not events or events[-1].seq <= room.state.seq:
            return  # our own, or already read from the log
        async with room.lock:
            if events[0].seq > room.state.seq + 1:
                await self._read_missed(room)  # a gap: the log fills it
            else:
                self._apply(room, events)

    async def resync(self) -> None:
        """After the broker lost messages: read each room's log and presence again."""
        for room in list(self.rooms.values()):
            await self._catch_up(room)
            if await self.presence.load(room.code):
                self.changed(room)

    # -- connections -------------------------------------------------------

    async def connect(self, room: LiveRoom, connection: Connection) -> None:
        """Add a client and send it the whole of its surface."""
        room.connections.add(connection)
        if connection.actor.participant_id and connection.surface == "phone":
            if await self.presence.track(room.code, connection.actor.participant_id):
                self.changed(room)
        # Its link may have been replaced (or its participant removed) while the socket was
        # accepted. Checked after tracking, so that `disconnect` untracks what was tracked.
        if self.evict_if_revoked(room, connection):
            return
        scene = self.scene(room)
        full = self.renderer.shared(connection.surface, scene)
        personal = self.renderer.personal(connection.surface, scene, connection.actor)
        connection.sent = dict(personal)
        connection.push("".join([*full.values(), *personal.values()]))

    async def disconnect(self, room: LiveRoom, connection: Connection) -> None:
        room.connections.discard(connection)
        if connection.actor.participant_id and connection.surface == "phone":
            if await self.presence.untrack(room.code, connection.actor.participant_id):
                self.changed(room)

    def scene(self, room: LiveRoom) -> Scene:
        return Scene(room.state, self.presence.connected(room.code))

    # -- rendering ---------------------------------------------------------

    def changed(self, room: LiveRoom) -> None:
        """Schedule a render: at once if none ran lately, else at the end of the interval."""
        if room.render_due:
            return
        room.render_due = True
        delay = max(0.0, room.last_render + self.render_interval - time.monotonic())
        task = asyncio.get_running_loop().create_task(self._render_later(room, delay))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _render_later(self, room: LiveRoom, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        room.render_due = False
        room.last_render = time.monotonic()
        try:
            self.render(room)
        except Exception:
            log.exception("render of room %s failed", room.code)

    def render(self, room: LiveRoom) -> None:
        """Push to every client what changed since the last push, same bytes per surface."""
        scene = self.scene(room)
        by_surface: dict[str, list[Connection]] = defaultdict(list)
        for connection in list(room.connections):
            if self.evict_if_revoked(room, connection):
                continue
            by_surface[connection.surface].append(connection)
        for surface, connections in by_surface.items():
            fresh = self.renderer.shared(surface, scene)
            last = room.sent[surface]
            changed = "".join(html for key, html in fresh.items() if last.get(key) != html)
            room.sent[surface] = fresh
            for connection in connections:
                personal = self.renderer.personal(surface, scene, connection.actor)
                mine = "".join(html for key, html in personal.items() if connection.sent.get(key) != html)
                connection.sent = personal
                if changed or mine:
                    connection.push(changed + mine)

    def evict_if_revoked(self, room: LiveRoom, connection: Connection) -> bool:
        """Tell and close a client whose credential the last change revoked: a replaced link,
        a removed participant. Every node applies the same events, so each closes its own."""
        if connection.credential.holds(room.state):
            return False
        connection.push(self.renderer.flash(connection.credential.revoked, "removed"))
        connection.close(CLOSE_POLICY)
        room.connections.discard(connection)
        return True

    # -- upkeep ------------------------------------------------------------

    async def keep_presence(self, every: float = 10.0) -> None:
        """Refresh this node's heartbeat and notice nodes that died."""
        while True:
            try:
                await self.presence.refresh([code for code, room in self.rooms.items() if room.connections])
                for room in list(self.rooms.values()):
                    if await self.presence.load(room.code):
                        self.changed(room)
            except Exception as error:  # noqa: BLE001 - the broker may be down; try again later
                log.warning("presence refresh failed: %s", error)
            await asyncio.sleep(every)
