"""The questions of an exchange as a spreadsheet (CSV), for the facilitator and the scribe.

An anonymous question is exported as "Anonymous": its author's hash is not
written, like on every page. A question its writer posted although it looked like
it held a patient identifier is left out of the file (its row says so).
"""

import csv
import io
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from facilitator.polls.questions.model import questions_of
from facilitator.polls.questions.views import item_titles, ordered, row
from facilitator.rooms.model import CommandError, Role
from facilitator.rooms.pages import page
from facilitator.rooms.secrets import normalise_code
from facilitator.rooms.views import Scene
from facilitator.rooms.web import hub_of, identity_of

router = APIRouter(include_in_schema=False)
COLUMNS = ("asked at (UTC)", "agenda item", "question", "asked by", "upvotes", "status", "edited",
           "reason for dismissal")


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
        writer.writerow([asked, cell(shown["item_title"]), cell(text), cell(shown["by"]), shown["votes"],
                         shown["status_name"], "yes" if shown["edited"] else "", cell(shown["reason"])])
    return out.getvalue()


@router.get("/r/{code}/questions.csv")
async def download(request: Request, code: str) -> Response:
    hub = hub_of(request)
    try:
        room = await hub.open(normalise_code(code) or "-")
        actor = identity_of(request).from_cookies(request, room.state, "scribe")
        if actor is None or actor.role not in (Role.FACILITATOR, Role.SCRIBE):
            raise CommandError("Only the facilitator and the scribe can export the questions.", status=403)
    except CommandError as error:
        return page(request, "message.html", status=error.status, message=error.message, back="/")
    return Response(questions_csv(hub.scene(room)), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="questions-{room.code}.csv"'})
