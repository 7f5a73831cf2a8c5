"""The session as one timeline: agenda items, notes, poll results, answered questions,
speaking turns and breakout rounds, in the order they happened, filterable by tag, kind and agenda item. Pure."""

from dataclasses import dataclass, field

from facilitator.polls.model import polls_of
from facilitator.polls.questions.model import questions_of
from facilitator.polls.questions.views import byline
from facilitator.polls.views import results_view
from facilitator.polls.views import summary as poll_summary
from facilitator.rooms.breakouts.model import breakouts_of
from facilitator.rooms.breakouts.views import round_record
from facilitator.rooms.model import Actor, Role
from facilitator.rooms.views import Scene, duration
from facilitator.scribe.model import NOTE_KINDS, PLAN_FIELDS, SUMMARY_FIELDS, notebook_of
from facilitator.scribe.views import note_view, organisations, tag_counts
from facilitator.timers.floor.model import floor_of
from facilitator.timers.floor.views import speaker_name
from facilitator.timers.model import agenda_of


@dataclass(frozen=True)
class Filters:
    tag: str = ""
    kind: str = ""
    item: str = ""

    @property
    def notes_only(self) -> bool:
        """A tag or a kind is a property of notes: other entries have neither."""
        return bool(self.tag or self.kind)


@dataclass
class Entry:
    at: int
    what: str  # item | note | poll | question | turn | breakout
    item_id: str | None
    data: dict = field(default_factory=dict)


def entries(scene: Scene, viewer: Actor) -> list[Entry]:
    state = scene.state
    staff = viewer.role in (Role.FACILITATOR, Role.SCRIBE)
    found: list[Entry] = []
    for item in agenda_of(state).ordered():
        if item.started_at is not None:
            found.append(
                Entry(
                    item.started_at,
                    "item",
                    item.id,
                    {
                        "title": item.title,
                        "kind": item.kind,
                        "presenter": item.presenter,
                        "organisation": item.organisation,
                        "actual": duration(item.actual_ms or 0) if item.actual_ms is not None else "",
                    },
                )
            )
    for note in notebook_of(state).live_notes():
        found.append(Entry(note.created_at, "note", note.latest.item_id, note_view(scene, note)))
    for poll in polls_of(state).polls.values():
        if poll.status == "closed" and poll.closed_at is not None and (staff or poll.results_shown):
            found.append(
                Entry(
                    poll.closed_at,
                    "poll",
                    poll.item_id,
                    {"poll": poll_summary(scene, poll), "results": results_view(poll), "answered": len(poll.answers)},
                )
            )
    for question in questions_of(state).questions.values():
        if question.status == "answered" and question.answered_at is not None:
            found.append(
                Entry(
                    question.answered_at,
                    "question",
                    question.item_id,
                    {"text": question.text, "votes": len(question.votes), "by": byline(question)},
                )
            )
    for turn in floor_of(state).turns:
        name, organisation = speaker_name(scene, turn.speaker)
        found.append(
            Entry(
                turn.started_at,
                "turn",
                turn.item_id,
                {"name": name, "organisation": organisation, "length": duration(turn.length())},
            )
        )
    for round_ in breakouts_of(state).rounds.values():
        if round_.opened_at is not None:
            found.append(Entry(round_.opened_at, "breakout", round_.item_id, round_record(scene, round_, viewer)))
    return sorted(found, key=lambda entry: (entry.at, entry.what))


def timeline(scene: Scene, viewer: Actor, filters: Filters) -> list[Entry]:
    """The entries that pass the filters, oldest first."""

    def kept(entry: Entry) -> bool:
        if filters.item and entry.item_id != filters.item:
            return False
        if filters.notes_only:
            return (
                entry.what == "note"
                and (not filters.tag or filters.tag in entry.data["tags"])
                and (not filters.kind or entry.data["kind"] == filters.kind)
            )
        return True

    return [entry for entry in entries(scene, viewer) if kept(entry)]


def page_context(scene: Scene, viewer: Actor, filters: Filters) -> dict:
    """Everything the record page prints: the timeline, the filters, summaries and action plans."""
    state = scene.state
    notebook = notebook_of(state)
    items = [{"id": item.id, "title": item.title} for item in agenda_of(state).ordered()]
    titles = {item["id"]: item["title"] for item in items}
    summaries = [
        {
            "item_id": item_id,
            "title": titles.get(item_id, ""),
            "fields": [(SUMMARY_FIELDS[key], value) for key, value in summary.fields.items() if value],
        }
        for item_id, summary in notebook.summaries.items()
        if not filters.notes_only and (not filters.item or item_id == filters.item)
    ]
    plans = (
        []
        if filters.notes_only or filters.item
        else [
            {
                "organisation": name,
                "plans": [
                    [(PLAN_FIELDS[key], value) for key, value in plan.fields.items() if value]
                    for plan in notebook.live_plans()
                    if plan.organisation == name
                ],
            }
            for name in organisations(scene)
        ]
    )
    return {
        "room": state,
        "entries": timeline(scene, viewer, filters),
        "filters": filters,
        "items": items,
        "titles": titles,
        "tags": sorted(tag_counts(notebook).items(), key=lambda pair: (-pair[1], pair[0])),
        "kinds": {key: label for key, (label, _) in NOTE_KINDS.items()},
        "summaries": summaries,
        "plans": plans,
    }
