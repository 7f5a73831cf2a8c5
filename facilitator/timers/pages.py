"""The timers' pages: agenda files, a YAML or JSON list of items imported from the console.

    items:
      - kind: case
        organisation: St Mary's Hospital
        presenter: Dr Ana Silva
        presentation_minutes: 15
        qa_minutes: 5
        qa_prompt: What would you try differently?
      - kind: break
        title: Coffee
        minutes: 10

A bare list of items is accepted too. Fields are those of `agenda.add`.
"""

from typing import Annotated

import yaml
from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from facilitator.rooms.access import Access, Refused, require, rules_of
from facilitator.rooms.model import CommandError, Role
from facilitator.rooms.pages import refused_page
from facilitator.rooms.web import hub_of
from facilitator.timers.commands import ImportAgenda

router = APIRouter(include_in_schema=False)
NOT_IMPORTED = "The agenda was not imported. "
facilitator = require(
    Role.FACILITATOR,
    refusal="Only the facilitator can import an agenda.",
    back="/r/{code}/console",
    missing_back="/r/{code}/console",
    prefix=NOT_IMPORTED,
)


def read_agenda(text: str) -> list:
    """The items of an agenda file, or a CommandError saying what is wrong with it."""
    try:
        data = yaml.safe_load(text)  # JSON is YAML too
    except yaml.YAMLError as error:
        raise CommandError(f"The file is neither YAML nor JSON: {error}".splitlines()[0]) from None
    items = data.get("items") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise CommandError("An agenda file holds a list of items, or a mapping with an `items` list.")
    return items


@router.post("/r/{code}/agenda")
async def import_file(
    request: Request,
    code: str,
    file: Annotated[UploadFile, File()],
    access: Annotated[Access, Depends(facilitator)],
    replace: Annotated[str, Form()] = "",
) -> Response:
    room = access.room
    try:
        text = (await file.read()).decode("utf-8-sig", errors="replace")
        command = rules_of(request).parse(
            {"type": ImportAgenda.type, "items": read_agenda(text), "replace": replace == "true"}
        )
        await hub_of(request).execute(room.code, access.actor, command)
    except CommandError as error:
        return refused_page(request, Refused(NOT_IMPORTED + error.message, error.status, f"/r/{code}/console"))
    return RedirectResponse(f"/r/{room.code}/console", status_code=303)
