"""The pure rules of a room: who may join, lock, remove, end and rotate links."""

from facilitator.rooms import commands as c
from facilitator.rooms.feature import Feature
from facilitator.rooms.model import (
    Actor,
    Charter,
    CommandError,
    Context,
    Decision,
    Downloads,
    Draft,
    Event,
    Linked,
    Participant,
    RoomState,
)
from facilitator.rooms.secrets import derive, hash_secret
from facilitator.rooms.views import FRAGMENTS

LINK_ROLES = ("facilitator", "scribe", "screen")


def create(state: RoomState, actor: Actor, cmd: c.CreateRoom, ctx: Context) -> Decision:
    if state.exists:
        raise CommandError("This exchange already exists.", status=409)
    links = {role: derive(ctx.nonce, f"link:{role}") for role in LINK_ROLES}
    data = {
        "title": cmd.title,
        "charter": cmd.charter.model_dump(),
        "confidentiality": cmd.confidentiality,
        "organisations": _unique(cmd.organisations),
        "timezone": cmd.timezone or ctx.timezone,
        "link_hashes": {role: hash_secret(secret) for role, secret in links.items()},
    }
    return Decision([Draft("room.created", data)], reply={"links": links})


def update(state: RoomState, actor: Actor, cmd: c.UpdateRoom, ctx: Context) -> Decision:
    changes = cmd.changes()
    if "organisations" in changes:
        changes["organisations"] = _unique(changes["organisations"])
    return Decision([Draft("room.updated", changes)])


def join(state: RoomState, actor: Actor, cmd: c.JoinRoom, ctx: Context) -> Decision:
    if state.locked:
        raise CommandError("The facilitator has closed this exchange to new participants.", status=403)
    if not cmd.accept_confidentiality:
        raise CommandError("Please accept the confidentiality statement to join.")
    # Everyone who ever joined first: counting those still present scans the room, once per join.
    if len(state.participants) >= ctx.capacity and len(state.present()) >= ctx.capacity:
        raise CommandError(
            f"This exchange is full: it takes {ctx.capacity:,} people. Please tell the facilitator.", status=403
        )
    organisation = _match(state.organisations, cmd.organisation) if state.organisations else cmd.organisation
    if organisation is None:
        raise CommandError("Please choose your organisation from the list.")
    participant_id = derive(ctx.nonce, "participant")[:16]
    data = {
        "participant_id": participant_id,
        "name": cmd.name,
        "organisation": organisation,
        "job_title": cmd.job_title,
    }
    return Decision([Draft("participant.joined", data)], reply={"participant_id": participant_id})


def remove(state: RoomState, actor: Actor, cmd: c.RemoveParticipant, ctx: Context) -> Decision:
    participant = state.participants.get(cmd.participant_id)
    if participant is None or participant.removed:
        raise CommandError("That participant is not in the exchange.", status=404)
    return Decision([Draft("participant.removed", {"participant_id": participant.id})])


def lock(state: RoomState, actor: Actor, cmd: c.LockRoom, ctx: Context) -> Decision:
    if state.locked:
        raise CommandError("The exchange is already closed to new participants.", status=409)
    return Decision([Draft("room.locked", {})])


def unlock(state: RoomState, actor: Actor, cmd: c.UnlockRoom, ctx: Context) -> Decision:
    if not state.locked:
        raise CommandError("The exchange is already open to new participants.", status=409)
    return Decision([Draft("room.unlocked", {})])


def end(state: RoomState, actor: Actor, cmd: c.EndRoom, ctx: Context) -> Decision:
    return Decision([Draft("room.ended", {})])


def link(state: RoomState, actor: Actor, cmd: c.LinkRoom, ctx: Context) -> Decision:
    if cmd.code == state.code:
        raise CommandError("An exchange cannot follow itself.")
    if getattr(state, cmd.relation) is not None:
        which = "follows another exchange" if cmd.relation == "previous" else "already has a next exchange"
        raise CommandError(f"This exchange {which}.", status=409)
    return Decision([Draft("room.linked", {"relation": cmd.relation, "code": cmd.code, "title": cmd.title})])


def rotate(state: RoomState, actor: Actor, cmd: c.RotateLink, ctx: Context) -> Decision:
    secret = derive(ctx.nonce, f"link:{cmd.role}")
    return Decision(
        [Draft("link.rotated", {"role": cmd.role, "hash": hash_secret(secret)})], reply={"links": {cmd.role: secret}}
    )


def set_downloads(state: RoomState, actor: Actor, cmd: c.SetDownloads, ctx: Context) -> Decision:
    wanted = Downloads(allowed=cmd.allowed, deidentified=cmd.deidentified)
    if wanted == state.downloads:
        raise CommandError("Nothing to change.", status=409)
    return Decision([Draft("room.downloads_set", {"allowed": wanted.allowed, "deidentified": wanted.deidentified})])


def on_created(state: RoomState, event: Event) -> None:
    data = event.data
    state.created_at = event.at
    state.title = data["title"]
    state.charter = Charter(**data["charter"])
    state.confidentiality = data["confidentiality"]
    state.organisations = list(data["organisations"])
    state.timezone = data.get("timezone", "")
    state.link_hashes = dict(data["link_hashes"])


def on_updated(state: RoomState, event: Event) -> None:
    data = event.data
    state.title = data.get("title", state.title)
    if "charter" in data:
        state.charter = Charter(**data["charter"])
    state.confidentiality = data.get("confidentiality", state.confidentiality)
    state.organisations = list(data.get("organisations", state.organisations))
    state.timezone = data.get("timezone", state.timezone)


def on_joined(state: RoomState, event: Event) -> None:
    data = event.data
    state.participants[data["participant_id"]] = Participant(
        id=data["participant_id"],
        name=data["name"],
        organisation=data["organisation"],
        job_title=data["job_title"],
        joined_at=event.at,
    )


def on_removed(state: RoomState, event: Event) -> None:
    state.participants[event.data["participant_id"]].removed = True


def on_locked(state: RoomState, event: Event) -> None:
    state.locked = True


def on_unlocked(state: RoomState, event: Event) -> None:
    state.locked = False


def on_ended(state: RoomState, event: Event) -> None:
    state.ended_at = event.at


def on_downloads_set(state: RoomState, event: Event) -> None:
    state.downloads = Downloads(allowed=event.data["allowed"], deidentified=event.data["deidentified"])


def on_imported(state: RoomState, event: Event) -> None:
    """The last event of an imported exchange: read-only from here on, with links of this server."""
    state.imported_from = event.data["source"]
    state.link_hashes = dict(event.data["link_hashes"])


def on_linked(state: RoomState, event: Event) -> None:
    setattr(state, event.data["relation"], Linked(event.data["code"], event.data["title"]))


def on_rotated(state: RoomState, event: Event) -> None:
    state.link_hashes[event.data["role"]] = event.data["hash"]


def _normal(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _match(choices: list[str], typed: str) -> str | None:
    """The listed spelling of an organisation, forgiving case, spaces and punctuation."""
    wanted = _normal(typed)
    return next((choice for choice in choices if _normal(choice) == wanted), None)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(_normal(name), name)
    return list(seen.values())


feature = Feature(
    name="room",
    deciders={
        c.CreateRoom: create,
        c.UpdateRoom: update,
        c.JoinRoom: join,
        c.RemoveParticipant: remove,
        c.LockRoom: lock,
        c.UnlockRoom: unlock,
        c.EndRoom: end,
        c.LinkRoom: link,
        c.RotateLink: rotate,
        c.SetDownloads: set_downloads,
    },
    appliers={
        "room.created": on_created,
        "room.updated": on_updated,
        "participant.joined": on_joined,
        "participant.removed": on_removed,
        "room.locked": on_locked,
        "room.unlocked": on_unlocked,
        "room.ended": on_ended,
        "room.linked": on_linked,
        "link.rotated": on_rotated,
        "room.downloads_set": on_downloads_set,
        # Written only by `facilitator import`, never decided: no command leads to it.
        "room.imported": on_imported,
    },
    fragments=FRAGMENTS,
    # Joining is the busiest change of a room and concerns few fragments; a new link none.
    topics={"participant.joined": "participants", "participant.removed": "participants", "link.rotated": "links"},
)
