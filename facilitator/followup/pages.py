"""Follow-up pages: an organisation's plans with their milestones (status from a phone, the
check-in's pulse survey, an address for reminders), the facilitator's dashboard, and the
calendar files. Plain pages that post commands: they work after the exchange has ended, for
the people who were in it; someone removed loses them with their cookie.
"""

from datetime import UTC, date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from facilitator.followup import commands as c
from facilitator.followup.dates import describe, exchange_day
from facilitator.followup.model import STATUSES, followup_of
from facilitator.followup.views import dashboard, open_checkins, plan_view, plans_of
from facilitator.rooms.access import Access, require, rules_of
from facilitator.rooms.hub import LiveRoom
from facilitator.rooms.model import Actor, CommandError, Role
from facilitator.rooms.pages import page, refused_page
from facilitator.rooms.web import base_url, hub_of
from facilitator.scribe.model import ActionPlan, notebook_of

router = APIRouter(include_in_schema=False)

Follower = Annotated[
    Access,
    Depends(
        require(
            Role.FACILITATOR,
            Role.SCRIBE,
            Role.PARTICIPANT,
            refusal="Only the people who were in this exchange can follow up its action plans.",
        )
    ),
]
Staff = Annotated[
    Access,
    Depends(
        require(
            Role.FACILITATOR, Role.SCRIBE, refusal="Only the facilitator or a scribe can see the follow-up dashboard."
        )
    ),
]
# What each form on the follow-up page posts, and the fields it takes.
FORMS = {
    "milestone": (c.UpdateMilestone.type, ("plan_id", "milestone", "status", "note", "redact", "confirm_identifiers")),
    "pulse": (c.AnswerPulse.type, ("checkin_id", "plan_id", "progress", "helped", "hindered", "sign", "redact")),
    "contact": (c.SetContact.type, ("email",)),
}
DASHBOARD_FORMS = {
    "checkins": (c.ScheduleCheckIns.type, ("after",)),
    "date": (c.Configure.type, ("date",)),
    "cancel": (c.CancelCheckIn.type, ("checkin_id",)),
}


def _organisation(room: LiveRoom, actor: Actor) -> str | None:
    return room.state.person_of(actor).organisation if actor.role is Role.PARTICIPANT else None


def _follow_up_page(request: Request, access: Access, error: str = "", status: int = 200) -> Response:
    room, actor = access.room, access.actor
    state = room.state
    organisation = _organisation(room, actor)
    opened = open_checkins(state)
    checkin = opened[-1] if opened else None
    contact = followup_of(state).contacts.get(actor.participant_id or "", "")
    plans = plans_of(state, organisation, now_ms=hub_of(request).clock.now_ms())
    return page(
        request,
        "follow-up.html",
        status=status,
        room=state,
        organisation=organisation,
        plans=plans,
        statuses=STATUSES,
        checkin=checkin,
        checkin_name=describe(checkin.after) if checkin else "",
        answered={
            p.id for p in notebook_of(state).live_plans() if checkin and followup_of(state).pulse(checkin.id, p.id)
        },
        contact=contact,
        participant=actor.role is Role.PARTICIPANT,
        staff=actor.role in (Role.FACILITATOR, Role.SCRIBE),
        error=error,
    )


@router.get("/r/{code}/follow-up")
async def follow_up(request: Request, code: str, access: Follower) -> Response:
    return _follow_up_page(request, access)


async def _post(request: Request, access: Access, forms: dict) -> CommandError | None:
    form = await request.form()
    chosen = forms.get(str(form.get("form", "")))
    if chosen is None:
        return CommandError("That form does not exist.")
    kind, fields = chosen
    raw: dict = {"type": kind}
    for name in fields:
        if name in ("redact", "confirm_identifiers", "sign"):
            raw[name] = bool(form.get(name))
        elif name == "after":
            raw[name] = [str(value) for value in form.getlist(name)] or ["30d", "90d", "12m"]
        elif name in form:
            raw[name] = str(form[name])
    try:
        await hub_of(request).execute(access.room.code, access.actor, rules_of(request).parse(raw))
    except CommandError as error:
        return error
    return None


@router.post("/r/{code}/follow-up")
async def follow_up_save(request: Request, code: str, access: Follower) -> Response:
    error = await _post(request, access, FORMS)
    if error is not None:
        return _follow_up_page(request, access, error.message, error.status)
    return RedirectResponse(f"/r/{access.room.code}/follow-up", status_code=303)


def _dashboard_page(request: Request, access: Access, error: str = "", status: int = 200) -> Response:
    state = access.room.state
    return page(
        request,
        "follow-up-dashboard.html",
        status=status,
        room=state,
        board=dashboard(state, hub_of(request).clock.now_ms()),
        exchange_day=exchange_day(state).isoformat(),
        staff=access.actor.role is Role.FACILITATOR,
        error=error,
    )


@router.get("/r/{code}/follow-up/dashboard")
async def follow_up_dashboard(request: Request, code: str, access: Staff) -> Response:
    return _dashboard_page(request, access)


@router.post("/r/{code}/follow-up/dashboard")
async def follow_up_dashboard_save(request: Request, code: str, access: Staff) -> Response:
    error = await _post(request, access, DASHBOARD_FORMS)
    if error is not None:
        return _dashboard_page(request, access, error.message, error.status)
    return RedirectResponse(f"/r/{access.room.code}/follow-up/dashboard", status_code=303)


# -- calendars ----------------------------------------------------------------------


def calendar_of(request: Request, room: LiveRoom, plans: list[ActionPlan]) -> bytes:
    """One all-day event per milestone, on its due day: who owns it, the change, a link back."""
    state = room.state
    link = f"{base_url(request)}/r/{state.code}/follow-up"
    # The time the file describes, not when it was downloaded: the same plans give the same file.
    stamp = datetime.fromtimestamp((state.ended_at or state.created_at or 0) / 1000, UTC)
    calendar = Calendar()
    calendar.add("prodid", "-//Facilitator//Follow-up//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"{state.title}: action plans")
    for plan in plans:
        shown = plan_view(state, plan)
        for milestone in shown["milestones"]:
            event = CalendarEvent()
            event.add("uid", f"{plan.id}-{milestone['key']}@{state.code}.facilitator")
            event.add("summary", f"{plan.organisation}: {milestone['label']}: {shown['change'][:80]}")
            event.add("dtstart", date.fromisoformat(milestone["due"]))
            event.add("dtstamp", stamp)
            lines = [
                f"The change: {shown['change']}",
                f"Milestone: {milestone['text']}" if milestone["text"] else "",
                f"Owner: {shown['owner']}" if shown["owner"] else "",
                f"Update its status: {link}",
            ]
            event.add("description", "\n".join(line for line in lines if line))
            event.add("url", link)
            calendar.add_component(event)
    return calendar.to_ical()


def _ics(content: bytes, name: str) -> Response:
    return Response(
        content,
        media_type="text/calendar; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.ics"'},
    )


@router.get("/r/{code}/plans.ics")
async def all_plans_ics(request: Request, code: str, access: Staff) -> Response:
    room = access.room
    return _ics(calendar_of(request, room, notebook_of(room.state).live_plans()), f"action-plans-{room.code}")


@router.get("/r/{code}/plans/{plan_id}.ics")
async def plan_ics(request: Request, code: str, plan_id: str, access: Follower) -> Response:
    room, actor = access.room, access.actor
    plan = notebook_of(room.state).plans.get(plan_id)
    if plan is None or plan.deleted_at is not None:
        return refused_page(request, CommandError("There is no such action plan; it may have been deleted.", 404))
    if actor.role is Role.PARTICIPANT and plan.organisation != _organisation(room, actor):
        return refused_page(request, CommandError("That is another organisation's action plan.", 403))
    return _ics(calendar_of(request, room, [plan]), f"action-plan-{plan.id}")
