"""The pure rules of follow-up: milestone status, check-ins, pulse answers and contact addresses."""

from facilitator.followup import commands as c
from facilitator.followup.dates import opens_at_ms
from facilitator.followup.model import CheckIn, Milestone, Pulse, Update, followup_of
from facilitator.rooms.feature import Applier, Decider
from facilitator.rooms.model import Actor, Command, CommandError, Context, Decision, Draft, Event, Role, RoomState
from facilitator.rooms.privacy import screened
from facilitator.rooms.secrets import derive
from facilitator.scribe.model import ActionPlan, notebook_of

MAX_CHECKINS = 12
MAX_UPDATES = 200  # per milestone


def _plan(state: RoomState, actor: Actor, plan_id: str) -> ActionPlan:
    """The plan, if the actor may update it: staff any, a participant their organisation's."""
    plan = notebook_of(state).plans.get(plan_id)
    if plan is None or plan.deleted_at is not None:
        raise CommandError("There is no such action plan; it may have been deleted.", status=404)
    if actor.role is Role.PARTICIPANT and state.person_of(actor).organisation != plan.organisation:
        raise CommandError("You can update only your own organisation's action plan.", status=403)
    return plan


def update_milestone(state: RoomState, actor: Actor, cmd: c.UpdateMilestone, ctx: Context) -> Decision:
    plan = _plan(state, actor, cmd.plan_id)
    milestone = followup_of(state).milestone(plan.id, cmd.milestone)
    if milestone.status == cmd.status and not cmd.note:
        raise CommandError("Nothing to change: add a note, or choose another status.")
    if len(milestone.updates) >= MAX_UPDATES:
        raise CommandError("This milestone has taken all the updates it can.", status=409)
    note, flags = screened(cmd, cmd.note)
    data = {
        "plan_id": plan.id,
        "milestone": cmd.milestone,
        "status": cmd.status,
        "note": note,
        "flags": flags,
        "by": actor.role.value,
        "participant_id": actor.participant_id if actor.role is Role.PARTICIPANT else "",
    }
    return Decision([Draft("milestone.updated", data)])


def relay_milestone(state: RoomState, actor: Actor, cmd: c.RelayMilestone, ctx: Context) -> Decision:
    """An update from the next exchange's review: only that exchange relays, and only for a plan
    of the organisation it says is presenting."""
    if state.next is None or state.next.code != cmd.via:
        raise CommandError("Only the next exchange of this series can update its plans.", status=403)
    plan = _plan(state, actor, cmd.plan_id)
    if plan.organisation != cmd.organisation:
        raise CommandError("You can update only your own organisation's action plan.", status=403)
    decision = update_milestone(state, actor, cmd, ctx)
    data = decision.events[0].data | {"by": "participant", "via": cmd.via, "name": cmd.name}
    return Decision([Draft("milestone.updated", data)])


def configure(state: RoomState, actor: Actor, cmd: c.Configure, ctx: Context) -> Decision:
    if followup_of(state).date == cmd.date:
        raise CommandError("Nothing to change.")
    return Decision([Draft("followup.configured", {"date": cmd.date})])


def schedule(state: RoomState, actor: Actor, cmd: c.ScheduleCheckIns, ctx: Context) -> Decision:
    live = {checkin.after for checkin in followup_of(state).live_checkins()}
    wanted = [after for after in dict.fromkeys(cmd.after) if after not in live]
    if not wanted:
        raise CommandError("Those check-ins are already scheduled.", status=409)
    if len(live) + len(wanted) > MAX_CHECKINS:
        raise CommandError(f"An exchange takes at most {MAX_CHECKINS} check-ins.", status=409)
    drafts = [
        Draft("checkin.scheduled", {"checkin_id": derive(ctx.nonce, f"checkin:{after}")[:10], "after": after})
        for after in wanted
    ]
    return Decision(drafts)


def _checkin(state: RoomState, checkin_id: str) -> CheckIn:
    checkin = followup_of(state).checkins.get(checkin_id)
    if checkin is None or checkin.cancelled:
        raise CommandError("There is no such check-in; it may have been cancelled.", status=404)
    return checkin


def cancel(state: RoomState, actor: Actor, cmd: c.CancelCheckIn, ctx: Context) -> Decision:
    checkin = _checkin(state, cmd.checkin_id)
    return Decision([Draft("checkin.cancelled", {"checkin_id": checkin.id})])


def open_checkin(state: RoomState, actor: Actor, cmd: c.OpenCheckIn, ctx: Context) -> Decision:
    """A check-in's deadline: it opens once, at its time, and a deadline for a date since moved is stale."""
    checkin = _checkin(state, cmd.checkin_id)
    if checkin.opened_at is not None:
        raise CommandError("That check-in is already open.", status=409)
    due = opens_at_ms(state, checkin.after)
    if cmd.at != due:
        raise CommandError("That check-in has moved.", status=409)
    if ctx.now_ms < due:
        raise CommandError("That check-in is not due yet.", status=409)
    return Decision([Draft("checkin.opened", {"checkin_id": checkin.id})])


def answer(state: RoomState, actor: Actor, cmd: c.AnswerPulse, ctx: Context) -> Decision:
    checkin = _checkin(state, cmd.checkin_id)
    if checkin.opened_at is None:
        raise CommandError("That check-in is not open yet.", status=409)
    plan = _plan(state, actor, cmd.plan_id)
    helped, helped_flags = screened(cmd, cmd.helped)
    hindered, hindered_flags = screened(cmd, cmd.hindered)
    data = {
        "checkin_id": checkin.id,
        "plan_id": plan.id,
        "organisation": plan.organisation,
        "progress": cmd.progress,
        "helped": helped,
        "hindered": hindered,
        "flags": sorted(set(helped_flags) | set(hindered_flags)),
        # Unsigned, nothing in the event says who answered: only which organisation's plan.
        "signed_by": actor.participant_id if cmd.sign else "",
    }
    return Decision([Draft("pulse.answered", data)])


def set_contact(state: RoomState, actor: Actor, cmd: c.SetContact, ctx: Context) -> Decision:
    person = state.person_of(actor)
    if followup_of(state).contacts.get(person.id, "") == cmd.email:
        raise CommandError("Nothing to change.")
    return Decision([Draft("contact.set", {"participant_id": person.id, "email": cmd.email})])


def on_milestone_updated(state: RoomState, event: Event) -> None:
    data = event.data
    milestones = followup_of(state).milestones
    milestone = milestones.setdefault(
        f"{data['plan_id']}/{data['milestone']}", Milestone(data["plan_id"], data["milestone"])
    )
    milestone.updates.append(
        Update(
            data["status"],
            data["note"],
            event.at,
            data["by"],
            data["participant_id"],
            data["flags"],
            data.get("via", ""),
            data.get("name", ""),
        )
    )


def on_configured(state: RoomState, event: Event) -> None:
    followup_of(state).date = event.data["date"]


def on_scheduled(state: RoomState, event: Event) -> None:
    checkin = CheckIn(event.data["checkin_id"], event.data["after"])
    followup_of(state).checkins[checkin.id] = checkin


def on_cancelled(state: RoomState, event: Event) -> None:
    followup_of(state).checkins[event.data["checkin_id"]].cancelled = True


def on_opened(state: RoomState, event: Event) -> None:
    followup_of(state).checkins[event.data["checkin_id"]].opened_at = event.at


def on_answered(state: RoomState, event: Event) -> None:
    data = event.data
    followup_of(state).pulses.append(
        Pulse(
            data["checkin_id"],
            data["plan_id"],
            data["organisation"],
            data["progress"],
            data["helped"],
            data["hindered"],
            event.at,
            data["signed_by"],
            list(data.get("flags", [])),
        )
    )


def on_contact(state: RoomState, event: Event) -> None:
    contacts = followup_of(state).contacts
    if event.data["email"]:
        contacts[event.data["participant_id"]] = event.data["email"]
    else:
        contacts.pop(event.data["participant_id"], None)


DECIDERS: dict[type[Command], Decider] = {
    c.UpdateMilestone: update_milestone,
    c.RelayMilestone: relay_milestone,
    c.Configure: configure,
    c.ScheduleCheckIns: schedule,
    c.CancelCheckIn: cancel,
    c.OpenCheckIn: open_checkin,
    c.AnswerPulse: answer,
    c.SetContact: set_contact,
}
APPLIERS: dict[str, Applier] = {
    "milestone.updated": on_milestone_updated,
    "followup.configured": on_configured,
    "checkin.scheduled": on_scheduled,
    "checkin.cancelled": on_cancelled,
    "checkin.opened": on_opened,
    "pulse.answered": on_answered,
    "contact.set": on_contact,
}
