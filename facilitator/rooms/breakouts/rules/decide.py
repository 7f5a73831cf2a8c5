"""Deciding breakout commands: a round is set up (its groups computed by `assign`), adjusted,
opened, worked in, closed and reported back."""

import math

from facilitator.rooms.breakouts import commands as c
from facilitator.rooms.breakouts.assign import Person, Settings, assign, place_late
from facilitator.rooms.breakouts.model import CLOSED, OPEN, SECTIONS, SETUP, Breakouts, Group, Round, breakouts_of
from facilitator.rooms.feature import Decider
from facilitator.rooms.model import Actor, Command, CommandError, Context, Decision, Draft, Role, RoomState
from facilitator.rooms.privacy import screened
from facilitator.rooms.secrets import derive
from facilitator.timers.model import agenda_of

Layout = tuple[tuple[str, ...], ...]
MAX_ROUNDS = 50


def people_of(state: RoomState, round_: Round | None = None) -> list[Person]:
    """Everyone present, as `assign` sees them, with their choices in `round_`."""
    choices = round_.choices if round_ else {}
    rankings = round_.rankings if round_ else {}
    return [
        Person(p.id, p.organisation, p.job_title, choices.get(p.id), tuple(rankings.get(p.id, ())))
        for p in state.present()
    ]


def settings_of(round_: Round) -> Settings:
    return Settings(round_.strategy, len(round_.groups), round_.cap, round_.avoid_repeats)  # type: ignore[arg-type]


def earlier_layouts(breakouts: Breakouts, before: str | None = None) -> list[Layout]:
    return [round_.layout for round_ in breakouts.earlier(before)]


def follows_choices(round_: Round) -> bool:
    """Whether a round's preview follows the participants' choices as they come in: a "choose" or
    "preference" round being set up, until the facilitator moves someone by hand."""
    return round_.status == SETUP and round_.strategy in ("choose", "preference") and not round_.adjusted


def preview(state: RoomState, round_: Round) -> Layout:
    """The groups a round would open with now. A round that follows choices is assigned again
    from the choices and rankings made so far (and everyone present), with its own seed: the
    same choices always give the same groups. Any other round: the groups as they stand."""
    if not follows_choices(round_):
        return round_.layout
    try:
        earlier = earlier_layouts(breakouts_of(state), round_.id)
        return assign(people_of(state, round_), settings_of(round_), earlier, round_.seed)
    except ValueError:  # the choices cannot be met as they stand: the last groups stay on show
        return round_.layout


def _seed(cmd_seed: int | None, ctx: Context) -> int:
    return cmd_seed if cmd_seed is not None else int.from_bytes(ctx.nonce[:4], "big") % 2**31


def _assigned(people: list[Person], settings: Settings, earlier: list[Layout], seed: int) -> Layout:
    try:
        return assign(people, settings, earlier, seed)
    except ValueError as error:
        raise CommandError(str(error)) from None


def _kept(state: RoomState, last: Round, people: list[Person], settings: Settings, earlier: list[Layout]) -> Layout:
    """The last round's groups with the people still present, newcomers placed as late joiners."""
    present = {person.id for person in people}
    groups = tuple(tuple(m for m in members if m in present) for members in last.layout)
    seated = {m for members in groups for m in members}
    for person in people:
        if person.id not in seated:
            groups = with_late_joiner(groups, person, people, settings, earlier)
    return groups


def with_late_joiner(
    groups: Layout, person: Person, people: list[Person], settings: Settings, earlier: list[Layout]
) -> Layout:
    try:
        index = place_late(groups, person, people, settings, earlier)
    except ValueError:
        index = min(range(len(groups)), key=lambda g: (len(groups[g]), g))
    return tuple(tuple(sorted((*members, person.id))) if g == index else members for g, members in enumerate(groups))


def set_up(state: RoomState, actor: Actor, cmd: c.SetUp, ctx: Context) -> Decision:
    breakouts = breakouts_of(state)
    if breakouts.running() is not None:
        raise CommandError("A breakout round is open: close it before setting up the next.", status=409)
    if len(breakouts.rounds) >= MAX_ROUNDS:
        raise CommandError("This exchange has run all the breakout rounds it can.", status=409)
    item_id = cmd.item_id or agenda_of(state).current_item_id
    if cmd.item_id and cmd.item_id not in agenda_of(state).items:
        raise CommandError("That agenda item does not exist.", status=404)
    people = people_of(state)
    if not people:
        raise CommandError("Nobody has joined yet: there is no one to put in groups.", status=409)
    if cmd.avoid_repeats and cmd.keep_same_groups:
        raise CommandError("Keep the same groups, or avoid repeat pairings: not both.")
    earlier = earlier_layouts(breakouts)
    last = breakouts.earlier()[-1] if breakouts.earlier() else None
    if cmd.keep_same_groups and last is None:
        raise CommandError("There is no earlier round whose groups could be kept.", status=409)
    if cmd.keep_same_groups and last is not None:
        count = len(last.groups)
    elif cmd.groups is not None:
        count = cmd.groups
    elif cmd.group_size is not None:
        count = max(1, len(people) // cmd.group_size)
    else:
        raise CommandError("Say how many groups, or how many people in each.")
    if count > len(people):
        raise CommandError(f"There are more groups ({count}) than people ({len(people)}): fewer groups, please.")
    if len(cmd.topics) not in (0, 1, count):
        raise CommandError(
            f"Give one topic for each of the {count} groups, or one for all (there are {len(cmd.topics)})."
        )
    if cmd.strategy in ("choose", "preference") and (count < 2 or len(cmd.topics) != count):
        raise CommandError(f"For participants to choose, give one topic for each of the {count} groups.")
    size = math.ceil(len(people) / count)
    if cmd.cap is not None and cmd.cap < size:
        raise CommandError(
            f"A cap of {cmd.cap} is below the group size ({size} for {len(people)} people in {count} groups): "
            "raise it or add groups."
        )
    settings = Settings(cmd.strategy, count, cmd.cap, cmd.avoid_repeats)
    seed = _seed(cmd.seed, ctx)
    if cmd.keep_same_groups and last is not None:
        layout = _kept(state, last, people, settings, earlier)
    else:
        layout = _assigned(people, settings, earlier, seed)
    topics = cmd.topics * count if len(cmd.topics) == 1 else cmd.topics or [""] * count
    round_id = derive(ctx.nonce, "breakout")[:10]
    data = {
        "round_id": round_id,
        "number": len(breakouts.rounds) + 1,
        "item_id": item_id,
        "strategy": cmd.strategy,
        "topics": topics,
        "cap": cmd.cap,
        "avoid_repeats": cmd.avoid_repeats,
        "keep_same_groups": cmd.keep_same_groups,
        "sections": cmd.sections or list(SECTIONS),
        "seed": seed,
        "groups": [list(members) for members in layout],
    }
    return Decision([Draft("breakouts.set_up", data)], reply={"round_id": round_id})


def _current(state: RoomState, *statuses: str) -> Round:
    """The newest round, which must be in one of `statuses`; a sentence if it is not."""
    current = breakouts_of(state).current
    if current is None:
        raise CommandError("No breakout round has been set up.", status=409)
    if current.status not in statuses:
        raise CommandError(
            {
                SETUP: "This breakout round has not been opened yet.",
                OPEN: "This breakout round is open.",
                CLOSED: "This breakout round is closed.",
            }[current.status],
            status=409,
        )
    return current


def _group(round_: Round, group_id: str) -> Group:
    group = round_.group(group_id)
    if group is None:
        raise CommandError("There is no such breakout group.", status=404)
    return group


def reshuffle(state: RoomState, actor: Actor, cmd: c.Reshuffle, ctx: Context) -> Decision:
    round_ = _current(state, SETUP)
    if round_.keep_same_groups:
        raise CommandError("This round keeps the last round's groups: there is nothing to reshuffle.", status=409)
    seed = _seed(cmd.seed, ctx)
    layout = _assigned(
        people_of(state, round_), settings_of(round_), earlier_layouts(breakouts_of(state), round_.id), seed
    )
    return Decision(
        [Draft("breakouts.assigned", {"round_id": round_.id, "seed": seed, "groups": [list(g) for g in layout]})]
    )


def move(state: RoomState, actor: Actor, cmd: c.Move, ctx: Context) -> Decision:
    """A move from the groups the facilitator sees: in a round that follows choices, the preview
    of the moment, which the event fixes (its "groups") before moving; it stops following them."""
    round_ = _current(state, SETUP, OPEN)
    group = _group(round_, cmd.group_id)
    person = state.participants.get(cmd.participant_id)
    if person is None or person.removed:
        raise CommandError("That participant is not in the exchange.", status=404)
    layout = preview(state, round_)
    ids = [g.id for g in round_.groups]
    if cmd.participant_id in layout[ids.index(group.id)]:
        raise CommandError(f"{person.name} is already in {group.name}.", status=409)
    was = next((ids[index] for index, members in enumerate(layout) if person.id in members), None)
    data: dict = {"round_id": round_.id, "participant_id": person.id, "from": was, "to": group.id}
    if follows_choices(round_):
        data["groups"] = [list(members) for members in layout]
    return Decision([Draft("breakouts.moved", data)])


def rename(state: RoomState, actor: Actor, cmd: c.Rename, ctx: Context) -> Decision:
    round_ = _current(state, SETUP, OPEN)
    group = _group(round_, cmd.group_id)
    if group.name == cmd.name:
        raise CommandError("Nothing to change.")
    return Decision([Draft("breakouts.renamed", {"round_id": round_.id, "group_id": group.id, "name": cmd.name})])


def open_round(state: RoomState, actor: Actor, cmd: c.Open, ctx: Context) -> Decision:
    """The groups become final: anyone present and in no group (a newcomer since the preview)
    is placed as a late joiner; for "choose" and "preference" rounds nobody adjusted, the
    choices made since the preview are taken in."""
    round_ = _current(state, SETUP)
    people = people_of(state, round_)
    settings, earlier = settings_of(round_), earlier_layouts(breakouts_of(state), round_.id)
    if follows_choices(round_):
        layout = _assigned(people, settings, earlier, round_.seed)
    else:
        present = {person.id for person in people}
        layout = tuple(tuple(m for m in members if m in present) for members in round_.layout)
        seated = {m for members in layout for m in members}
        for person in people:
            if person.id not in seated:
                layout = with_late_joiner(layout, person, people, settings, earlier)
    ends_at = ctx.now_ms + round(cmd.minutes * 60_000) if cmd.minutes else None
    data = {"round_id": round_.id, "groups": [list(g) for g in layout], "ends_at": ends_at}
    return Decision([Draft("breakouts.opened", data)])


def close(state: RoomState, actor: Actor, cmd: c.Close, ctx: Context) -> Decision:
    round_ = _current(state, OPEN)
    return Decision([Draft("breakouts.closed", {"round_id": round_.id})])


def message(state: RoomState, actor: Actor, cmd: c.Message, ctx: Context) -> Decision:
    round_ = _current(state, OPEN)
    group_id = _group(round_, cmd.group_id).id if cmd.group_id else None
    return Decision([Draft("breakouts.messaged", {"round_id": round_.id, "group_id": group_id, "text": cmd.text})])


def _choosing(state: RoomState, *strategies: str) -> Round:
    round_ = breakouts_of(state).current
    if round_ is None or round_.status != SETUP or round_.strategy not in strategies:
        raise CommandError("There are no breakout topics to choose from right now.", status=409)
    return round_


def choose(state: RoomState, actor: Actor, cmd: c.Choose, ctx: Context) -> Decision:
    round_ = _choosing(state, "choose")
    pid = actor.participant_id or ""
    if cmd.choice >= len(round_.groups):
        raise CommandError("There is no such topic.", status=404)
    if round_.choices.get(pid) == cmd.choice:
        raise CommandError("You chose this topic already.", status=409)
    taken = sum(1 for chosen in round_.choices.values() if chosen == cmd.choice)
    if round_.cap is not None and taken >= round_.cap:
        raise CommandError("That topic is full: please pick another.", status=409)
    return Decision([Draft("breakouts.chosen", {"round_id": round_.id, "participant_id": pid, "choice": cmd.choice})])


def rank(state: RoomState, actor: Actor, cmd: c.Rank, ctx: Context) -> Decision:
    round_ = _choosing(state, "preference")
    if any(index >= len(round_.groups) for index in cmd.order):
        raise CommandError("There is no such topic.", status=404)
    if len(set(cmd.order)) != len(cmd.order):
        raise CommandError("Rank each topic once.")
    pid = actor.participant_id or ""
    return Decision([Draft("breakouts.ranked", {"round_id": round_.id, "participant_id": pid, "order": cmd.order})])


def _writable(state: RoomState, actor: Actor, group_id: str) -> tuple[Round, Group]:
    """The round and group whose worksheet this actor may write: a member their own, the
    facilitator and the scribe any; only while the round is open."""
    round_ = breakouts_of(state).current
    if round_ is None or round_.status == SETUP:
        raise CommandError("No breakout round is open.", status=409)
    if round_.status == CLOSED:
        raise CommandError("This breakout round is closed: its worksheets are read-only.", status=409)
    if actor.role is Role.PARTICIPANT:
        own = round_.group_of(actor.participant_id or "")
        if own is None:
            raise CommandError("You are not in a breakout group.", status=403)
        if group_id and group_id != own.id:
            raise CommandError("You can write only your own group's worksheet.", status=403)
        return round_, own
    if not group_id:
        raise CommandError("Say which group's worksheet this is for.")
    return round_, _group(round_, group_id)


def _writer(actor: Actor) -> str:
    return actor.participant_id if actor.role is Role.PARTICIPANT and actor.participant_id else actor.role.value


def write(state: RoomState, actor: Actor, cmd: c.Write, ctx: Context) -> Decision:
    """A new version of one section. Two members saving at once both land, in log order: the
    later is shown and the history keeps both; `based_on` says which version the writer saw."""
    round_, group = _writable(state, actor, cmd.group_id)
    if cmd.section >= len(group.sections):
        raise CommandError("There is no such section in this worksheet.", status=404)
    text, flags = screened(cmd, cmd.text)
    if text == group.sections[cmd.section].text:
        raise CommandError("Nothing to change.")
    data = {
        "round_id": round_.id,
        "group_id": group.id,
        "section": cmd.section,
        "text": text,
        "by": _writer(actor),
        "based_on": cmd.based_on,
        "flags": flags,
    }
    return Decision([Draft("breakouts.written", data)])


def recommend(state: RoomState, actor: Actor, cmd: c.Recommend, ctx: Context) -> Decision:
    round_, group = _writable(state, actor, cmd.group_id)
    idea, flags = screened(cmd, cmd.idea)
    if idea == group.recommended:
        raise CommandError("Nothing to change.")
    data = {"round_id": round_.id, "group_id": group.id, "idea": idea, "by": _writer(actor), "flags": flags}
    return Decision([Draft("breakouts.recommended", data)])


def report(state: RoomState, actor: Actor, cmd: c.Report, ctx: Context) -> Decision:
    round_ = _current(state, CLOSED)
    last = len(round_.groups) - 1
    if cmd.step == "stop":
        if round_.reporting is None:
            raise CommandError("The report-back is not running.", status=409)
        index = None
    elif cmd.step == "start":
        index = 0
    elif round_.reporting is None:
        raise CommandError("Start the report-back first.", status=409)
    elif cmd.step == "next":
        if round_.reporting >= last:
            raise CommandError("That was the last group.", status=409)
        index = round_.reporting + 1
    else:
        if round_.reporting <= 0:
            raise CommandError("This is the first group.", status=409)
        index = round_.reporting - 1
    ends_at = ctx.now_ms + cmd.seconds * 1000 if index is not None else None
    return Decision([Draft("breakouts.reported", {"round_id": round_.id, "index": index, "ends_at": ends_at})])


DECIDERS: dict[type[Command], Decider] = {
    c.SetUp: set_up,
    c.Reshuffle: reshuffle,
    c.Move: move,
    c.Rename: rename,
    c.Open: open_round,
    c.Close: close,
    c.Message: message,
    c.Choose: choose,
    c.Rank: rank,
    c.Write: write,
    c.Recommend: recommend,
    c.Report: report,
}
