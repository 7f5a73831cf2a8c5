"""The live pipeline of DESIGN.md: command -> decide -> append -> publish -> apply -> render.

One `Hub` per process. It keeps each active room's folded state in memory,
writes that room's commands in batches, one batch at a time (`rooms/batching.py`),
subscribes once per room to the broker, and pushes changed fragments to the
room's connections at most once per render interval, however many events arrive
in between.
"""

import asyncio
import functools
import logging
import os
import time
import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol

from facilitator.rooms.batching import CommandQueue, Pending
from facilitator.rooms.broker import Broker
from facilitator.rooms.changes import EVERYONE, PRESENCE, Audience, Changes
from facilitator.rooms.clock import SYSTEM_CLOCK, Clock
from facilitator.rooms.connection import CLOSE_POLICY, CLOSE_TRY_AGAIN, Connection
from facilitator.rooms.feature import Deadline, Fragment, Reaction, Rules
from facilitator.rooms.lock import RoomLock
from facilitator.rooms.log import EventLog, SeqConflict, numbered
from facilitator.rooms.model import STAFF, Actor, Command, CommandError, Context, Event, Role, RoomState
from facilitator.rooms.outage import is_outage
from facilitator.rooms.presence import Presence
from facilitator.rooms.render import Renderer
from facilitator.rooms.secrets import keyed_hash, new_room_code
from facilitator.rooms.throttle import Throttle, throttled
from facilitator.rooms.upcast import UPCASTERS
from facilitator.rooms.views import Scene

log = logging.getLogger(__name__)
# One line per command: its room, type, outcome and duration, never what it says or who sent it.
command_log = logging.getLogger("facilitator.commands")

# Topics whose change can take someone's right to be here away (see `_evict`).
EVICTING = frozenset({"participants", "links", "room"})
# A room's pushes take at most this share of the time: a push that took 40 ms is followed by
# the next no sooner than 160 ms later, so a burst of changes to a big room (a hall connecting,
# a roster of 1,000) leaves most of the process to commands and sockets.
RENDER_SHARE = 0.25
# Said to every client of a room that was deleted, as its socket closes.
DELETED = "This exchange was deleted, with its whole record."
# What the node that deleted a room (or `facilitator rooms delete`) tells the others on its channel.
DELETION = {"kind": "deleted"}
# Pseudonym scopes indexed per room (see `_by_pseudonym`); older ones are rebuilt on demand.
INDEXED_SCOPES = 64


@dataclass
class Outcome:
    """What a command did: the events it appended (or first appended, if repeated)."""

    events: list[Event]
    reply: dict[str, Any] = field(default_factory=dict)
    duplicate: bool = False

    @property
    def seq(self) -> int | None:
        return self.events[-1].seq if self.events else None


async def create_room(
    rules: Rules, log_: EventLog, command: Command, clock: Clock = SYSTEM_CLOCK, timezone: str = "UTC"
) -> tuple[str, Outcome]:
    """Reserve a fresh code and run `room.create` as its first event."""
    for _ in range(20):
        code = new_room_code()
        if await log_.reserve(code, clock.now_ms()):
            break
    else:
        raise CommandError("Could not find a free room code; please try again.", status=503)
    ctx = Context(clock.now_ms(), os.urandom(32), timezone=timezone)
    decision = rules.decide(rules.new_state(code), Actor(Role.VISITOR), command, ctx)
    events = await log_.append(code, 0, decision.events, ctx.now_ms)
    return code, Outcome(events, decision.reply)


class Observer(Protocol):
    """Where the hub reports its figures (`facilitator.ops.Metrics`)."""

    def command(self, type_: str, outcome: str, seconds: float) -> None: ...
    def connected(self, surface: str, change: int) -> None: ...
    def rendered(self, seconds: float) -> None: ...
    def dropped_slow_client(self) -> None: ...


class NoObserver:
    def command(self, type_: str, outcome: str, seconds: float) -> None:
        pass

    def connected(self, surface: str, change: int) -> None:
        pass

    def rendered(self, seconds: float) -> None:
        pass

    def dropped_slow_client(self) -> None:
        pass


def outcome_of(outcome: Outcome | None, error: BaseException | None) -> str:
    """A command's outcome in one word, for the log and the metrics."""
    if error is not None:
        if isinstance(error, CommandError):
            return "refused"
        return "unavailable" if is_outage(error) else "failed"
    if outcome is None or outcome.duplicate:
        return "duplicate"
    return "accepted" if outcome.events else "unchanged"


def observed(execute):
    """Wraps `Hub.execute` (outside the throttle, so a flood's refusals count too): one log line
    and one count per command, with its duration."""

    @functools.wraps(execute)
    async def timed(hub: "Hub", code: str, actor: Actor, command: Command) -> Outcome:
        started = time.perf_counter()
        outcome: Outcome | None = None
        error: BaseException | None = None
        try:
            outcome = await execute(hub, code, actor, command)
            return outcome
        except Exception as failure:
            error = failure
            raise
        finally:
            seconds = time.perf_counter() - started
            result = outcome_of(outcome, error)
            hub.observer.command(command.type, result, seconds)
            if command_log.isEnabledFor(logging.INFO):
                command_log.info(
                    "command room=%s type=%s outcome=%s ms=%.1f",
                    code,
                    command.type,
                    result,
                    seconds * 1000,
                    extra={"fields": {"room": code, "command": command.type, "outcome": result, "ms": seconds * 1000}},
                )

    return timed


class Alarms(Protocol):
    def sync(self, room: str, deadlines: list[Deadline]) -> None: ...


class NoAlarms:
    """For a hub that fires no deadlines (tools and tests that do not need them)."""

    def sync(self, room: str, deadlines: list[Deadline]) -> None:
        pass


async def _nothing() -> None:
    """The commit of a room that was built without one (a test's): nothing is written."""


class LiveRoom:
    def __init__(self, state: RoomState, commit: Callable[["LiveRoom", list[Pending]], Awaitable[None]] | None = None):
        self.state = state
        # True while the state may hold events the log does not (a batch that failed to commit
        # and could not be folded again at once): it is folded from the log before it is used.
        self.stale = False
        # The room's commands, waiting for the batch in progress to be written.
        self.queue = CommandQueue(lambda batch: commit(self, batch) if commit else _nothing())
        # Held while the state changes: a batch, or events another process wrote.
        self.lock = RoomLock()
        self.connections: set[Connection] = set()
        # surface -> its connections; participant id -> their connections (a phone, a tablet).
        self.surfaces: dict[str, set[Connection]] = defaultdict(set)
        self.people: dict[str, set[Connection]] = defaultdict(set)
        # scope -> pseudonym -> connections, built for a scope the first time an event names one.
        self.pseudonyms: dict[str, dict[str, set[Connection]]] = {}
        # surface -> fragment id -> the html every client of that surface has now.
        self.cache: dict[str, dict[str, str]] = {}
        self.changes = Changes()
        # Paced fragments (`Fragment.pace`): when each (surface, fragment id) was last sent, and
        # those that changed since but wait for their turn; one wake-up brings them.
        self.paced_at: dict[tuple[str, str], float] = {}
        self.held: set[tuple[str, str]] = set()
        self.wake_due = False
        self.render_due = False
        self.last_render = 0.0
        self.render_cost = 0.0  # seconds the last push took

    def add(self, connection: Connection) -> None:
        self.connections.add(connection)
        self.surfaces[connection.surface].add(connection)
        if connection.actor.participant_id:
            self.people[connection.actor.participant_id].add(connection)
            for scope, index in self.pseudonyms.items():
                index.setdefault(connection.actor.pseudonym(scope), set()).add(connection)

    def discard(self, connection: Connection) -> None:
        if connection not in self.connections:
            return
        self.connections.discard(connection)
        self.surfaces[connection.surface].discard(connection)
        if not self.surfaces[connection.surface]:
            del self.surfaces[connection.surface]
            self.cache.pop(connection.surface, None)  # nobody keeps it current any more
            self.held = {key for key in self.held if key[0] != connection.surface}
        participant_id = connection.actor.participant_id
        if participant_id:
            self.people[participant_id].discard(connection)
            if not self.people[participant_id]:
                del self.people[participant_id]
            for scope, index in self.pseudonyms.items():
                index.get(connection.actor.pseudonym(scope), set()).discard(connection)

    @property
    def code(self) -> str:
        return self.state.code


class Hub:
    def __init__(
        self,
        rules: Rules,
        log_: EventLog,
        broker: Broker,
        renderer: Renderer,
        signing_key: str,
        render_interval: float = 0.1,
        alarms: "Alarms | None" = None,
        throttle: Throttle | None = None,
        capacity: int = 2000,
        clock: Clock = SYSTEM_CLOCK,
        timezone: str = "UTC",
        settings: Any = None,
        observer: Observer | None = None,
    ):
        self.rules = rules
        self.observer = observer or NoObserver()
        self.clock = clock
        self.capacity = capacity
        self.timezone = timezone  # the server's: a new exchange's unless it names its own
        # Handed to the features' reactions (an e-mail server's address); None: no reactions run.
        self.settings = settings
        self.alarms = alarms or NoAlarms()
        # Without one, only commands' own limits hold (three questions a minute).
        self.throttle = throttle or Throttle(clock=clock.monotonic)
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
        # An exchange's code -> the codes of live exchanges that follow it (`RoomState.previous`),
        # whose fragments may show its state: each change to it touches their topic "linked".
        self.followers: dict[str, set[str]] = defaultdict(set)
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
        room = LiveRoom(state, self._commit)
        self.alarms.sync(code, self.rules.deadlines(state))
        await self.broker.subscribe(f"room:{code}", lambda message: self._receive(room, message))
        await self.presence.load(code)
        self.rooms[code] = room
        await self.catch_up(room)  # events appended between the read and the subscription
        self._follow_previous(room)
        return room

    async def delete(self, code: str) -> bool:
        """Erase a room: its code and its whole event log from the database, then from the memory
        of this process and, through the broker, of every other, whose clients are told and
        closed. False if the database held no such room (it is dropped from memory all the same)."""
        deleted = await self.log.delete(code)
        await self._drop(code)
        self.broker.send(f"room:{code}", DELETION)
        return deleted

    async def _drop(self, code: str) -> None:
        """Forget a deleted room here: its deadlines, its subscription, its clients."""
        self.alarms.sync(code, [])
        room = self.rooms.pop(code, None)
        if room is None:
            return
        for connection in list(room.connections):
            connection.push(self.renderer.flash(DELETED, "removed"))
            connection.close(CLOSE_POLICY, DELETED)
            room.discard(connection)
        await self.broker.unsubscribe(f"room:{code}")

    async def purge(self, ended_before_ms: int) -> list[str]:
        """Delete every exchange that ended before this time; one line in the log for each."""
        deleted = []
        for stored in await self.log.rooms():
            if stored.ended_at is not None and stored.ended_at < ended_before_ms:
                await self.delete(stored.code)
                log.info(
                    "room %s deleted with its %d events: it ended before the retention period",
                    stored.code,
                    stored.events,
                )
                deleted.append(stored.code)
        return deleted

    async def create(self, command: Command) -> tuple[str, Outcome]:
        return await create_room(self.rules, self.log, command, self.clock, self.timezone)

    @observed
    @throttled  # answers a flood before it joins the room's queue
    async def execute(self, code: str, actor: Actor, command: Command) -> Outcome:
        room = await self.open(code)
        key = keyed_hash(self.signing_key, f"{actor.key}:{command.id}") if command.id else None
        staff = actor.role in STAFF or actor.role is Role.SYSTEM
        return await room.queue.submit(actor, command, key, staff)

    async def _commit(self, room: LiveRoom, batch: list[Pending]) -> None:
        """Decide a batch of commands in order and append their events in one transaction.

        The transaction holds the room's write lock (PostgreSQL) and starts by reading what other
        processes appended; each command is decided against the state with the events of the
        ones before it applied. A refused command is refused to its sender alone. Every answer
        waits for the commit: if it fails, no command of the batch is acknowledged, each gets the
        error, and the state is folded from the log again.
        """
        async with room.lock:
            while True:
                decided: list[Event] = []  # the batch's events, in the state as soon as decided
                try:
                    if room.stale:
                        await self._refold(room)
                    async with self.log.batch(room.code, room.state.seq) as writing:
                        self._apply(room, writing.missed)
                        answers = [self._decide(room, pending, decided) for pending in batch]
                        if decided:
                            await writing.commit(decided)
                    break
                except SeqConflict:
                    await self._forget(room, decided)  # another process wrote first: decide again
                except Exception as error:  # noqa: BLE001 - handed to every sender of the batch
                    await self._forget(room, decided)
                    for pending in batch:
                        pending.fail(error)
                    return
            if decided:
                self._publish(room, {"kind": "events", "events": [e.to_json() for e in decided]})
        duplicates = []
        for pending, answer in zip(batch, answers, strict=True):
            if answer is None:
                duplicates.append(pending)
            elif isinstance(answer, Exception):
                pending.fail(answer)
            else:
                pending.succeed(answer)
        if decided:
            self._settle(room)  # after the answers, so that their acks leave before the push starts
            self._react(room, decided)
        for pending in duplicates:  # last: each reads the log
            try:
                pending.succeed(Outcome(await self._first_result(room, pending.key or ""), duplicate=True))
            except Exception as error:  # noqa: BLE001 - its sender hears it, as from any read
                pending.fail(error)

    def _decide(self, room: LiveRoom, pending: Pending, decided: list[Event]) -> Outcome | Exception | None:
        """One command of a batch: its outcome, its refusal, or None for a repeated command id.
        Its events are applied at once, so the next command is decided after it."""
        if pending.key is not None and pending.key in room.state.applied:
            return None
        ctx = Context(self.clock.now_ms(), os.urandom(32), self.capacity, self.timezone)
        try:
            decision = self.rules.decide(room.state, pending.actor, pending.command, ctx)
        except Exception as error:  # noqa: BLE001 - a refusal (CommandError), or a fault: its sender's alone
            return error
        events = numbered(room.code, room.state.seq, decision.events, ctx.now_ms, pending.key)
        decided.extend(events)  # first: if folding one fails, the batch knows what to take back
        for event in events:
            self._fold(room, event)
        return Outcome(events, decision.reply)

    async def _forget(self, room: LiveRoom, events: list[Event]) -> None:
        """After a batch that was not written: the state holds its events and the log does not,
        so fold the log again, and push what those events had changed. If the log cannot be
        read now, the room stays stale and is folded before its next use."""
        if not events:
            return  # the batch failed before it changed the state
        room.stale = True
        for event in events:
            room.changes.touch(self.rules.topic_of(event.type), self.renderer.fragments)
        try:
            await self._refold(room)
        except Exception as error:  # noqa: BLE001 - the batch's failure is reported (once) by its senders
            log.debug("room %s could not be folded again: %s", room.code, error)

    async def _refold(self, room: LiveRoom) -> None:
        room.state = self.rules.fold(room.code, await self.log.read(room.code))
        room.stale = False
        self._settle(room)

    async def fire(self, code: str, command: dict) -> None:
        """Run a deadline's command as the server itself; a stale or repeated one changes nothing."""
        try:
            await self.execute(code, Actor(Role.SYSTEM), self.rules.parse(command))
        except CommandError as error:
            log.debug("deadline %s in room %s: %s", command.get("id"), code, error.message)

    def _react(self, room: LiveRoom, events: list[Event]) -> None:
        """Run the features' reactions to events this node decided (an e-mail to send), in the
        background: the events are in the log, so a reaction that fails is logged and the room
        carries on. Only the node that wrote them reacts, so a reaction happens once."""
        if self.settings is None:
            return
        for event in events:
            for reaction in self.rules.reactions.get(event.type, ()):
                self._in_background(self._reaction(reaction, room, event))

    async def _reaction(self, reaction: Reaction, room: LiveRoom, event: Event) -> None:
        try:
            await reaction(room.state, event, self.settings)
        except Exception as error:  # noqa: BLE001 - a reaction never fails its room
            log.error("a reaction in room %s failed: %s", room.code, type(error).__name__)

    async def revive(self, since_ms: int, kept_since_ms: int | None = None) -> None:
        """Load the rooms created since `since_ms`, and those since `kept_since_ms` whose log holds
        an event a feature keeps rooms alive for (a check-in months ahead), so their deadlines
        are scheduled again. A room already loaded is left as it is.

        Each room on its own: one whose log cannot be loaded or folded is logged and
        left out (it is tried again when someone opens it), and the others come back.
        A database that stops answering ends the pass with one line, not an error per
        room: the outage is said where requests meet it, and the next pass (the hourly
        sweep, or a room someone opens) brings the rest back.
        """
        try:
            codes = await self.log.rooms_since(since_ms)
            if kept_since_ms is not None and self.rules.kept_by:
                kept = await self.log.rooms_with(sorted(self.rules.kept_by), kept_since_ms)
                codes += [code for code in kept if code not in codes]
            for code in codes:
                try:
                    await self.open(code)
                except Exception as error:
                    if is_outage(error):
                        raise
                    log.error("room %s was not revived: %s: %s", code, type(error).__name__, error)
        except Exception as error:
            if not is_outage(error):
                raise
            log.info("Reviving rooms stopped: the database did not answer; they come back when opened.")

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
        """Fold events another process wrote (those already folded are skipped)."""
        for event in events:
            if event.seq == room.state.seq + 1:
                self._fold(room, event)
        if events:
            self._settle(room)

    def _fold(self, room: LiveRoom, event: Event) -> None:
        self.rules.apply(room.state, event)
        room.changes.touch(
            self.rules.topic_of(event.type), self.renderer.fragments, lambda f: self._concerned(f, room.state, event)
        )
        if room.code in self.followers:
            self._previous_changed(room.code)

    # -- a series of exchanges -------------------------------------------------

    def _follow_previous(self, room: LiveRoom) -> None:
        """A room that follows another may show what was committed there: the earlier room is
        opened too (in its own right: its own log, subscription and deadlines), and each of its
        changes re-renders this room's fragments that read the topic "linked"."""
        previous = room.state.previous
        if previous is None or room.code in self.followers.get(previous.code, ()):
            return
        self.followers[previous.code].add(room.code)
        if previous.code in self.rooms:
            self._previous_changed(previous.code)
            return
        self._in_background(self._open_previous(room.code, previous.code))

    async def _open_previous(self, code: str, previous: str) -> None:
        try:
            await self.open(previous)
        except Exception as error:  # noqa: BLE001 - the room carries on; the next change tries again
            self.followers[previous].discard(code)
            log.warning("room %s could not open the exchange it follows, %s: %s", code, previous, error)
            return
        self._previous_changed(previous)

    def _previous_changed(self, previous: str) -> None:
        for code in self.followers.get(previous, ()):
            follower = self.rooms.get(code)
            if follower is not None:
                follower.changes.touch("linked", self.renderer.fragments)
                self.changed(follower)

    def _settle(self, room: LiveRoom) -> None:
        """After the state changed: schedule its deadlines, and a push."""
        try:
            self.alarms.sync(room.code, self.rules.deadlines(room.state))
        except Exception:
            # Failing here would answer an accepted command with an error, and every later
            # command of the room too; the room carries on without that deadline.
            log.exception("deadlines of room %s could not be scheduled", room.code)
        self._follow_previous(room)
        self.changed(room)

    def presence_changed(self, room: LiveRoom) -> None:
        room.changes.touch(PRESENCE, self.renderer.fragments)
        self.changed(room)

    async def _read_missed(self, room: LiveRoom) -> None:
        if room.stale:
            await self._refold(room)
            return
        self._apply(room, await self.log.read(room.code, after=room.state.seq))

    async def catch_up(self, room: LiveRoom) -> None:
        """Apply whatever the log holds that this process has not seen yet."""
        async with room.lock:
            await self._read_missed(room)

    async def _receive(self, room: LiveRoom, message: dict) -> None:
        if message.get("kind") == DELETION["kind"]:
            await self._drop(room.code)
            return
        if message.get("kind") == "presence":
            if self.presence.merge(room.code, message):
                self.presence_changed(room)
            return
        events = [UPCASTERS.upcast(Event.from_json(raw)) for raw in message.get("events", ())]
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
            await self.catch_up(room)
            if await self.presence.load(room.code):
                self.presence_changed(room)

    # -- connections -------------------------------------------------------

    async def connect(self, room: LiveRoom, connection: Connection) -> None:
        """Add a client and send it the whole of its surface: what that surface's clients hold
        already (rendered once for them all), and its own per-viewer fragments. Nothing else is
        rendered, so N phones connecting cost N, not N squared."""
        self.observer.connected(connection.surface, 1)
        room.add(connection)
        if connection.actor.participant_id and connection.surface == "phone":
            if await self.presence.track(room.code, connection.actor.participant_id):
                self.presence_changed(room)
        # Its link may have been replaced (or its participant removed) while the socket was
        # accepted. Checked after tracking, so that `disconnect` untracks what was tracked.
        if self.evict_if_revoked(room, connection):
            return
        scene = self.scene(room)
        shared = room.cache.get(connection.surface)
        if shared is None:
            shared = room.cache[connection.surface] = self.renderer.shared(connection.surface, scene)
        personal = self.renderer.personal(connection.surface, scene, connection.actor)
        connection.sent = dict(personal)
        connection.push("".join([*shared.values(), *personal.values()]))

    async def disconnect(self, room: LiveRoom, connection: Connection) -> None:
        self.observer.connected(connection.surface, -1)
        if connection.close_code == CLOSE_TRY_AGAIN:
            self.observer.dropped_slow_client()
        room.discard(connection)
        if connection.actor.participant_id and connection.surface == "phone":
            if await self.presence.untrack(room.code, connection.actor.participant_id):
                self.presence_changed(room)

    def scene(self, room: LiveRoom) -> Scene:
        previous = self.rooms.get(room.state.previous.code) if room.state.previous else None
        return Scene(room.state, self.presence.connected(room.code), previous.state if previous else None)

    # -- rendering ---------------------------------------------------------

    def changed(self, room: LiveRoom) -> None:
        """Schedule a push: soon if none ran lately, else at the end of the interval. "Soon" is
        after the current turn of the event loop, so the acknowledgement of the command that
        caused it is on its way before any rendering starts."""
        if room.render_due:
            return
        room.render_due = True
        interval = max(self.render_interval, room.render_cost / RENDER_SHARE)
        delay = max(0.0, room.last_render + interval - self.clock.monotonic())
        if delay:
            self.clock.call_later(delay, self._start_render, room)
        else:
            asyncio.get_running_loop().call_soon(self._start_render, room)

    def _start_render(self, room: LiveRoom) -> None:
        self._in_background(self._render_now(room))

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` as a task of its own, held until it ends (the loop keeps only weak references)."""
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _render_now(self, room: LiveRoom) -> None:
        room.render_due = False
        room.last_render = started = self.clock.monotonic()
        try:
            self.render(room)
        except Exception:
            log.exception("render of room %s failed", room.code)
        room.render_cost = self.clock.monotonic() - started
        self.observer.rendered(room.render_cost)

    def render(self, room: LiveRoom) -> None:
        """Push what the changes since the last push affect, to the people they affect.

        A shared fragment is rendered again only when a topic it reads changed, once for every
        surface that shows it, and the same bytes go to every client of those surfaces. A
        per-viewer fragment is rendered again only for the viewers the changes concern (a vote:
        the voter), so a change that concerns one phone costs one phone, not one per phone.
        """
        changes, room.changes = room.changes, Changes()
        if not changes and not room.held:
            return
        scene = self.scene(room)
        if changes.topics & EVICTING:
            self._evict(room)
        now = self.clock.monotonic()
        for surface, connections in list(room.surfaces.items()):
            cache = room.cache.setdefault(surface, {})
            fresh = []
            for fragment in self.renderer.shared_fragments(surface):
                if (changes.dirty(fragment) or (surface, fragment.id) in room.held) and self._its_turn(
                    room, surface, fragment, now
                ):
                    html = self.renderer.render_shared(fragment, scene)
                    if cache.get(fragment.id) != html:
                        cache[fragment.id] = html
                        fresh.append(html)
            shared = "".join(fresh)
            for_all: list[Fragment] = []
            for_some: dict[Connection, list[Fragment]] = {}
            for fragment in self.renderer.personal_fragments(surface):
                if changes.dirty(fragment):
                    audience = changes.audiences[fragment.id]
                    if audience.everyone:
                        for_all.append(fragment)
                    else:
                        for connection in self._viewers(room, audience):
                            if connection.surface == surface:
                                for_some.setdefault(connection, []).append(fragment)
            recipients = connections if shared or for_all else list(for_some)
            for connection in recipients:
                mine = self._personal(surface, scene, connection, for_all + for_some.get(connection, []))
                if shared or mine:
                    connection.push(shared + mine)

    def _its_turn(self, room: LiveRoom, surface: str, fragment: Fragment, now: float) -> bool:
        """Whether a changed fragment goes to a surface in this push: always, unless it is paced
        there and went out less than its pace ago; then it is held, and a wake-up sends it then.
        Newcomers get what the others hold, so every client of a surface shows the same."""
        pace = fragment.pace.get(surface)
        if not pace:
            return True
        key = (surface, fragment.id)
        wait = room.paced_at.get(key, float("-inf")) + pace - now
        if wait > 0:
            room.held.add(key)
            self._wake(room, wait)
            return False
        room.held.discard(key)
        room.paced_at[key] = now
        return True

    def _wake(self, room: LiveRoom, delay: float) -> None:
        """Push again once `delay` has passed, for what was held back (one wake-up at a time)."""
        if room.wake_due:
            return
        room.wake_due = True

        def wake() -> None:
            room.wake_due = False
            self.changed(room)

        self.clock.call_later(delay, wake)

    def _personal(self, surface: str, scene: Scene, connection: Connection, fragments: list[Fragment]) -> str:
        """This viewer's fragments among `fragments` that differ from what it holds."""
        if not fragments:
            return ""
        fresh = self.renderer.personal(surface, scene, connection.actor, fragments)
        changed = "".join(html for key, html in fresh.items() if connection.sent.get(key) != html)
        connection.sent.update(fresh)
        return changed

    def _viewers(self, room: LiveRoom, audience: Audience) -> set[Connection]:
        found: set[Connection] = set()
        for participant_id in audience.participants:
            found |= room.people.get(participant_id, set())
        for scope, pseudonym in audience.pseudonyms:
            found |= self._by_pseudonym(room, scope).get(pseudonym, set())
        return found

    def _by_pseudonym(self, room: LiveRoom, scope: str) -> dict[str, set[Connection]]:
        """Who is behind a pseudonym among this room's connections: known only to this process,
        which holds the key, and computed once per scope and person."""
        index = room.pseudonyms.get(scope)
        if index is None:
            index = {}
            for participant_connections in room.people.values():
                for connection in participant_connections:
                    index.setdefault(connection.actor.pseudonym(scope), set()).add(connection)
            room.pseudonyms[scope] = index
            if len(room.pseudonyms) > INDEXED_SCOPES:
                del room.pseudonyms[next(iter(room.pseudonyms))]
        return index

    def _evict(self, room: LiveRoom) -> None:
        """Close every client whose credential the changes revoked (run only when the people,
        the links or the room changed)."""
        for connection in list(room.connections):
            self.evict_if_revoked(room, connection)

    def evict_if_revoked(self, room: LiveRoom, connection: Connection) -> bool:
        """Tell and close a client whose credential the last change revoked: a replaced link,
        a removed participant. Every node applies the same events, so each closes its own."""
        if connection.credential.holds(room.state):
            return False
        connection.push(self.renderer.flash(connection.credential.revoked, "removed"))
        connection.close(CLOSE_POLICY, connection.credential.revoked)
        room.discard(connection)
        return True

    def _concerned(self, fragment: Fragment, state: RoomState, event: Event):
        """Whom an event concerns for a per-viewer fragment; everyone if the fragment cannot
        say (its events are in the log already, so a fault here must not fail the command)."""
        if fragment.touches is None:
            return EVERYONE
        try:
            return fragment.touches(state, event)
        except Exception:
            log.exception("fragment %s could not tell whom %s concerns", fragment.id, event.type)
            return EVERYONE

    # -- upkeep ------------------------------------------------------------

    async def keep_presence(self, every: float = 10.0) -> None:
        """Refresh this node's heartbeat and notice nodes that died."""
        while True:
            try:
                await self.presence.refresh([code for code, room in self.rooms.items() if room.connections])
                for room in list(self.rooms.values()):
                    if await self.presence.load(room.code):
                        self.presence_changed(room)
            except Exception as error:  # noqa: BLE001 - the broker may be down; try again later
                log.warning("presence refresh failed: %s", error)
            await asyncio.sleep(every)
