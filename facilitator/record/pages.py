"""The session record's page: everyone in the room can read it, filtered by tag, kind and agenda item."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from facilitator.record.timeline import Filters, page_context
from facilitator.rooms.access import Access, require
from facilitator.rooms.model import Role
from facilitator.rooms.pages import page
from facilitator.rooms.web import hub_of
from facilitator.scribe.model import NOTE_KINDS

router = APIRouter(include_in_schema=False)

# Anyone in the room; where someone holds several links, the first role listed is who they are.
Member = Annotated[
    Access,
    Depends(
        require(
            Role.FACILITATOR,
            Role.SCRIBE,
            Role.SCREEN,
            Role.PARTICIPANT,
            refusal="The record is for the people in this exchange: join it first.",
            back="/join?code={code}",
        )
    ),
]


@router.get("/r/{code}/record")
async def record_page(
    request: Request, code: str, access: Member, tag: str = "", kind: str = "", item: str = ""
) -> Response:
    filters = Filters(tag=tag.lstrip("#").lower()[:41], kind=kind if kind in NOTE_KINDS else "", item=item[:40])
    scene = hub_of(request).scene(access.room)
    return page(request, "record.html", viewer=access.actor, **page_context(scene, access.actor, filters))
