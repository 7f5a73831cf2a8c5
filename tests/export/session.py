"""The small fixed session every export test reads: built through commands, with the clock fixed.

Two organisations, three people (one who asks anonymously), a case that overruns with notes,
a summary, questions, a single-choice poll, a word cloud and an impact and effort matrix; a
discussion with a breakout round (its worksheet names a participant); a note linked to no
item; an action plan; then the exchange ends and is followed up (a milestone on track, an
address for reminders, a check-in answered). Some text is
made to break Markdown and HTML (`|`, `#`, `<script>`, a line break), and one note and one
question were posted although they look like patient identifiers.
"""

from facilitator.export.options import Options
from facilitator.export.report import report
from facilitator.features import RULES
from tests.pure import FACILITATOR, MIN, SCRIBE, SEC, SYSTEM, T0, Room, person, room_with

MADE_AT = T0 + 60 * MIN
HOSTILE = "Cost | benefit\n# not a heading <script>alert('x')</script> & *bold*"
FLAGGED_NOTE = "Call the ward on 07700 900123 about bed 4"
ANONYMOUS_QUESTION = "Who signs the discharge letter at weekends?"
# Written in the breakout group: names a participant, so de-identification must replace it.
WORKSHEET = "Ben Okafor says weekend discharges stall at Northfield Trust"
ADDRESS = "ana.lopez@example.org"  # given for follow-up reminders: in no export
PEOPLE = [("Ana Lopez", "St Mary's Hospital"), ("Ben Okafor", "Northfield Trust"), ("Cleo Park", "Northfield Trust")]


def exchange(ended: bool = True) -> Room:
    room = room_with(
        people=PEOPLE,
        agenda=[
            {"kind": "case", "organisation": "St Mary's Hospital", "presenter": "Ana Lopez", "minutes": 10},
            {"kind": "discussion", "title": "What we take home", "minutes": 10},
        ],
        charter={"focus": "Discharge delays", "outcome": "15 % shorter stays", "beneficiaries": "Ward nurses"},
        organisations=["St Mary's Hospital", "Northfield Trust"],
    )
    ana, ben, cleo = (person(pid) for pid in room.people.values())
    case, talk = room.items
    do = room.do
    do(FACILITATOR, {"type": "timer.start", "item_id": case}, T0)
    do(FACILITATOR, {"type": "floor.give", "speaker": room.people["Ana Lopez"]}, T0 + MIN)
    do(SCRIBE, {"type": "note.post", "text": "Pharmacist joins the ward round #flow", "kind": "practice"}, T0 + 2 * MIN)
    do(SCRIBE, {"type": "note.post", "text": HOSTILE, "kind": "insight", "tags": ["cost"]}, T0 + 3 * MIN)
    do(SCRIBE, {"type": "note.post", "text": FLAGGED_NOTE, "confirm_identifiers": True}, T0 + 3 * MIN + SEC)
    do(FACILITATOR, {"type": "floor.give", "speaker": room.people["Ben Okafor"]}, T0 + 4 * MIN)
    do(
        SCRIBE,
        {"type": "note.post", "text": "Ben Okafor: Northfield Trust tried this in 2022", "kind": "quote"},
        T0 + 5 * MIN,
    )
    do(FACILITATOR, {"type": "floor.stop"}, T0 + 5 * MIN + 30 * SEC)
    single = do(
        FACILITATOR,
        {
            "type": "poll.create",
            "kind": "single",
            "question": "Would you try it?",
            "options": ["Yes", "No"],
            "open": True,
        },
        T0 + 6 * MIN,
    )[0].data["poll_id"]
    do(ana, {"type": "poll.answer", "poll_id": single, "choice": 0}, T0 + 6 * MIN + SEC)
    do(ben, {"type": "poll.answer", "poll_id": single, "choice": 0}, T0 + 6 * MIN + 2 * SEC)
    do(cleo, {"type": "poll.answer", "poll_id": single, "choice": 1}, T0 + 6 * MIN + 3 * SEC)
    do(FACILITATOR, {"type": "poll.close", "poll_id": single}, T0 + 7 * MIN)
    asked = do(ben, {"type": "question.ask", "text": "Who pays the pharmacist?", "named": True}, T0 + 8 * MIN)
    do(cleo, {"type": "question.upvote", "question_id": asked[0].data["question_id"]}, T0 + 8 * MIN + SEC)
    anonymous = do(cleo, {"type": "question.ask", "text": ANONYMOUS_QUESTION}, T0 + 8 * MIN + 2 * SEC)
    anonymous_id = anonymous[0].data["question_id"]
    do(ana, {"type": "question.upvote", "question_id": anonymous_id}, T0 + 8 * MIN + 3 * SEC)
    do(ben, {"type": "question.upvote", "question_id": anonymous_id}, T0 + 8 * MIN + 4 * SEC)
    do(FACILITATOR, {"type": "question.answered", "question_id": anonymous_id}, T0 + 9 * MIN)
    do(
        ana,
        {"type": "question.ask", "text": "MRN 1234567 was the case", "confirm_identifiers": True},
        T0 + 9 * MIN + SEC,
    )
    do(FACILITATOR, {"type": "timer.finish"}, T0 + 12 * MIN)  # two minutes over
    do(
        SCRIBE,
        {
            "type": "summary.save",
            "item_id": case,
            "problem": "Patients wait for medicines | transport",
            "intervention": "A pharmacist on the morning round",
            "baseline": "4.2 hours",
            "result": "2.1 hours",
            "tips": "Start with one ward",
            "barriers": HOSTILE,
        },
        T0 + 13 * MIN,
    )
    do(FACILITATOR, {"type": "timer.start", "item_id": talk}, T0 + 14 * MIN)
    words = do(
        FACILITATOR,
        {"type": "poll.create", "kind": "words", "question": "One word for today?", "open": True},
        T0 + 15 * MIN,
    )[0].data["poll_id"]
    do(ana, {"type": "poll.answer", "poll_id": words, "words": ["Flow", "pharmacy"]}, T0 + 15 * MIN + SEC)
    do(ben, {"type": "poll.answer", "poll_id": words, "words": ["flow"]}, T0 + 15 * MIN + 2 * SEC)
    do(FACILITATOR, {"type": "poll.close", "poll_id": words}, T0 + 16 * MIN)
    matrix = do(
        FACILITATOR,
        {
            "type": "poll.create",
            "kind": "matrix",
            "question": "Impact and effort?",
            "options": ["Ward pharmacist", "Transport desk"],
            "open": True,
        },
        T0 + 17 * MIN,
    )[0].data["poll_id"]
    do(ana, {"type": "poll.answer", "poll_id": matrix, "impact": [5, 2], "effort": [2, 4]}, T0 + 17 * MIN + SEC)
    do(ben, {"type": "poll.answer", "poll_id": matrix, "impact": [4, 2], "effort": [1, 5]}, T0 + 17 * MIN + 2 * SEC)
    do(FACILITATOR, {"type": "poll.close", "poll_id": matrix}, T0 + 18 * MIN)
    do(FACILITATOR, {"type": "floor.give", "speaker": "facilitator"}, T0 + 19 * MIN)
    do(FACILITATOR, {"type": "floor.stop"}, T0 + 20 * MIN)
    do(FACILITATOR, {"type": "breakouts.setup", "groups": 1, "topics": ["Weekend discharges"]}, T0 + 20 * MIN)
    do(FACILITATOR, {"type": "breakouts.open"}, T0 + 20 * MIN + SEC)
    do(cleo, {"type": "breakouts.write", "section": 0, "text": WORKSHEET}, T0 + 20 * MIN + 30 * SEC)
    do(ana, {"type": "breakouts.write", "section": 1, "text": "A weekend rota\nA discharge lounge"}, T0 + 21 * MIN)
    do(ana, {"type": "breakouts.recommend", "idea": "A weekend discharge rota"}, T0 + 21 * MIN + SEC)
    do(FACILITATOR, {"type": "breakouts.close"}, T0 + 21 * MIN + 30 * SEC)
    do(FACILITATOR, {"type": "timer.finish"}, T0 + 22 * MIN)
    do(
        SCRIBE,
        {"type": "note.post", "text": "Share the checklist #flow", "item_id": "none", "kind": "action"},
        T0 + 23 * MIN,
    )
    plan = do(
        ana,
        {
            "type": "plan.save",
            "change": "A pharmacist on two wards' rounds",
            "owner": "Ana Lopez",
            "impact": "high",
            "effort": "medium",
            "milestone_30": "First ward",
        },
        T0 + 24 * MIN,
    )[0].data["plan_id"]
    if ended:
        do(FACILITATOR, {"type": "room.end"}, T0 + 25 * MIN)
        follow_up(room, plan)
    return room


def follow_up(room: Room, plan: str) -> None:
    """After the end: Ana's milestone on track, her address for reminders, a check-in and her answer."""
    ana = person(room.people["Ana Lopez"])
    room.do(ana, {"type": "contact.set", "email": ADDRESS}, T0 + 26 * MIN)
    update = {"type": "milestone.update", "plan_id": plan, "milestone": "30", "status": "on_track"}
    room.do(ana, update | {"note": "Ward 4 started"}, T0 + 27 * MIN)
    room.do(FACILITATOR, {"type": "checkin.schedule", "after": ["30d"]}, T0 + 28 * MIN)
    (deadline,) = RULES.deadlines(room.state)
    room.do(SYSTEM, deadline.command, deadline.at_ms)
    answer = {"type": "pulse.answer", "checkin_id": deadline.command["checkin_id"], "plan_id": plan, "progress": 4}
    room.do(ana, answer | {"helped": "The pharmacy team", "hindered": "Weekend staffing"}, deadline.at_ms + MIN)


def exported(room: Room, **options) -> dict:
    return report(room.state, Options(**options), MADE_AT)
