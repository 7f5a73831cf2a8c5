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

# The breakout tables' columns: they have rows once breakouts exist (see report.breakout_groups).
BREAKOUT_COLUMNS = ["Agenda item", "Group", "Members", "Recommendations"]


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
                [item["title"], group["name"], "; ".join(group["members"]), "\n".join(group["recommendations"])]
                for item in items
                for group in item["breakouts"]
            ],
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
