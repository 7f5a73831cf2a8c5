"""What each surface shows of the breakout rounds: the console's preview and live view of every
group, a phone's own group and worksheet, and the screen's report-back.

A phone sees its own group's worksheet and no other until that group is on the screen in the
report-back: per person, so the other groups' text never reaches it.
"""

from dataclasses import replace
from typing import Any

from facilitator.rooms.breakouts.assign import quality
from facilitator.rooms.breakouts.model import CLOSED, SETUP, STRATEGIES, Group, Round, Section, breakouts_of
from facilitator.rooms.breakouts.rules.decide import Layout, follows_choices, people_of, preview
from facilitator.rooms.changes import EVERYONE, NOBODY, PRESENCE, Viewers, participants
from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, Event, Role, RoomState
from facilitator.rooms.views import Scene
from facilitator.scribe.model import notebook_of
from facilitator.timers.model import agenda_of

MESSAGES_SHOWN = 3
BREAKOUTS = frozenset({"breakouts", "participants", "room"})


def writer_name(state: RoomState, by: str) -> str:
    if by in ("facilitator", "scribe"):
        return f"the {by}"
    person = state.participants.get(by)
    return person.name if person else "someone"


# A worksheet line the scribe makes a note of becomes a note of this kind, by its section's title:
# a problem is a barrier, a feasibility line (impact, effort, first step, owner) an action, and
# anything else (an idea) an insight. The recommended idea is a best practice.
NOTE_KINDS_BY_SECTION = (("problem", "barrier"), ("barrier", "barrier"), ("feasib", "action"), ("step", "action"))
NOTE_KIND_OTHERWISE, NOTE_KIND_RECOMMENDED = "insight", "practice"
Noted = frozenset[tuple[str, str]]


def note_kind(title: str) -> str:
    """The kind of note a line of the section titled `title` becomes."""
    folded = title.casefold()
    return next((kind for word, kind in NOTE_KINDS_BY_SECTION if word in folded), NOTE_KIND_OTHERWISE)


def lines_of(text: str) -> list[str]:
    """A worksheet text's lines, each one idea or point, without list bullets."""
    return [line.lstrip("-*• ").strip() for line in text.splitlines() if line.strip("-*• ")]


def noted(state: RoomState) -> Noted:
    """The (source, text) of every note there is: a line already made a note of says so."""
    return frozenset((n.latest.source, n.latest.text) for n in notebook_of(state).live_notes() if n.latest.source)


def note_of(round_: Round, group: Group, text: str, kind: str, already: Noted) -> dict[str, Any]:
    """What "Make a note" posts for one line: a note of `kind` under the round's agenda item (or
    none, not the item running now), linked to no speaker, with the group's name as its source."""
    return {
        "text": text,
        "kind": kind,
        "item_id": round_.item_id or "none",
        "source": group.name,
        "noted": (group.name, text) in already,
    }


def section_view(state: RoomState, index: int, section: Section) -> dict[str, Any]:
    latest = section.latest
    return {
        "index": index,
        "title": section.title,
        "text": section.text,
        "versions": len(section.versions),
        "by": writer_name(state, latest.by) if latest else "",
        "by_id": latest.by if latest else "",
        "at": latest.at if latest else None,
    }


def ideas_of(group: Group) -> list[str]:
    """The lines of the ideas section (the second, or the one named so), each one an idea."""
    found = next((s for s in group.sections if s.title.casefold().startswith("idea")), None)
    if found is None and len(group.sections) > 1:
        found = group.sections[1]
    return lines_of(found.text if found else "")


def group_view(
    scene: Scene, group: Group, worksheet: bool = True, presence: bool = False, notes: Round | None = None
) -> dict[str, Any]:
    """A group as a surface shows it; `presence` says who is connected (the console alone follows
    it); with `notes`, the group's round, each worksheet line comes with the note it can become
    (the console and the scribe panel)."""
    state = scene.state
    members = [state.participants[m] for m in group.members if m in state.participants]
    shown: dict[str, Any] = {
        "id": group.id,
        "name": group.name,
        "topic": group.topic,
        "members": [
            {
                "id": p.id,
                "name": p.name,
                "organisation": p.organisation,
                "role": p.job_title,
                "online": presence and p.id in scene.connected,
            }
            for p in members
        ],
        "organisations": sorted({p.organisation for p in members}, key=str.casefold),
        "recommended": group.recommended,
        "edited_at": group.edited_at,
    }
    if worksheet:
        shown["sections"] = [section_view(state, i, s) for i, s in enumerate(group.sections)]
    if worksheet and notes is not None:
        already = scene.once("breakouts.noted", lambda: noted(state))
        for section in shown["sections"]:
            kind = note_kind(section["title"])
            section["lines"] = [note_of(notes, group, line, kind, already) for line in lines_of(section["text"])]
        shown["recommended_note"] = (
            note_of(notes, group, group.recommended, NOTE_KIND_RECOMMENDED, already) if group.recommended else None
        )
    return shown


def quality_lines(state: RoomState, round_: Round, layout: Layout | None = None) -> list[str]:
    """How well the round's rule holds in `layout` (by default the groups the round would open
    with now, see `preview`), in words ("No organisation repeated in any group")."""
    people = people_of(state, round_)
    breakouts = breakouts_of(state)
    layout = preview(state, round_) if layout is None else layout
    found = quality(layout, people, [])
    lines = []
    if found.same_organisation_pairs == 0:
        lines.append("No organisation repeated in any group")
    elif found.same_organisation_pairs <= found.fewest_possible_same_organisation_pairs:
        lines.append(f"{_pairs(found.same_organisation_pairs)} share an organisation: the fewest the numbers allow")
    else:
        lines.append(
            f"{_pairs(found.same_organisation_pairs)} share an organisation "
            f"(the fewest possible is {found.fewest_possible_same_organisation_pairs})"
        )
    earlier = breakouts.earlier(round_.id)
    repeats = [(r.number, quality(layout, people, [r.layout]).repeated_pairs) for r in earlier]
    if earlier and not any(count for _, count in repeats):
        lines.append("No pair repeats from an earlier round")
    lines.extend(f"{_pairs(count)} repeat from round {number}" for number, count in repeats if count)
    if round_.strategy == "roles":
        lines.append(f"{_pairs(found.role_mismatched_pairs)} differ in role")
    if round_.strategy in ("choose", "preference"):
        lines.append(f"{found.first_choices} of {len(people)} in their first choice")
    return lines


def choosing_lines(state: RoomState, round_: Round) -> list[str]:
    """For a round whose participants choose or rank: how many have, and what the preview does
    with their choices ("4 of 9 have chosen a topic")."""
    if round_.strategy not in ("choose", "preference") or round_.status != SETUP:
        return []
    present = {p.id for p in state.present()}
    made = round_.choices if round_.strategy == "choose" else round_.rankings
    done = sum(1 for pid in made if pid in present)
    verb = "chosen a topic" if round_.strategy == "choose" else "ranked the topics"
    lines = [f"{done} of {len(present)} {'has' if done == 1 else 'have'} {verb}"]
    if follows_choices(round_):
        lines.append(
            "The groups follow the choices as they come in; whoever has not chosen when the round "
            "opens is placed by the mix rule. Moving someone fixes the groups."
        )
    else:
        lines.append(
            "You moved someone, so the groups are fixed: choices made from now on do not change them "
            "(Reshuffle follows the choices again)."
        )
    return lines


def _pairs(count: int) -> str:
    return "1 pair" if count == 1 else f"{count} pairs"


def shown_groups(scene: Scene, round_: Round) -> list[Group]:
    """The round's groups with the members they would open with now (see `preview`)."""
    layout = scene.once(f"breakouts.preview.{round_.id}", lambda: preview(scene.state, round_))
    if layout == round_.layout:
        return round_.groups
    return [replace(group, members=list(members)) for group, members in zip(round_.groups, layout, strict=True)]


def round_view(scene: Scene, round_: Round) -> dict[str, Any]:
    state = scene.state
    item = agenda_of(state).items.get(round_.item_id or "")
    groups = shown_groups(scene, round_)
    seated = {m for group in groups for m in group.members}
    reporting = round_.groups[round_.reporting] if round_.reporting is not None else None
    return {
        "id": round_.id,
        "number": round_.number,
        "status": round_.status,
        "strategy": round_.strategy,
        "strategy_name": STRATEGIES[round_.strategy],
        "item_title": item.title if item else "",
        "avoid_repeats": round_.avoid_repeats,
        "keep_same_groups": round_.keep_same_groups,
        "groups": [
            group_view(scene, group, presence=True, notes=round_ if round_.status != SETUP else None)
            for group in groups
        ],
        "unseated": [
            {"id": p.id, "name": p.name, "organisation": p.organisation} for p in state.present() if p.id not in seated
        ],
        "quality": quality_lines(state, round_, tuple(tuple(sorted(group.members)) for group in groups)),
        "choosing": choosing_lines(state, round_),
        "ends_at": round_.ends_at,
        "messages": [{"text": m.text, "at": m.at, "to": _to(round_, m.group_id)} for m in round_.messages[-5:]],
        "reporting": reporting.name if reporting else "",
        "reporting_index": round_.reporting,
        "report_ends_at": round_.report_ends_at,
        "last_group": round_.reporting is not None and round_.reporting >= len(round_.groups) - 1,
    }


def _to(round_: Round, group_id: str | None) -> str:
    group = round_.group(group_id or "")
    return group.name if group else "every group"


def console(scene: Scene) -> dict[str, Any]:
    state = scene.state
    breakouts = breakouts_of(state)
    current = breakouts.current
    agenda = agenda_of(state)
    return {
        "round": round_view(scene, current) if current is not None else None,
        "rounds": len(breakouts.rounds),
        "opened_before": bool(breakouts.earlier(current.id if current and current.status == SETUP else None)),
        "strategies": STRATEGIES,
        "items": [{"id": item.id, "title": item.title} for item in agenda.ordered() if item.kind == "breakout"],
        "current_item": agenda.current_item_id or "",
        "ended": state.ended,
    }


def scribe(scene: Scene) -> dict[str, Any]:
    """The worksheets of the round running or last closed, each line with its "Make a note"."""
    round_ = breakouts_of(scene.state).current
    if round_ is None or round_.status == SETUP:
        return {"round": None, "ended": scene.state.ended}
    item = agenda_of(scene.state).items.get(round_.item_id or "")
    return {
        "round": {
            "number": round_.number,
            "status": round_.status,
            "item_title": item.title if item else "",
            "groups": [group_view(scene, group, notes=round_) for group in round_.groups],
        },
        "ended": scene.state.ended,
    }


def _shown_messages(round_: Round, group: Group) -> list[dict[str, Any]]:
    mine = [m for m in round_.messages if m.group_id in (None, group.id)]
    return [{"text": m.text, "at": m.at} for m in mine[-MESSAGES_SHOWN:]]


def my_group(scene: Scene, viewer: Actor) -> dict[str, Any]:
    """The viewer's group (when a round is open), the topics to pick from (while one is set up
    for choosing), or the group on the screen (in the report-back)."""
    state = scene.state
    round_ = breakouts_of(state).current
    pid = viewer.participant_id or ""
    hidden: dict[str, Any] = {"mode": "", "code": state.code}
    if round_ is None or state.ended or pid not in state.participants:
        return hidden
    if round_.status == SETUP:
        if round_.strategy == "choose":
            return hidden | {"mode": "choose", "topics": round_.topics, "chosen": round_.choices.get(pid)}
        if round_.strategy == "preference":
            ranking = round_.rankings.get(pid, [])
            return hidden | {
                "mode": "rank",
                "topics": round_.topics,
                "ranking": ranking,
                "places": min(3, len(round_.topics)),
            }
        return hidden
    if round_.status == CLOSED:
        if round_.reporting is None:
            return hidden
        reported = round_.groups[round_.reporting]
        return hidden | {"mode": "report", "group": group_view(scene, reported), "number": round_.number}
    group = round_.group_of(pid)
    if group is None:
        return hidden | {"mode": "waiting"}
    shown = group_view(scene, group)
    for section in shown["sections"]:
        section["mine"] = section["by_id"] == pid
    return hidden | {
        "mode": "open",
        "group": shown,
        "ideas": ideas_of(group),
        "messages": _shown_messages(round_, group),
        "ends_at": round_.ends_at,
        "number": round_.number,
    }


def screen(scene: Scene) -> dict[str, Any]:
    round_ = breakouts_of(scene.state).current
    if round_ is None or round_.status != CLOSED or round_.reporting is None or scene.state.ended:
        return {"shown": False}
    group = round_.groups[round_.reporting]
    return {
        "shown": True,
        "number": round_.number,
        "position": round_.reporting + 1,
        "count": len(round_.groups),
        "group": group_view(scene, group),
        "ends_at": round_.report_ends_at,
    }


def _concerned(state: RoomState, event: Event) -> Viewers:
    """Whom an event concerns on the phones: a save, a recommendation or a message to one group
    its members; a choice its chooser; a newcomer in a running round their group."""
    breakouts = breakouts_of(state)
    data = event.data
    if event.type in ("breakouts.written", "breakouts.recommended") or (
        event.type == "breakouts.messaged" and data.get("group_id")
    ):
        group = breakouts.rounds[data["round_id"]].group(data["group_id"])
        return participants(*(group.members if group else ()))
    if event.type in ("breakouts.chosen", "breakouts.ranked"):
        return participants(data["participant_id"])
    if event.type == "participant.joined":
        running = breakouts.running()
        group = running.group_of(data["participant_id"]) if running else None
        return participants(*group.members) if group else NOBODY
    if event.type == "participant.removed":
        current = breakouts.current
        return EVERYONE if current is not None and current.status != CLOSED else NOBODY
    return EVERYONE


def visible(round_: Round, group: Group, viewer: Actor) -> bool:
    """Whether a viewer may read a group's worksheet: the staff always; a participant their own
    group's once the round is open, and any group's once it has been on the screen."""
    if viewer.role in (Role.FACILITATOR, Role.SCRIBE, Role.SCREEN):
        return True
    own = viewer.participant_id in group.members and round_.status != SETUP
    return own or group.id in round_.reported


def round_record(scene: Scene, round_: Round, viewer: Actor) -> dict[str, Any]:
    """One round as the state API and the record give it to this viewer: its groups, their
    members and, where the viewer may read them, their worksheets; the staff also every version."""
    state = scene.state
    staff = viewer.role in (Role.FACILITATOR, Role.SCRIBE, Role.SCREEN)
    groups = []
    for group in shown_groups(scene, round_):
        readable = visible(round_, group, viewer)
        shown = group_view(scene, group, worksheet=readable)
        if not readable:
            shown.pop("recommended")
            shown.pop("edited_at")
        if readable and staff:
            shown["history"] = [
                [
                    {"text": v.text, "at": v.at, "by": writer_name(state, v.by), "based_on": v.based_on}
                    for v in section.versions
                ]
                for section in group.sections
            ]
        groups.append(shown)
    return {
        "id": round_.id,
        "number": round_.number,
        "item_id": round_.item_id,
        "status": round_.status,
        "strategy": round_.strategy,
        "strategy_name": STRATEGIES[round_.strategy],
        "topics": round_.topics,
        "avoid_repeats": round_.avoid_repeats,
        "keep_same_groups": round_.keep_same_groups,
        "opened_at": round_.opened_at,
        "closed_at": round_.closed_at,
        "reporting": round_.reporting,
        "groups": groups,
        **({"seed": round_.seed, "quality": quality_lines(state, round_)} if staff else {}),
    }


def api_view(scene: Scene, viewer: Actor) -> dict[str, Any]:
    """Every round, as the viewer may see it (see `visible`)."""
    return {"rounds": [round_record(scene, r, viewer) for r in breakouts_of(scene.state).rounds.values()]}


# The console and the scribe panel mark the worksheet lines already made notes of.
CONSOLE = BREAKOUTS | {"timers", "scribe", PRESENCE}
FRAGMENTS = (
    Fragment("breakouts-console", frozenset({"console"}), console, reads=CONSOLE),
    Fragment("breakouts-scribe", frozenset({"scribe"}), scribe, reads=BREAKOUTS | {"timers", "scribe"}),
    Fragment("my-group", frozenset({"phone"}), my_group, per_viewer=True, reads=BREAKOUTS, touches=_concerned),
    Fragment("breakout-screen", frozenset({"screen"}), screen, reads=BREAKOUTS),
)
