"""The series' pages: "Plan the next exchange" (a form carrying over what the ended exchange was,
editable, which creates the next one with a review of commitments at the top of its agenda), and
the phone's page for updating a plan during that review.

An update made during the review is decided twice, each time in the room it concerns: the new
exchange checks the person and that their organisation is presenting (`review.update`, which
writes nothing), then the server sends it, as itself, to the exchange the plan was made in
(`milestone.relay`), whose log keeps it with the plan's other versions."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response

from facilitator.review.model import REVIEW_TITLE, review_of
from facilitator.review.views import commitments
from facilitator.rooms.access import Access, require, rules_of
from facilitator.rooms.model import Actor, CommandError, Role, RoomState
from facilitator.rooms.pages import page
from facilitator.rooms.throttle import address_of
from facilitator.rooms.web import base_url, hub_of, identity_of, links
from facilitator.scribe.model import notebook_of

router = APIRouter(include_in_schema=False)

Facilitator = Annotated[
    Access,
    Depends(require(Role.FACILITATOR, refusal="Only the facilitator can plan the next exchange.")),
]
Participant = Annotated[
    Access,
    Depends(
        require(Role.PARTICIPANT, refusal="Only the participants of this exchange can update plans during its review.")
    ),
]
REVIEW_MINUTES = 30
FIELDS = ("title", "focus", "outcome", "beneficiaries", "organisations", "confidentiality", "minutes")


def carried_over(state: RoomState) -> dict[str, str]:
    """The next exchange's form, filled in with what this one was."""
    return {
        "title": state.title,
        "focus": state.charter.focus,
        "outcome": state.charter.outcome,
        "beneficiaries": state.charter.beneficiaries,
        "organisations": "\n".join(state.organisations),
        "confidentiality": state.confidentiality,
        "minutes": str(REVIEW_MINUTES),
    }


def reviewed(state: RoomState, organisations: list[str]) -> list[str]:
    """The organisations whose plans the review goes through: those with a live plan, in the
    order of the next exchange's list, then any others in the order their plans were made."""
    planned = list(dict.fromkeys(plan.organisation for plan in notebook_of(state).live_plans()))
    return [name for name in organisations if name in planned] + [name for name in planned if name not in organisations]


def _next_page(request: Request, state: RoomState, form: dict, error: str = "", status: int = 200) -> Response:
    return page(request, "next-exchange.html", status=status, room=state, form=form, error=error)


def _refusal(state: RoomState) -> str:
    if not state.ended:
        return "End this exchange before planning the next one."
    if state.next is not None:
        return f"The next exchange, {state.next.title} ({state.next.code}), is already planned."
    return ""


@router.get("/r/{code}/next")
async def next_exchange_form(request: Request, code: str, access: Facilitator) -> Response:
    state = access.room.state
    refusal = _refusal(state)
    return _next_page(request, state, carried_over(state), refusal, 409 if refusal else 200)


@router.post("/r/{code}/next")
async def plan_next_exchange(request: Request, code: str, access: Facilitator) -> Response:
    hub, rules, earlier = hub_of(request), rules_of(request), access.room
    raw = await request.form()
    form = {name: str(raw.get(name, "")) for name in FIELDS}
    refusal = _refusal(earlier.state)
    if refusal:
        return _next_page(request, earlier.state, form, refusal, 409)
    organisations = [name.strip() for name in form["organisations"].splitlines() if name.strip()]
    try:
        hub.throttle.creating(address_of(request))
        create = rules.parse(
            {
                "type": "room.create",
                "title": form["title"],
                "confidentiality": form["confidentiality"],
                "charter": {key: form[key] for key in ("focus", "outcome", "beneficiaries")},
                "organisations": organisations,
                "timezone": earlier.state.timezone,
            }
        )
        item = rules.parse(
            {"type": "agenda.add", "kind": "discussion", "title": REVIEW_TITLE, "minutes": form["minutes"] or "0"}
        )
    except CommandError as error:
        return _next_page(request, earlier.state, form, error.message, error.status)
    code, created = await hub.create(create)
    title = created.events[0].data["title"]
    system, facilitator = Actor(Role.SYSTEM), Actor(Role.FACILITATOR)
    link = {"type": "room.link", "code": earlier.code, "relation": "previous", "title": earlier.state.title}
    await hub.execute(code, system, rules.parse(link))
    try:
        back = {"type": "room.link", "code": code, "relation": "next", "title": title}
        await hub.execute(earlier.code, system, rules.parse(back))
    except CommandError as error:  # planned meanwhile from another window: this one stands alone
        return _next_page(request, earlier.state, form, error.message, error.status)
    added = await hub.execute(code, facilitator, item)
    item_id = added.events[0].data["item"]["id"]
    organisations_reviewed = reviewed(earlier.state, hub.rooms[code].state.organisations)
    opened = {"type": "review.open", "item_id": item_id, "organisations": organisations_reviewed}
    await hub.execute(code, facilitator, rules.parse(opened))
    secrets = created.reply["links"]
    response = page(
        request,
        "created.html",
        code=code,
        title=title,
        links=links(base_url(request), code, secrets),
        follows=earlier.state,
    )
    identity_of(request).remember(response, code, Role.FACILITATOR, secrets["facilitator"])
    return response


# -- the phone during the review ------------------------------------------------------


async def _review_page(request: Request, access: Access, error: str = "", status: int = 200) -> Response:
    state = access.room.state
    review = review_of(state)
    person = state.person_of(access.actor)
    plans: list[dict] = []
    if state.previous is not None and review.presenting == person.organisation:
        try:
            earlier = await hub_of(request).open(state.previous.code)
            plans = commitments(earlier.state, person.organisation)
        except CommandError as refused:
            error = error or refused.message
    return page(
        request,
        "review.html",
        status=status,
        room=state,
        organisation=person.organisation,
        presenting=review.presenting,
        plans=plans,
        error=error,
    )


@router.get("/r/{code}/review")
async def review_page(request: Request, code: str, access: Participant) -> Response:
    return await _review_page(request, access)


@router.post("/r/{code}/review")
async def review_update(request: Request, code: str, access: Participant) -> Response:
    hub, rules = hub_of(request), rules_of(request)
    raw = await request.form()
    fields = {name: str(raw[name]) for name in ("plan_id", "milestone", "status", "note") if name in raw}
    flags = {name: bool(raw.get(name)) for name in ("redact", "confirm_identifiers")}
    try:
        checked = await hub.execute(
            access.room.code, access.actor, rules.parse({"type": "review.update"} | fields | flags)
        )
        relay = checked.reply["relay"]
        await hub.execute(relay["room"], Actor(Role.SYSTEM), rules.parse(relay["command"]))
    except CommandError as error:
        return await _review_page(request, access, error.message, error.status)
    return RedirectResponse(f"/r/{access.room.code}/review", status_code=303)
