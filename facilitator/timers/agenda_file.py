"""Agenda files: a YAML or JSON list of items, imported from the console.

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
from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from facilitator.features import RULES
from facilitator.rooms.model import CommandError, Role
from facilitator.rooms.pages import page
from facilitator.rooms.secrets import normalise_code
from facilitator.rooms.web import hub_of, identity_of
from facilitator.timers.commands import ImportAgenda

router = APIRouter(include_in_schema=False)


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
async def import_file(request: Request, code: str, file: Annotated[UploadFile, File()],
                      replace: Annotated[str, Form()] = "") -> Response:
    hub = hub_of(request)
    try:
        room = await hub.open(normalise_code(code) or "-")
        actor = identity_of(request).from_cookies(request, room.state, "console")
        if actor is None or actor.role is not Role.FACILITATOR:
            raise CommandError("Only the facilitator can import an agenda.", status=403)
        text = (await file.read()).decode("utf-8-sig", errors="replace")
        command = RULES.parse({"type": ImportAgenda.type, "items": read_agenda(text), "replace": replace == "true"})
        await hub.execute(room.code, actor, command)
    except CommandError as error:
        return page(request, "message.html", status=error.status, message=f"The agenda was not imported. {error.message}",
                    back=f"/r/{code}/console")
    return RedirectResponse(f"/r/{room.code}/console", status_code=303)
