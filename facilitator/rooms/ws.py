"""The WebSocket edge: one socket per client at /r/{code}/ws?surface=...

Every refusal here is said to the one client that caused it; the socket, the
room and everyone else carry on.
"""

import json
import logging

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from markupsafe import escape

from facilitator.rooms.auth import SURFACE_ROLES
from facilitator.rooms.connection import CLOSE_POLICY, Connection, TokenBucket
from facilitator.rooms.hub import Hub, LiveRoom
from facilitator.rooms.model import CommandError, NeedsConfirmation
from facilitator.rooms.outage import UNAVAILABLE, note_outage
from facilitator.rooms.secrets import normalise_code
from facilitator.rooms.web import hub_of, identity_of, links, origin_allowed, settings_of

router = APIRouter()
log = logging.getLogger(__name__)
FLOOD_WARNING_EVERY = 5.0  # seconds


@router.websocket("/r/{code}/ws")
async def room_socket(websocket: WebSocket, code: str, surface: str = "phone") -> None:
    hub = hub_of(websocket)
    room_code = normalise_code(code)
    if not origin_allowed(websocket) or room_code is None or surface not in SURFACE_ROLES:
        await websocket.close(code=CLOSE_POLICY)  # before accepting: another site's page learns nothing
        return
    try:
        room = await hub.open(room_code)
    except CommandError:
        await turn_away(websocket, "There is no exchange with this code.")
        return
    identity = identity_of(websocket)
    credential = identity.credential_from_cookies(websocket, room.state, surface)
    if credential is None:
        # Joined a moment ago through another process, whose event has not reached this one
        # yet: read the log before turning the phone away for good.
        await hub.catch_up(room)
        credential = identity.credential_from_cookies(websocket, room.state, surface)
    if credential is None:
        await turn_away(websocket, identity.refusal(websocket, room.state, surface))
        return
    await websocket.accept()
    settings = settings_of(websocket)
    connection = Connection(
        websocket,
        room_code,
        credential,
        surface,
        settings.outbox_limit,
        TokenBucket(settings.messages_per_second, settings.message_burst, hub.clock.monotonic),
    )
    await hub.connect(room, connection)
    try:
        while connection.close_code is None:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            text = message.get("text")
            if text is None:
                text = (message.get("bytes") or b"").decode("utf-8", "replace")
            await handle(hub, room, connection, text, settings.max_message_bytes)
    except WebSocketDisconnect:
        pass
    finally:
        await hub.disconnect(room, connection)
        await connection.finish()


async def turn_away(websocket: WebSocket, reason: str) -> None:
    """Close with 1008 and a sentence the page shows, so it says why and stops reconnecting
    (a close before accepting reaches the browser as 1006, which it would retry for ever)."""
    await websocket.accept()
    await websocket.close(code=CLOSE_POLICY, reason=reason)


async def handle(hub: Hub, room: LiveRoom, connection: Connection, text: str, limit: int) -> None:
    """Run one message from a client as a command; answer errors to that client alone."""
    if hub.evict_if_revoked(room, connection):
        return  # its link was replaced or it was removed, and the render that closes it is yet to run
    if not connection.bucket.take():
        now = hub.clock.monotonic()
        if now - connection.flood_warned_at > FLOOD_WARNING_EVERY:  # once per flood, not per message
            connection.flood_warned_at = now
            connection.push(hub.renderer.flash("Too many messages at once. Please wait a moment."))
        return
    if len(text.encode()) > limit:
        connection.push(hub.renderer.flash(f"That message is too large (the limit is {limit // 1024} KiB)."))
        return
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: deeply nested arrays fit in the size limit
        connection.push(hub.renderer.flash("That message was not valid JSON."))
        return
    if isinstance(raw, dict) and raw.get("type") == "clock.sync":
        connection.push(server_time(raw.get("sent"), hub.clock.now_ms()))
        return
    command_id = raw.get("id") if isinstance(raw, dict) else None
    try:
        command = hub.rules.parse(raw)
        outcome = await hub.execute(room.code, connection.actor, command)
        connection.push(
            new_links_notice(hub, connection, outcome.reply)
            + hub.renderer.confirmation(None)
            + ack(command_id, accepted=True)
        )
    except NeedsConfirmation as unconfirmed:
        connection.push(hub.renderer.confirmation(unconfirmed, raw) + ack(command_id, accepted=False))
    except CommandError as error:
        connection.push(hub.renderer.flash(error.message) + ack(command_id, accepted=False))
    except Exception as error:
        if note_outage(connection.websocket, error):  # said once in the log, and to this client
            connection.push(hub.renderer.flash(UNAVAILABLE) + ack(command_id, accepted=False))
            return
        log.exception("command %s in room %s failed", raw.get("type") if isinstance(raw, dict) else "?", room.code)
        connection.push(
            hub.renderer.flash("Something went wrong with that; please try again.") + ack(command_id, accepted=False)
        )


def new_links_notice(hub: Hub, connection: Connection, reply: dict) -> str:
    """A replaced secret link is shown to the facilitator who asked for it, and to nobody else."""
    if "links" not in reply:
        return ""
    scheme = "https" if connection.websocket.url.scheme == "wss" else "http"
    base = f"{scheme}://{connection.websocket.headers.get('host', '')}"
    made = links(settings_of(connection.websocket).public_url or base, connection.room, reply["links"])
    shown = "; ".join(f"new {surface} link: {url}" for surface, url in made.items() if surface != "join")
    return hub.renderer.flash(shown[:1].upper() + shown[1:], "notice")  # not capitalize(): keys are case-sensitive


def server_time(sent: object, now_ms: int) -> str:
    """The server's clock, for the page to learn its offset (see static/clock.js)."""
    echoed = sent if isinstance(sent, int) and not isinstance(sent, bool) else 0
    return f'<div id="server-clock" hidden data-sent="{echoed}" data-server="{now_ms}"></div>'


def ack(command_id: object, accepted: bool) -> str:
    """Tells the page its command was handled, so a retry gets a fresh id, and whether it was
    accepted, so a form that asks to be emptied after sending (a question) is emptied only then."""
    shown = escape(command_id) if isinstance(command_id, str) and len(command_id) <= 64 else ""
    return f'<div id="ack" hidden data-command-id="{shown}" data-accepted="{str(accepted).lower()}"></div>'
