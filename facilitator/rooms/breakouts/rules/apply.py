"""Folding breakout events, and the room's own events a running round must follow."""

from facilitator.rooms.breakouts.assign import Person
from facilitator.rooms.breakouts.model import CLOSED, OPEN, SETUP, Group, Message, Round, Section, Version, breakouts_of
from facilitator.rooms.breakouts.rules.decide import earlier_layouts, people_of, settings_of, with_late_joiner
from facilitator.rooms.feature import Applier
from facilitator.rooms.model import Event, RoomState


def _round(state: RoomState, event: Event) -> Round:
    return breakouts_of(state).rounds[event.data["round_id"]]


def _regroup(round_: Round, layout: list[list[str]]) -> None:
    for group, members in zip(round_.groups, layout, strict=True):
        group.members = list(members)


def on_set_up(state: RoomState, event: Event) -> None:
    data = event.data
    groups = [
        Group(
            id=f"g{index + 1}",
            name=f"Group {index + 1}",
            topic=data["topics"][index],
            members=list(members),
            sections=[Section(title) for title in data["sections"]],
        )
        for index, members in enumerate(data["groups"])
    ]
    rounds = breakouts_of(state).rounds
    current = next(reversed(rounds.values()), None)
    if current is not None and current.status == SETUP:  # set up again: the new settings replace the preview
        del rounds[current.id]
    rounds[data["round_id"]] = Round(
        id=data["round_id"],
        number=data["number"] if current is None or current.status != SETUP else current.number,
        item_id=data["item_id"],
        strategy=data["strategy"],
        topics=list(data["topics"]),
        cap=data["cap"],
        avoid_repeats=data["avoid_repeats"],
        keep_same_groups=data["keep_same_groups"],
        seed=data["seed"],
        groups=groups,
        set_up_at=event.at,
    )


def on_assigned(state: RoomState, event: Event) -> None:
    round_ = _round(state, event)
    round_.seed = event.data["seed"]
    round_.adjusted = False
    _regroup(round_, event.data["groups"])


def on_moved(state: RoomState, event: Event) -> None:
    round_ = _round(state, event)
    if "groups" in event.data:  # the preview that followed the choices, as the facilitator saw it
        _regroup(round_, event.data["groups"])
    pid = event.data["participant_id"]
    for group in round_.groups:
        if pid in group.members:
            group.members.remove(pid)
    target = round_.group(event.data["to"])
    if target is not None:
        target.members.append(pid)
    round_.adjusted = True


def on_renamed(state: RoomState, event: Event) -> None:
    group = _round(state, event).group(event.data["group_id"])
    if group is not None:
        group.name = event.data["name"]


def on_opened(state: RoomState, event: Event) -> None:
    round_ = _round(state, event)
    _regroup(round_, event.data["groups"])
    round_.status = OPEN
    round_.opened_at = event.at
    round_.ends_at = event.data["ends_at"]


def on_closed(state: RoomState, event: Event) -> None:
    round_ = _round(state, event)
    round_.status = CLOSED
    round_.closed_at = event.at


def on_messaged(state: RoomState, event: Event) -> None:
    _round(state, event).messages.append(Message(event.data["text"], event.at, event.data["group_id"]))


def on_chosen(state: RoomState, event: Event) -> None:
    _round(state, event).choices[event.data["participant_id"]] = event.data["choice"]


def on_ranked(state: RoomState, event: Event) -> None:
    _round(state, event).rankings[event.data["participant_id"]] = list(event.data["order"])


def on_written(state: RoomState, event: Event) -> None:
    data = event.data
    group = _round(state, event).group(data["group_id"])
    if group is not None:
        group.sections[data["section"]].versions.append(
            Version(data["text"], event.at, data["by"], data["based_on"], list(data["flags"]))
        )


def on_recommended(state: RoomState, event: Event) -> None:
    group = _round(state, event).group(event.data["group_id"])
    if group is not None:
        group.recommended, group.recommended_by = event.data["idea"], event.data["by"]
        group.recommended_flags = list(event.data.get("flags", []))  # older logs did not keep them


def on_reported(state: RoomState, event: Event) -> None:
    round_ = _round(state, event)
    round_.reporting = event.data["index"]
    round_.report_ends_at = event.data["ends_at"]
    if round_.reporting is not None:
        round_.reported.add(round_.groups[round_.reporting].id)


# -- the room's own events ------------------------------------------------------------


def on_participant_joined(state: RoomState, event: Event) -> None:
    """A late joiner lands in a group of the running round: the one `place_late` picks."""
    round_ = breakouts_of(state).running()
    if round_ is None or not round_.groups:
        return
    pid = event.data["participant_id"]
    people = people_of(state, round_)
    newcomer = next((person for person in people if person.id == pid), None)
    if newcomer is None:
        newcomer = Person(pid, event.data["organisation"], event.data["job_title"])
    layout = tuple(tuple(group.members) for group in round_.groups)
    layout = with_late_joiner(
        layout, newcomer, people, settings_of(round_), earlier_layouts(breakouts_of(state), round_.id)
    )
    _regroup(round_, [list(members) for members in layout])


def on_participant_removed(state: RoomState, event: Event) -> None:
    """Someone removed leaves their group in a round not yet closed; the group keeps its
    worksheet, and a closed round keeps them in the record."""
    current = breakouts_of(state).current
    if current is None or current.status == CLOSED:
        return
    pid = event.data["participant_id"]
    for group in current.groups:
        if pid in group.members:
            group.members.remove(pid)


APPLIERS: dict[str, Applier] = {
    "breakouts.set_up": on_set_up,
    "breakouts.assigned": on_assigned,
    "breakouts.moved": on_moved,
    "breakouts.renamed": on_renamed,
    "breakouts.opened": on_opened,
    "breakouts.closed": on_closed,
    "breakouts.messaged": on_messaged,
    "breakouts.chosen": on_chosen,
    "breakouts.ranked": on_ranked,
    "breakouts.written": on_written,
    "breakouts.recommended": on_recommended,
    "breakouts.reported": on_reported,
}
FOLLOWS: dict[str, Applier] = {
    "participant.joined": on_participant_joined,
    "participant.removed": on_participant_removed,
}
