"""The record as tables: a zip of CSV files, one per table, for people's own analysis.

Poll answers are counted per option (a word, a place, a quadrant), never listed per person;
every cell a spreadsheet could run as a formula is neutralised by the questions export's `cell`.
"""

import csv
import io
import zipfile
from typing import Any

from facilitator.polls.questions.pages import cell
from facilitator.scribe.model import PLAN_FIELDS

BREAKOUT_COLUMNS = ["Agenda item", "Round", "Group", "Topic", "Members", "Worksheet", "Recommended idea"]


def csv_text(columns: list[str], rows: list[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([cell(str(value)) for value in row] for row in rows)
    return out.getvalue()


def tables(doc: dict[str, Any]) -> dict[str, str]:
    """File name -> CSV text, every table of the record."""
    items = doc["items"]
    polls = [(item["title"], poll) for item in items for poll in item["polls"]]
    polls += [("", poll) for poll in doc["outside"]["polls"]]
    questions = [(item["title"], q) for item in items for q in item["questions"]]
    questions += [("", q) for q in doc["outside"]["questions"]]
    breakouts = [(item["title"], group) for item in items for group in item["breakouts"]]
    breakouts += [("", group) for group in doc["outside"]["breakouts"]]
    plan_labels = list(PLAN_FIELDS.values())
    files = {
        "participants.csv": csv_text(
            ["Organisation", "Name", "Job title"],
            [[g["organisation"], p["name"], p["job_title"]] for g in doc["participants"] for p in g["people"]],
        ),
        "agenda.csv": csv_text(doc["discipline"]["columns"], doc["discipline"]["rows"]),
        "notes.csv": csv_text(doc["notes_table"]["columns"], doc["notes_table"]["rows"]),
        "questions.csv": csv_text(
            ["Agenda item", "Question", "Asked by", "Votes", "Status"],
            [[title, q["text"], q["by"], q["votes"], q["status"]] for title, q in questions],
        ),
        "poll_results.csv": csv_text(
            ["Agenda item", "Poll", "Kind", "Status", "Answered", *(f"Column {i}" for i in range(1, 6))],
            [
                [title, poll["question"], poll["kind_name"], poll["status"], poll["answered"], *row]
                for title, poll in polls
                for row in [poll["table"]["columns"], *poll["table"]["rows"]]
            ],
        ),
        "speaking_time_people.csv": csv_text(doc["people_voice"]["columns"], doc["people_voice"]["rows"]),
        "speaking_time_organisations.csv": csv_text(
            ["Organisation", "Speaking time", "Share", "Equal share"], doc["voice"]["table"]["rows"]
        ),
        "action_plans.csv": csv_text(
            ["Organisation", *plan_labels],
            [
                [row["organisation"], *(dict(plan).get(label, "") for label in plan_labels)]
                for row in doc["plans"]
                for plan in row["plans"]
            ],
        ),
        "summaries.csv": csv_text(
            ["Case", "Organisation", "Tags", "Field", "Text"],
            [
                [case["title"], case["organisation"], " ".join(f"#{t}" for t in case["tags"]), label, value]
                for case in doc["cases"]
                for label, value in case["fields"]
            ],
        ),
        "breakout_groups.csv": csv_text(
            BREAKOUT_COLUMNS,
            [
                [
                    title,
                    group["round"],
                    group["group"],
                    group["topic"],
                    "; ".join(group["members"]),
                    "\n\n".join(f"{label}:\n{text}" for label, text in group["sections"]),
                    group["recommended"],
                ]
                for title, group in breakouts
            ],
        ),
        "follow_up_milestones.csv": csv_text(
            ["Organisation", "Change", "When", "Milestone", "Due", "Status", "Note", "Updated"],
            doc["follow_up"]["milestones"]["rows"],
        ),
        "follow_up_checkins.csv": csv_text(
            ["Check-in", "Organisation", "Change", "Progress (1-5)", "What helped", "What got in the way", "Signed by"],
            [[checkin["name"], *row] for checkin in doc["follow_up"]["checkins"] for row in checkin["table"]["rows"]],
        ),
    }
    return files


def zipped(files: dict[str, str | bytes]) -> bytes:
    """Files in one zip, with a fixed timestamp: the same record gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, content.encode() if isinstance(content, str) else content)
    return out.getvalue()


def csv_zip(doc: dict[str, Any]) -> bytes:
    return zipped(dict(tables(doc)))
