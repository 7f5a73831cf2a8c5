"""What each surface shows of the polls: computed here, printed by templates.

Results carry counts and texts only. A phone sees the open polls and its own
answers, found through the viewer's pseudonym, never anyone else's.
"""

from facilitator.polls import tally
from facilitator.polls.commands import NO_ITEM
from facilitator.polls.model import KINDS, MATRIX_SCALE, VISIBILITY, Poll, polls_of
from facilitator.polls.rules import poll_scope
from facilitator.rooms.changes import EVERYONE, Viewers, pseudonymous
from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, Event, Role, RoomState
from facilitator.rooms.views import Scene
from facilitator.timers.model import agenda_of

STATUS = {"draft": "Draft", "open": "Voting open", "closed": "Closed"}
# "37 of 52 answered" counts the people present; titles come from the agenda; "on the screen"
# follows what the screen shows.
POLLS = frozenset({"polls", "participants", "timers", "room", "screen"})


def answered(scene: Scene, poll: Poll) -> dict:
    """ "37 of 52 answered": of the people present now."""
    present = scene.once("polls.present", lambda: len(scene.state.present()))
    return {"answered": len(poll.answers), "present": present}


def plot(points: list[dict]) -> list[dict]:
    """Matrix points placed in a 0-100 square: effort left to right, impact bottom to top."""

    def position(value: float) -> float:
        return round(100 * (value - 1) / (MATRIX_SCALE - 1), 1)

    return [
        {
            **point,
            "x": position(point["effort"]),
            "y": round(100 - position(point["impact"]), 1),
            "quadrant": tally.quadrant(point["impact"], point["effort"]),
        }
        for point in points
        if point["impact"] is not None
    ]


def results_view(poll: Poll) -> dict:
    """A poll's results ready to print, whatever its kind."""
    shown = tally.results(poll)
    if "points" in shown:
        shown["plotted"] = plot(shown["points"])
    if "words" in shown:
        shown["cloud"] = sorted(shown["words"], key=lambda w: w["word"])  # new words never reshuffle the cloud
    return shown


def summary(scene: Scene, poll: Poll) -> dict:
    agenda = agenda_of(scene.state)
    item = agenda.items.get(poll.item_id or "")
    return {
        "id": poll.id,
        "kind": poll.kind,
        "kind_name": KINDS[poll.kind],
        "question": poll.question,
        "options": poll.options,
        "status": poll.status,
        "status_name": STATUS[poll.status],
        "visibility": poll.visibility,
        "visibility_name": VISIBILITY[poll.visibility],
        "revealed": poll.revealed,
        "results_shown": poll.results_shown,
        "scale_max": poll.scale_max,
        "low_label": poll.low_label,
        "high_label": poll.high_label,
        "max_choices": poll.max_choices,
        "item_id": poll.item_id,
        "item_title": item.title if item else "",
        "survey": poll.survey,
    }


def _items(scene: Scene) -> list[dict]:
    return [{"id": item.id, "title": item.title} for item in agenda_of(scene.state).ordered()]


def poll_new(scene: Scene) -> dict:
    """The form that writes a poll; it changes only with the agenda's items, so typing is never reset."""
    return {
        "items": _items(scene),
        "kinds": KINDS,
        "visibility": VISIBILITY,
        "no_item": NO_ITEM,
        "ended": scene.state.ended,
    }


def polls_console(scene: Scene) -> dict:
    """Every poll with its results, grouped by agenda item in agenda order."""
    polls = polls_of(scene.state)
    agenda = agenda_of(scene.state)
    groups = []
    # "Open the survey" is offered once, on a survey's first poll, while any of its polls is shut.
    survey_openers = {
        members[0].id
        for members in (polls.of_survey(survey) for survey in {poll.survey for poll in polls.polls.values()})
        if members and any(poll.status != "open" for poll in members)
    }
    for item in [*agenda.ordered(), None]:
        item_id = item.id if item else None
        members = [
            {
                **summary(scene, poll),
                **answered(scene, poll),
                "results": results_view(poll),
                "on_screen": polls.on_screen == poll.id,
                "opens_survey": poll.id in survey_openers,
            }
            for poll in polls.polls.values()
            if (poll.item_id if poll.item_id in agenda.items else None) == item_id
        ]
        if members:
            groups.append({"title": item.title if item else "Not on the agenda", "polls": members})
    return {
        "groups": groups,
        "items": _items(scene),
        "visibility": VISIBILITY,
        "no_item": NO_ITEM,
        "screen_busy": polls.on_screen is not None,
        "ended": scene.state.ended,
    }


def _open_polls(scene: Scene) -> list[dict]:
    # No counts here: a phone's form must not be re-rendered (and its typing lost) at every vote.
    return [summary(scene, poll) for poll in polls_of(scene.state).open()]


def my_polls(scene: Scene, viewer: Actor) -> dict:
    """The open polls, each with this person's answer if they gave one."""
    open_polls = scene.once("polls.open", lambda: _open_polls(scene))
    polls = polls_of(scene.state).polls
    mine = {}
    for poll in open_polls:
        answer = polls[poll["id"]].answers.get(viewer.pseudonym(poll_scope(poll["id"])))
        if answer is not None:
            mine[poll["id"]] = answer.value
    return {
        "polls": open_polls,
        "sections": scene.once("polls.sections", lambda: _sections(open_polls)),
        "mine": mine,
        "matrix_scale": MATRIX_SCALE,
        "ended": scene.state.ended,
    }


def _sections(open_polls: list[dict]) -> list[dict]:
    """The open polls in runs: a survey's polls together under its heading, others alone."""
    sections: list[dict] = []
    for poll in open_polls:
        survey = poll["survey"]
        if survey and sections and sections[-1]["survey"] == survey:
            sections[-1]["polls"].append(poll)
        else:
            sections.append({"survey": survey, "polls": [poll]})
    for section in sections:
        section["count"] = len(section["polls"])
    return sections


def _voter(state: RoomState, event: Event) -> Viewers:
    """An answer concerns its voter alone, known to the log only by the poll's pseudonym."""
    if event.type in ("poll.answered", "poll.retracted"):
        return pseudonymous(poll_scope(event.data["poll_id"]), event.data["voter"])
    return EVERYONE


def api_view(scene: Scene, viewer: Actor) -> dict:
    """Polls for the record: per poll and agenda item, counts and texts only. Participants
    and the screen see results the facilitator has let the room see."""
    staff = viewer.role in (Role.FACILITATOR, Role.SCRIBE)
    polls = []
    for poll in polls_of(scene.state).polls.values():
        if not staff and poll.status == "draft":
            continue
        entry = {
            key: value
            for key, value in (summary(scene, poll) | answered(scene, poll)).items()
            if key not in ("kind_name", "status_name", "visibility_name")
        }
        entry["opened_at"], entry["closed_at"] = poll.opened_at, poll.closed_at
        if staff or poll.results_shown:
            entry["results"] = _plain(tally.results(poll))
        polls.append(entry)
    return {"polls": polls, "on_screen": polls_of(scene.state).on_screen}


def _plain(results: dict) -> dict:
    return {
        key: [vars(bar) if isinstance(bar, tally.Bar) else bar for bar in value] if isinstance(value, list) else value
        for key, value in results.items()
    }


FRAGMENTS = (
    Fragment("poll-new", frozenset({"console"}), poll_new, reads=frozenset({"timers", "room"})),
    Fragment("polls-console", frozenset({"console"}), polls_console, reads=POLLS),
    Fragment(
        "my-polls",
        frozenset({"phone"}),
        my_polls,
        per_viewer=True,
        reads=frozenset({"polls", "timers", "room"}),
        touches=_voter,
    ),
)
