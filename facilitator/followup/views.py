"""What the follow-up shows: each plan's milestones with their due dates and status, the check-ins
and what each organisation answered. Pages pass the time; fragments show what needs none."""

from datetime import UTC, datetime

from facilitator.followup.dates import describe, due_day, opens_at_ms, today, zone_of
from facilitator.followup.model import MILESTONES, STATUSES, CheckIn, Followup, followup_of
from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, Role, RoomState
from facilitator.rooms.views import Scene
from facilitator.scribe.model import PLAN_FIELDS, ActionPlan, notebook_of

# Traffic lights: what a status is worth on the dashboard; an overdue milestone not done is red.
LIGHTS = {"not_started": "grey", "on_track": "green", "at_risk": "amber", "done": "green", "dropped": "grey"}
CLOSED = ("done", "dropped")


def when(state: RoomState, ms: int | None) -> str:
    """A moment as the exchange's zone reads it: "2025-03-14 09:30"."""
    if ms is None:
        return ""
    return datetime.fromtimestamp(ms / 1000, UTC).astimezone(zone_of(state)).strftime("%Y-%m-%d %H:%M")


def _who(state: RoomState, by: str, participant_id: str, via: str = "", name: str = "") -> str:
    if via:
        return f"{name or 'a participant'} · at the next exchange ({via})"
    person = state.participants.get(participant_id)
    if person is not None:
        return f"{person.name} · {person.organisation}"
    return {"facilitator": "the facilitator", "scribe": "the scribe"}.get(by, by)


def milestones_of(state: RoomState, plan: ActionPlan, now_ms: int | None = None) -> list[dict]:
    followup = followup_of(state)
    rows = []
    for key, (field, after) in MILESTONES.items():
        milestone = followup.milestone(plan.id, key)
        due = due_day(state, after)
        overdue = now_ms is not None and milestone.status not in CLOSED and today(state, now_ms) > due
        rows.append(
            {
                "key": key,
                "label": PLAN_FIELDS[field],
                "text": plan.fields.get(field, ""),
                "due": due.isoformat(),
                "status": milestone.status,
                "status_label": STATUSES[milestone.status],
                "light": "red" if overdue else LIGHTS[milestone.status],
                "overdue": overdue,
                "updated": when(state, milestone.updated_at),
                "history": [
                    {
                        "status": STATUSES[u.status],
                        "note": u.note,
                        "at": when(state, u.at),
                        "by": _who(state, u.by, u.participant_id, u.via, u.name),
                    }
                    for u in reversed(milestone.updates)
                ],
            }
        )
    return rows


def plan_view(state: RoomState, plan: ActionPlan, now_ms: int | None = None) -> dict:
    milestones = milestones_of(state, plan, now_ms)
    updates = [m.updated_at for key in MILESTONES if (m := followup_of(state).milestone(plan.id, key)).updated_at]
    return {
        "id": plan.id,
        "organisation": plan.organisation,
        "change": plan.fields.get("change", ""),
        "owner": plan.fields.get("owner", ""),
        "milestones": milestones,
        "overdue": sum(1 for m in milestones if m["overdue"]),
        "last_update": when(state, max(updates)) if updates else "",
    }


def plans_of(state: RoomState, organisation: str | None = None, now_ms: int | None = None) -> list[dict]:
    """The live plans (of one organisation), those with overdue milestones first."""
    plans = [
        plan_view(state, plan, now_ms)
        for plan in notebook_of(state).live_plans()
        if organisation is None or plan.organisation == organisation
    ]
    return sorted(plans, key=lambda plan: -plan["overdue"])


def _organisations(state: RoomState) -> list[str]:
    planned = [plan.organisation for plan in notebook_of(state).live_plans()]
    return list(dict.fromkeys([*state.organisations, *planned]))


def checkin_view(state: RoomState, checkin: CheckIn) -> dict:
    followup = followup_of(state)
    planned = {plan.organisation for plan in notebook_of(state).live_plans()}
    answers = [
        {
            "organisation": plan.organisation,
            "change": plan.fields.get("change", ""),
            "progress": pulse.progress,
            "helped": pulse.helped,
            "hindered": pulse.hindered,
            "signed": _who(state, "", pulse.signed_by) if pulse.signed_by else "",
            "at": when(state, pulse.at),
        }
        for plan in notebook_of(state).live_plans()
        if (pulse := followup.pulse(checkin.id, plan.id)) is not None
    ]
    reported = len({answer["organisation"] for answer in answers})
    name = describe(checkin.after)
    return {
        "id": checkin.id,
        "name": f"{name} check-in",
        "opens": when(state, opens_at_ms(state, checkin.after)),
        "open": checkin.opened_at is not None,
        "answers": answers,
        "reported": reported,
        "expected": len(planned),
        "summary": f"{reported} of {len(planned)} organisations reported at the {name} check-in",
    }


def checkins_of(state: RoomState) -> list[dict]:
    return [checkin_view(state, checkin) for checkin in followup_of(state).live_checkins()]


def dashboard(state: RoomState, now_ms: int) -> dict:
    """The facilitator's follow-up: every organisation's plans, overdue first, and every check-in."""
    plans = plans_of(state, now_ms=now_ms)
    rows: list[dict] = [
        {"organisation": name, "plans": [plan for plan in plans if plan["organisation"] == name]}
        for name in _organisations(state)
    ]
    rows.sort(key=lambda row: -sum(plan["overdue"] for plan in row["plans"]))
    return {
        "rows": rows,
        "checkins": checkins_of(state),
        "date": followup_of(state).date,
        "exchange_day": "",
        "timezone": state.timezone or "UTC",
    }


def open_checkins(state: RoomState) -> list[CheckIn]:
    return [checkin for checkin in followup_of(state).live_checkins() if checkin.opened_at is not None]


def phone(scene: Scene) -> dict:
    """On every phone once the exchange has ended: the way to the follow-up, and the check-in that
    is open. The same for everyone, and changed only by the check-ins and the room."""
    state = scene.state
    opened = open_checkins(state)
    return {"code": state.code, "checkin": describe(opened[-1].after) if opened else "", "ended": state.ended}


def api_view(scene: Scene, viewer: Actor) -> dict:
    """Statuses, check-ins and answers; never an address."""
    state = scene.state
    followup: Followup = followup_of(state)
    view: dict = {
        "date": followup.date,
        "plans": [
            {"id": plan["id"], "milestones": {m["key"]: m["status"] for m in plan["milestones"]}}
            for plan in plans_of(state)
        ],
        "checkins": checkins_of(state),
    }
    if viewer.role is Role.PARTICIPANT:
        view["contact"] = bool(followup.contacts.get(viewer.participant_id or ""))
    return view


# Check-ins change what every phone shows; a milestone's status only the follow-up pages.
TOPICS = {"checkin.scheduled": "checkins", "checkin.cancelled": "checkins", "checkin.opened": "checkins"}
FRAGMENTS = (
    Fragment(
        "follow-up-phone",
        frozenset({"phone"}),
        phone,
        reads=frozenset({"checkins", "room"}),
    ),
)
