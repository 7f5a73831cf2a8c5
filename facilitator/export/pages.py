"""The export routes: `/r/{code}/export.{fmt}` and `/r/{code}/compendium.{fmt}`.

The facilitator and the scribe may always export, with a browser's cookie or a bearer token;
a participant only once the facilitator lets participants download the record, and then as
the facilitator chose (de-identified or not; flagged text always left out); anyone else is
told so in a sentence. An export is made from the log as read now: during the exchange it is
a snapshot, and says so at its top.
"""

from dataclasses import dataclass
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from facilitator.export.formats import COMPENDIUM, RECORD, File, export
from facilitator.export.options import Options
from facilitator.rooms.access import Access, Refused, bearer, bearer_access, require
from facilitator.rooms.model import CommandError, Role, RoomState

router = APIRouter(include_in_schema=False)

NOT_ALLOWED = "The facilitator has not made the record downloadable for participants (yet)."
STAFF_ONLY = "Only the facilitator, the scribe and, once allowed, the participants can download the record."
members = require(
    Role.FACILITATOR,
    Role.SCRIBE,
    Role.PARTICIPANT,
    refusal=STAFF_ONLY + " Join the exchange first.",
    back="/join?code={code}",
)


@dataclass(frozen=True)
class Asked:
    deidentify: bool = False
    omit_flagged: bool = False


def options_for(state: RoomState, role: Role, asked: Asked) -> Options:
    """What an export of this room leaves out for this person: the staff choose; a participant
    gets what the facilitator allowed. Refuses those who may not export at all."""
    if role in (Role.FACILITATOR, Role.SCRIBE):
        return Options(deidentify=asked.deidentify, omit_flagged=asked.omit_flagged, staff=True)
    if role is Role.PARTICIPANT:
        if not state.downloads.allowed:
            raise CommandError(NOT_ALLOWED, status=403)
        return Options(deidentify=state.downloads.deidentified or asked.deidentify, omit_flagged=True, staff=False)
    raise CommandError(STAFF_ONLY, status=403)


async def exporter(request: Request, code: str, token: Annotated[str | None, Depends(bearer)]) -> Access:
    """A bearer token if the request carries one (the API's way), else the browser's cookies."""
    if token is not None:
        return await bearer_access(request, code, token)
    return await members(request, code)


async def made(request: Request, access: Access, fmt: str, asked: Asked, which: str) -> Response:
    hub = request.app.state.hub
    try:
        options = options_for(access.room.state, access.actor.role, asked)
    except CommandError as refused:
        if request.headers.get("authorization"):
            raise
        raise Refused(refused.message, refused.status, f"/r/{access.room.code}") from None
    room = access.room.code
    log = await hub.log.read(room)
    now = hub.clock.now_ms()
    # Folded again from the log as read, not taken from the live state: the export is one
    # consistent cut, whatever arrives meanwhile. In a thread: a big room's Word file takes a while.
    file: File = await anyio.to_thread.run_sync(
        lambda: export(hub.rules.fold(room, log), log, fmt, options, now, which, rules=hub.rules)
    )
    return Response(
        file.content,
        media_type=file.media_type,
        headers={"Content-Disposition": f'attachment; filename="{file.name}"', "Cache-Control": "no-store"},
    )


def _format(fmt: str, known: dict) -> str:
    if fmt not in known:
        raise CommandError(f"There is no export as .{fmt[:10]}: choose one of {', '.join(known)}.", status=404)
    return fmt


@router.get("/r/{code}/export.{fmt}")
async def record_export(
    request: Request,
    code: str,
    fmt: str,
    access: Annotated[Access, Depends(exporter)],
    deidentify: bool = False,
    omit_flagged: bool = False,
) -> Response:
    return await made(request, access, _format(fmt, RECORD), Asked(deidentify, omit_flagged), "record")


@router.get("/r/{code}/compendium.{fmt}")
async def compendium_export(
    request: Request,
    code: str,
    fmt: str,
    access: Annotated[Access, Depends(exporter)],
    deidentify: bool = False,
    omit_flagged: bool = False,
) -> Response:
    return await made(request, access, _format(fmt, COMPENDIUM), Asked(deidentify, omit_flagged), "compendium")
