"""The scribe's pages that are forms, not live surfaces: a case's Best-Practice Summary and an
organisation's action plan (the session record's page is in `facilitator.record`).

Long forms live on their own pages so that nothing live ever replaces what is being typed.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from facilitator.rooms.access import Access, require, rules_of
from facilitator.rooms.hub import LiveRoom
from facilitator.rooms.model import Actor, CommandError, Role
from facilitator.rooms.pages import page, refused_page
from facilitator.rooms.views import Scene
from facilitator.rooms.web import hub_of
from facilitator.scribe import commands as c
from facilitator.scribe.model import LEVELS, PLAN_FIELDS, SUMMARY_FIELDS, notebook_of
from facilitator.scribe.views import organisations
from facilitator.timers.model import Item, agenda_of

router = APIRouter(include_in_schema=False)
SUMMARY_PREFILL = {"intervention": "practice", "tips": "insight", "barriers": "barrier"}

# Who may open each page; where someone holds several links, the first role listed is who they are.
Writer = Annotated[
    Access,
    Depends(
        require(Role.SCRIBE, Role.FACILITATOR, refusal="Only a scribe or the facilitator can write case summaries.")
    ),
]
Planner = Annotated[
    Access,
    Depends(
        require(
            Role.SCRIBE,
            Role.FACILITATOR,
            Role.PARTICIPANT,
            refusal="Join the exchange to write your organisation's action plan.",
        )
    ),
]


# -- case summaries ------------------------------------------------------------------


def prefill(room: LiveRoom, item_id: str) -> dict[str, str]:
    """A summary not yet written starts from the case's notes, by kind."""
    notes = [note.latest for note in notebook_of(room.state).live_notes() if note.latest.item_id == item_id]
    return {field: "\n".join(f"- {n.text}" for n in notes if n.kind == kind) for field, kind in SUMMARY_PREFILL.items()}


def _agenda_item(room: LiveRoom, item_id: str) -> Item:
    item = agenda_of(room.state).items.get(item_id)
    if item is None:
        raise CommandError("That agenda item does not exist.", status=404)
    return item


@router.get("/r/{code}/summary/{item_id}")
async def summary_form(request: Request, code: str, item_id: str, access: Writer) -> Response:
    room = access.room
    try:
        item = _agenda_item(room, item_id)
    except CommandError as error:
        return refused_page(request, error)
    saved = notebook_of(room.state).summaries.get(item_id)
    values = saved.fields if saved else prefill(room, item_id)
    return page(
        request,
        "summary.html",
        room=room.state,
        item=item,
        fields=SUMMARY_FIELDS,
        values=values,
        revisions=len(saved.revisions) if saved else 0,
        error="",
    )


@router.post("/r/{code}/summary/{item_id}")
async def summary_save(request: Request, code: str, item_id: str, access: Writer) -> Response:
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in SUMMARY_FIELDS}
    room = access.room
    try:
        item = _agenda_item(room, item_id)
    except CommandError as error:  # no item: nothing to show the form for
        return refused_page(request, error)
    try:
        command = rules_of(request).parse({"type": c.SaveSummary.type, "item_id": item_id, **values})
        await hub_of(request).execute(room.code, access.actor, command)
    except CommandError as error:
        saved = notebook_of(room.state).summaries.get(item_id)
        return page(
            request,
            "summary.html",
            status=error.status,
            room=room.state,
            item=item,
            fields=SUMMARY_FIELDS,
            values=values,
            revisions=len(saved.revisions) if saved else 0,
            error=error.message,
        )
    return RedirectResponse(f"/r/{room.code}/scribe", status_code=303)


# -- action plans ----------------------------------------------------------------------


def _plan_page(
    request: Request, room: LiveRoom, actor: Actor, plan_id: str, values: dict, error: str = "", status: int = 200
) -> Response:
    mine = actor.role is Role.PARTICIPANT
    organisation = room.state.person_of(actor).organisation if mine else values.get("organisation", "")
    plans = [
        {"id": plan.id, "organisation": plan.organisation, "change": plan.fields["change"]}
        for plan in notebook_of(room.state).live_plans()
        if not mine or plan.organisation == organisation
    ]
    back = f"/r/{room.code}" if mine else f"/r/{room.code}/scribe"
    return page(
        request,
        "plan.html",
        status=status,
        room=room.state,
        fields=PLAN_FIELDS,
        levels=LEVELS,
        values=values,
        plan_id=plan_id,
        plans=plans,
        mine=mine,
        organisation=organisation,
        organisations=organisations_for(room),
        back=back,
        error=error,
    )


def organisations_for(room: LiveRoom) -> list[str]:
    return organisations(Scene(room.state, frozenset()))


@router.get("/r/{code}/plan")
async def plan_form(
    request: Request, code: str, access: Planner, plan_id: str = "", organisation: str = ""
) -> Response:
    room, actor = access.room, access.actor
    try:
        values = {"organisation": organisation}
        if plan_id:
            plan = notebook_of(room.state).plans.get(plan_id)
            if plan is None or plan.deleted_at is not None:
                raise CommandError("There is no such action plan; it may have been deleted.", status=404)
            if actor.role is Role.PARTICIPANT and plan.organisation != room.state.person_of(actor).organisation:
                raise CommandError("You can write only your own organisation's action plan.", status=403)
            values = {**plan.fields, "organisation": plan.organisation}
    except CommandError as error:
        return refused_page(request, error)
    return _plan_page(request, room, actor, plan_id, values)


@router.post("/r/{code}/plan")
async def plan_save(
    request: Request,
    code: str,
    access: Planner,
    plan_id: Annotated[str, Form()] = "",
    delete: Annotated[str, Form()] = "",
) -> Response:
    form = await request.form()
    values = {key: str(form.get(key, "")) for key in (*PLAN_FIELDS, "organisation")}
    room, actor = access.room, access.actor
    rules = rules_of(request)
    try:
        if delete:
            command = rules.parse({"type": c.DeletePlan.type, "plan_id": plan_id})
        else:
            command = rules.parse({"type": c.SavePlan.type, "plan_id": plan_id, **values})
        await hub_of(request).execute(room.code, actor, command)
    except CommandError as error:
        return _plan_page(request, room, actor, plan_id, values, error.message, error.status)
    return RedirectResponse(f"/r/{room.code}/plan", status_code=303)
