"""How features plug into a room: their commands, their rules and their slice of state.

The core knows no feature by name. Each feature hands a `Feature` to `Rules`,
which parses commands, checks roles, dispatches `decide` and folds events
with `apply`. Both are pure: the same state, command and context always give
the same decision.
"""

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import TypeAdapter, ValidationError

from facilitator.rooms.model import Actor, Command, CommandError, Context, Decision, Event, Role, RoomState

if TYPE_CHECKING:  # the rules stay pure: only the app mounts routers
    from fastapi import APIRouter

VISITOR_ID_LENGTH = 16

Decider = Callable[[RoomState, Actor, Any, Context], Decision]
Applier = Callable[[RoomState, Event], None]
Reaction = Callable[[RoomState, Event, Any], Awaitable[None]]


@dataclass(frozen=True)
class Fragment:
    """A piece of a page with a stable element id, re-rendered when the room changes.

    `context` computes everything the template prints; the template holds markup only.
    A `per_viewer` fragment differs per person and is rendered per connection.
    """

    id: str
    audiences: frozenset[str]
    context: Callable[..., dict[str, Any]]
    per_viewer: bool = False
    # The topics (see changes.py) whose change can change this fragment; None: any change.
    reads: frozenset[str] | None = None
    # For a per-viewer fragment: which viewers an event of a topic it reads concerns
    # (`Viewers`); None: every viewer.
    touches: Callable[[Any, "Event"], Any] | None = None
    # Surface -> seconds: that surface is told of this fragment's changes at most this often. For a
    # figure that many sockets show and every arrival changes (how many are here): a hall's phones
    # see it move a few times while the hall fills, not once per push, and the staff see every change.
    pace: dict[str, float] = field(default_factory=dict, hash=False)

    @property
    def template(self) -> str:
        return f"fragments/{self.id}.html"

    def reads_topic(self, topic: str) -> bool:
        return self.reads is None or topic in self.reads


@dataclass(frozen=True)
class Deadline:
    """A command the server sends itself at a given time (a phase that ends).

    The command carries an id, so two processes firing the same deadline
    apply it once.
    """

    at_ms: int
    command: dict[str, Any]

    @property
    def key(self) -> str:
        return self.command["id"]


@dataclass(frozen=True)
class Feature:
    name: str
    deciders: dict[type[Command], Decider]
    appliers: dict[str, Applier]
    init: Callable[[], Any] | None = None
    fragments: tuple[Fragment, ...] = ()
    deadlines: Callable[[RoomState], list[Deadline]] | None = None
    # The feature's part of the state API, as the viewer may see it.
    view: Callable[..., dict[str, Any]] | None = None
    # Event type -> topic, for events that change less than the whole feature (see
    # changes.py); the others belong to the topic named after the feature.
    topics: dict[str, str] = field(default_factory=dict)
    # HTTP routes of its own (forms, files), mounted by the app; none may be a staff surface's
    # path (/r/{code}/console, scribe, screen).
    routers: tuple["APIRouter", ...] = ()
    # Names every template may use (the kinds of notes a form offers, say).
    template_globals: dict[str, Any] = field(default_factory=dict)
    # Appliers for other features' events, run after the owner's: a slice that follows what
    # others do (the screen follows the agenda; a breakout group takes in a late joiner). The
    # owner's applier alone says what the event means for its own slice.
    follows: dict[str, Applier] = field(default_factory=dict)
    # Event types that keep a room alive beyond the last days: a room whose log holds one is
    # loaded at start and by the hourly sweep, so deadlines weeks or months ahead still fire.
    kept_by: frozenset[str] = frozenset()
    # Event type -> what the server does outside the log once such an event is written (state,
    # event, settings): run by the node that wrote it, never by the others, so it happens once;
    # an event no feature reacts to costs nothing.
    reacts: dict[str, Reaction] = field(default_factory=dict)
    # Event type -> the fields of its data only the server may read (an address for reminders):
    # the log keeps them, and every way out of the server (the event API, exports) redacts them.
    private: dict[str, tuple[str, ...]] = field(default_factory=dict)


REDACTED = "[redacted]"


@dataclass
class Rules:
    features: list[Feature]
    commands: dict[str, type[Command]] = field(init=False)
    topics: dict[str, str] = field(init=False)
    deciders: dict[type[Command], Decider] = field(init=False)
    appliers: dict[str, Applier] = field(init=False)
    followers: dict[str, list[Applier]] = field(init=False)

    def __post_init__(self) -> None:
        self.commands, self.deciders, self.appliers, self.topics, self.followers = {}, {}, {}, {}, {}
        self.reactions: dict[str, list[Reaction]] = {}
        self.private: dict[str, set[str]] = {}
        for feature in self.features:
            self.topics |= {event_type: feature.topics.get(event_type, feature.name) for event_type in feature.appliers}
            for command_type, decider in feature.deciders.items():
                if command_type.type in self.commands:
                    raise ValueError(f"command {command_type.type} registered twice")
                self.commands[command_type.type] = command_type
                self.deciders[command_type] = decider
            for event_type, applier in feature.appliers.items():
                if event_type in self.appliers:
                    raise ValueError(f"event {event_type} registered twice")
                self.appliers[event_type] = applier
            for event_type, follower in feature.follows.items():
                self.followers.setdefault(event_type, []).append(follower)
            for event_type, reaction in feature.reacts.items():
                self.reactions.setdefault(event_type, []).append(reaction)
            for event_type, names in feature.private.items():
                self.private.setdefault(event_type, set()).update(names)

    def topic_of(self, event_type: str) -> str:
        return self.topics.get(event_type, event_type.split(".", 1)[0])

    @property
    def fragments(self) -> list[Fragment]:
        return [fragment for feature in self.features for fragment in feature.fragments]

    @property
    def routers(self) -> list["APIRouter"]:
        return [router for feature in self.features for router in feature.routers]

    @property
    def template_globals(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for feature in self.features:
            for name, value in feature.template_globals.items():
                if name in found:
                    raise ValueError(f"template global {name} given twice")
                found[name] = value
        return found

    @property
    def kept_by(self) -> frozenset[str]:
        return frozenset().union(*(feature.kept_by for feature in self.features))

    def shown(self, event: Event) -> dict[str, Any]:
        """An event as it may leave the server: its private fields (`Feature.private`) redacted."""
        raw = event.to_json()
        hidden = self.private.get(event.type)
        if hidden:
            raw["data"] = {key: REDACTED if key in hidden else value for key, value in event.data.items()}
        return raw

    def deadlines(self, state: RoomState) -> list[Deadline]:
        """Every deadline the room's features are waiting for: none in an import; once it has
        ended, only those whose command is still allowed then (a follow-up check-in, not a phase)."""
        if state.imported_from is not None:
            return []
        return [
            deadline
            for feature in self.features
            if feature.deadlines is not None
            for deadline in feature.deadlines(state)
            if not state.ended or self._after_end(deadline)
        ]

    def _after_end(self, deadline: Deadline) -> bool:
        command = self.commands.get(deadline.command.get("type", ""))
        return command is not None and command.allowed_after_end

    def views(self, scene: Any, viewer: Actor) -> dict[str, Any]:
        return {feature.name: feature.view(scene, viewer) for feature in self.features if feature.view is not None}

    def new_state(self, code: str) -> RoomState:
        state = RoomState(code=code)
        for feature in self.features:
            if feature.init is not None:
                state.slices[feature.name] = feature.init()
        return state

    def parse(self, raw: Any) -> Command:
        """Turn untrusted JSON into a command, or refuse with a readable error."""
        if not isinstance(raw, dict):
            raise CommandError("A command must be a JSON object.")
        kind = raw.get("type")
        command_type = self.commands.get(kind) if isinstance(kind, str) else None
        if command_type is None:
            shown = kind if isinstance(kind, str) and len(kind) <= 40 else "?"
            raise CommandError(f"Unknown command type: {shown!r}.")
        fields = {k: v for k, v in raw.items() if k not in ("type", "HEADERS")}
        try:
            return command_type.model_validate(fields)
        except ValidationError as error:
            raise CommandError(describe_errors(error.errors(), command_type.labels)) from None
        except Exception:  # noqa: BLE001 - a validator that raised something pydantic does not turn into a ValidationError
            where = _unreadable_field(command_type, fields)
            if where is None:
                raise CommandError(f"That {kind} command could not be read: please check its fields.") from None
            raise CommandError(f"{where}: this value could not be read; please check it.") from None

    def decide(self, state: RoomState, actor: Actor, command: Command, ctx: Context) -> Decision:
        """Check who may do what, then ask the command's feature what happens."""
        if actor.role not in command.roles:
            raise CommandError(f"Only {_who(command.roles)} can {command.action}.", status=403)
        if actor.role is Role.VISITOR and command.id is not None and len(command.id) < VISITOR_ID_LENGTH:
            # Nothing else tells two visitors apart: a guessable id would let one
            # replay another's join and be handed their participant token.
            raise CommandError(
                f"Without a token, a command id must be a random string of at least {VISITOR_ID_LENGTH} characters."
            )
        if not state.exists and command.type != "room.create":
            raise CommandError("There is no exchange with this code.", status=404)
        if state.imported_from is not None:
            raise CommandError(
                "This exchange was imported from another server: it is a record to read, and nothing in it can change.",
                status=409,
            )
        if state.ended and not command.allowed_after_end:
            raise CommandError("This exchange has ended; its record is read-only.", status=409)
        if actor.role is Role.PARTICIPANT:
            state.person_of(actor)
        return self.deciders[type(command)](state, actor, command, ctx)

    def apply(self, state: RoomState, event: Event) -> RoomState:
        """Fold one event into the state (in place) and return it."""
        if event.seq != state.seq + 1:
            raise ValueError(f"event {event.seq} applied to state at {state.seq}")
        applier = self.appliers.get(event.type)
        if applier is not None:  # an event of a feature no longer installed is skipped
            applier(state, event)
            for follower in self.followers.get(event.type, ()):
                follower(state, event)
        state.seq = event.seq
        if event.command_key is not None:
            state.applied.setdefault(event.command_key, event.seq)
        return state

    def fold(self, code: str, events: Iterable[Event]) -> RoomState:
        state = self.new_state(code)
        for event in events:
            self.apply(state, event)
        return state


def _who(roles: frozenset[Role]) -> str:
    names = {
        Role.FACILITATOR: "the facilitator",
        Role.SCRIBE: "a scribe",
        Role.SCREEN: "the screen",
        Role.PARTICIPANT: "a participant",
        Role.VISITOR: "a visitor",
        Role.SYSTEM: "the server",
    }
    ordered = [names[role] for role in Role if role in roles]
    return " or ".join(ordered) if ordered else "nobody"


def _unreadable_field(command_type: type[Command], fields: Mapping[str, Any]) -> str | None:
    """The first field whose value alone makes validation raise something other than a
    ValidationError (a TypeError in a validator, say), or None if no one field does."""
    for name, value in fields.items():
        info = command_type.model_fields.get(name)
        if info is None:
            continue
        try:
            _field_adapter(command_type, name).validate_python(value)
        except ValidationError:
            continue
        except Exception:  # noqa: BLE001 - this is the field
            return name
    return None


@lru_cache(maxsize=256)
def _field_adapter(command_type: type[Command], name: str) -> TypeAdapter:
    info = command_type.model_fields[name]
    annotation: Any = info.annotation
    if not info.metadata:
        return TypeAdapter(annotation)
    return TypeAdapter(Annotated[annotation, *info.metadata])


def describe_errors(errors: Sequence[Mapping[str, Any]], labels: Mapping[str, str] | None = None) -> str:
    """The first of pydantic's (or FastAPI's) validation errors, as a sentence for a person.
    What people fill in (a missing or empty field, text that is too long) is said as they would
    say it, naming the field by its label ("Please give your name."); `labels` maps a field's
    dotted path to its words, and a field without one is named by its own ("the job title").
    """
    first = errors[0]
    if first["type"] == "json_invalid":
        return "That is not valid JSON."
    where = ".".join(str(part) for part in first["loc"]) or "command"
    label = _label(first["loc"], labels or {})
    if first["type"] == "extra_forbidden":
        return f"Unexpected field: {where}."
    if first["type"] == "missing":
        return f"Please give {label}."
    if first["type"] == "value_error":
        return f"{where}: {first['ctx']['error']}."
    if first["type"] in ("too_long", "too_short", "string_too_long", "string_too_short") and isinstance(
        first.get("input"), str | list
    ):
        longest = first["type"].endswith("too_long")
        limit = first["ctx"].get("max_length" if longest else "min_length")
        if not longest and limit == 1:
            return f"Please give {label}."
        if longest and isinstance(first["input"], str):
            shown = label[:1].upper() + label[1:]
            return f"{shown} is too long: at most {limit} characters, please (this has {len(first['input'])})."
        unit = "characters" if isinstance(first["input"], str) else "items"
        bound = "at most" if longest else "at least"
        return f"{where}: {bound} {limit} {unit}, please (this has {len(first['input'])})."
    if first["type"] in _BOUNDS:
        words, key = _BOUNDS[first["type"]]
        return f"{where}: {words} {_plain(first['ctx'][key])}, please."
    if first["type"] == "finite_number":
        return f"{where}: a finite number, please."
    return f"{where}: {first['msg']}."


def _label(loc: Sequence[Any], labels: Mapping[str, str]) -> str:
    """How a sentence names the field at `loc`: its label, else its own words ("the job title"),
    with the place of a list's entry ("option 2 of the options")."""
    where = ".".join(str(part) for part in loc)
    if where in labels:
        return labels[where]
    names = [str(part) for part in loc if not isinstance(part, int)]
    entries = [part for part in loc if isinstance(part, int)]
    if names and ".".join(names) in labels:
        named = labels[".".join(names)]
    else:
        named = "the " + (names[-1].replace("_", " ") if names else "command")
    return f"entry {entries[-1] + 1} of {named}" if entries else named


# pydantic's error type -> the words of the sentence, and where its limit is in the error's ctx.
_BOUNDS = {
    "greater_than_equal": ("at least", "ge"),
    "less_than_equal": ("at most", "le"),
    "greater_than": ("more than", "gt"),
    "less_than": ("less than", "lt"),
}


def _plain(number: object) -> object:
    """600 rather than 600.0: a limit reads as people write it."""
    return int(number) if isinstance(number, float) and number.is_integer() else number
