"""The session record's page: everyone in the room can read it, filtered by tag, kind and agenda item."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from facilitator.record.timeline import Filters, page_context
from facilitator.rooms.hub import LiveRoom
from facilitator.rooms.model import Actor, CommandError
from facilitator.rooms.pages import page
from facilitator.rooms.secrets import normalise_code
from facilitator.rooms.web import hub_of, identity_of
from facilitator.scribe.model import NOTE_KINDS

router = APIRouter(include_in_schema=False)


def member(request: Request, room: LiveRoom) -> Actor | None:
    """Anyone in the room: a participant, the facilitator, a scribe or the screen."""
    identity = identity_of(request)
    for surface in ("console", "scribe", "screen", "phone"):
        actor = identity.from_cookies(request, room.state, surface)
        if actor is not None:
            return actor
    return None


def _refused(request: Request, error: CommandError, back: str = "/") -> Response:
    return page(request, "message.html", status=error.status, message=error.message, back=back)


@router.get("/r/{code}/record")
async def record_page(request: Request, code: str, tag: str = "", kind: str = "", item: str = "") -> Response:
    try:
        room = await hub_of(request).open(normalise_code(code) or "-")
    except CommandError as error:
        return _refused(request, error)
    viewer = member(request, room)
    if viewer is None:
        return _refused(request, CommandError("The record is for the people in this exchange: join it first.", 403),
                        back=f"/join?code={room.code}")
    filters = Filters(tag=tag.lstrip("#").lower()[:41], kind=kind if kind in NOTE_KINDS else "", item=item[:40])
    scene = hub_of(request).scene(room)
    return page(request, "record.html", viewer=viewer, **page_context(scene, viewer, filters))
