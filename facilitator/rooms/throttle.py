"""How often one sender may act: one throttle that every edge asks, in memory.

A command is counted against its actor (a participant, or one staff role of a
room) whether it came over HTTP or the WebSocket, so a sender cannot double
their share by using both; a command with a limit of its own (three questions a
minute) is counted against its actor and its type as well; a join and a new
exchange are counted against the visitor's network address, since a visitor
has no other identity yet. Each count is a sliding window: at most `count` acts
in any `seconds`, and a refusal says how many seconds to wait.

The counts live in this process only: behind a load balancer spreading one
sender over several processes, each process counts on its own. Nothing here is
written to the log, so no count can link two acts of one person there.
"""

import functools
import math
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from starlette.requests import HTTPConnection

from facilitator.config import Settings
from facilitator.rooms.model import Actor, Command, CommandError, Role

# The server firing its own deadlines, and visitors (counted by address at the edge), have no actor limit.
UNCOUNTED = frozenset({Role.SYSTEM, Role.VISITOR})


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float
    # The refusal, to which "; please wait N seconds." is added.
    says: str = "You are sending too much at once"

    def refusal(self, wait: float) -> CommandError:
        seconds = max(1, math.ceil(wait))
        return CommandError(
            f"{self.says}; please wait {seconds} second{'' if seconds == 1 else 's'}.", status=429, retry_after=seconds
        )


class Windows:
    """The times of each key's recent acts, for at most `max_keys` keys.

    A key whose window has emptied is dropped as new keys arrive; past
    `max_keys` the least recently active key is dropped, so a flood of new
    keys (addresses, say) cannot grow memory without bound.
    """

    def __init__(self, max_keys: int, clock: Callable[[], float] = time.monotonic):
        self.max_keys = max_keys
        self.clock = clock
        # key -> (its window in seconds, the times of its acts still in it); least recently active first.
        self._acts: OrderedDict[Hashable, tuple[float, deque[float]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._acts)

    def take(self, key: Hashable, limit: Limit) -> float:
        """Count one act and return 0, or return the seconds until the key may act again
        (a refused act is not counted: waiting is enough to be let through)."""
        now = self.clock()
        entry = self._acts.get(key)
        if entry is None:
            self._make_room(now)
            entry = self._acts[key] = (limit.seconds, deque())
        else:
            self._acts.move_to_end(key)
        acts = entry[1]
        while acts and acts[0] <= now - limit.seconds:
            acts.popleft()
        if len(acts) >= limit.count:
            return acts[-limit.count] + limit.seconds - now
        acts.append(now)
        return 0.0

    def give_back(self, key: Hashable) -> None:
        """Forget the key's latest act: one that turned out to do nothing."""
        entry = self._acts.get(key)
        if entry is not None and entry[1]:
            entry[1].pop()

    def _make_room(self, now: float) -> None:
        while self._acts:
            seconds, acts = next(iter(self._acts.values()))
            if acts and acts[-1] > now - seconds and len(self._acts) < self.max_keys:
                return  # the stalest key is still counting, and there is room
            self._acts.popitem(last=False)


@dataclass(frozen=True)
class Admission:
    """A command let through. Its own limit (if any) is given back when it turns out to change
    nothing, so a question refused for another reason, or sent twice, costs no question."""

    windows: Windows | None = None
    key: Hashable | None = None

    def give_back(self) -> None:
        if self.windows is not None:
            self.windows.give_back(self.key)


class Throttle:
    """The limits of every edge; None lifts a limit (a command's own limit always holds)."""

    def __init__(
        self,
        commands: Limit | None = None,
        joins: Limit | None = None,
        rooms: Limit | None = None,
        max_keys: int = 20_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.commands, self.joins, self.rooms = commands, joins, rooms
        self.windows = Windows(max_keys, clock)

    @classmethod
    def from_settings(cls, settings: Settings, clock: Callable[[], float] = time.monotonic) -> "Throttle":
        return cls(
            commands=Limit(
                settings.commands_per_actor, settings.commands_per_actor_seconds, "You are sending commands too quickly"
            ),
            joins=Limit(
                settings.joins_per_address,
                settings.joins_per_address_seconds,
                "Too many people joined from this network just now",
            ),
            rooms=Limit(
                settings.rooms_per_address,
                settings.rooms_per_address_seconds,
                "Too many exchanges were created from this network just now",
            ),
            max_keys=settings.throttle_max_keys,
            clock=clock,
        )

    def admit(self, room: str, actor: Actor, command: Command) -> Admission:
        """Let a command through or refuse it with the seconds to wait."""
        if actor.role in UNCOUNTED:
            return Admission()
        sender = (room, actor.key)
        if self.commands is not None:
            self._take(("commands", *sender), self.commands)
        own: Limit | None = getattr(command, "limit", None)
        if own is None:
            return Admission()
        key = (command.type, *sender)
        self._take(key, own)
        return Admission(self.windows, key)

    def joining(self, address: str) -> None:
        if self.joins is not None:
            self._take(("join", address), self.joins)

    def creating(self, address: str) -> None:
        if self.rooms is not None:
            self._take(("create", address), self.rooms)

    def _take(self, key: Hashable, limit: Limit) -> None:
        wait = self.windows.take(key, limit)
        if wait:
            raise limit.refusal(wait)


def address_of(connection: HTTPConnection) -> str:
    """The visitor's network address, as the server (or a trusted proxy, see uvicorn's
    --forwarded-allow-ips) reports it."""
    return connection.client.host if connection.client else "unknown"


def throttled(execute):
    """Wraps `Hub.execute`: the throttle answers before the command joins the room's queue, so
    a flood never queues there, and a command that changed nothing gives back its own limit."""

    @functools.wraps(execute)
    async def admitted(hub, code: str, actor: Actor, command: Command):
        admission = hub.throttle.admit(code, actor, command)
        try:
            outcome = await execute(hub, code, actor, command)
        except CommandError:
            admission.give_back()
            raise
        if outcome.duplicate or not outcome.events:
            admission.give_back()
        return outcome

    return admitted
