"""The questions' pages: the questions of an exchange as a spreadsheet (CSV), for the facilitator
and the scribe.

An anonymous question is exported as "Anonymous": its author's hash is not
written, like on every page. A question its writer posted although it looked like
it held a patient identifier is left out of the file (its row says so).
"""

import csv
import io
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from facilitator.polls.questions.model import questions_of
from facilitator.polls.questions.views import item_titles, ordered, row
from facilitator.rooms.access import Access, require
from facilitator.rooms.model import Role
from facilitator.rooms.views import Scene
from facilitator.rooms.web import hub_of

router = APIRouter(include_in_schema=False)
COLUMNS = (
    "asked at (UTC)",
    "agenda item",
    "question",
    "asked by",
    "upvotes",
    "status",
    "edited",
    "reason for dismissal",
)
facilitator_or_scribe = require(
    Role.SCRIBE, Role.FACILITATOR, refusal="Only the facilitator and the scribe can export the questions."
)


def cell(text: str) -> str:
    """Text a spreadsheet will show, not run: a leading =, +, - or @ would start a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def questions_csv(scene: Scene) -> str:
    """Every question but withdrawn ones, most upvoted first, with its status for the record."""
    titles = item_titles(scene)
    kept = [q for q in questions_of(scene.state).questions.values() if q.status != "withdrawn"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for question in ordered(kept):
        shown = row(question, titles)
        asked = datetime.fromtimestamp(question.asked_at / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
        text = "[left out: possible patient identifier]" if question.flags else shown["text"]
        writer.writerow(
            [
                asked,
                cell(shown["item_title"]),
                cell(text),
                cell(shown["by"]),
                shown["votes"],
                shown["status_name"],
                "yes" if shown["edited"] else "",
                cell(shown["reason"]),
            ]
        )
    return out.getvalue()


@router.get("/r/{code}/questions.csv")
async def download(request: Request, code: str, access: Annotated[Access, Depends(facilitator_or_scribe)]) -> Response:
    room = access.room
    return Response(
        questions_csv(hub_of(request).scene(room)),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="questions-{room.code}.csv"'},
    )
