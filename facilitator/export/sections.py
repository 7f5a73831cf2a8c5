"""Sections every written format prints the same way, through its writer's own headings,
fields and tables: only how a heading or a table looks differs between the formats."""

from typing import Any, Protocol


class Writer(Protocol):
    def heading(self, level: int, text: Any) -> None: ...
    def fields(self, pairs: list[list[str]]) -> None: ...
    def table(self, shown: dict[str, Any]) -> None: ...


def write_questions(out: Writer, questions: list[dict[str, Any]]) -> None:
    out.table(
        {
            "columns": ["Question", "Asked by", "Votes", "Status"],
            "rows": [[q["text"], q["by"], q["votes"], q["status"]] for q in questions],
        }
    )


def group_fields(group: dict[str, Any]) -> list[list[str]]:
    """A breakout group as label and value pairs: topic, members, worksheet, recommended idea."""
    pairs = [["Topic", group["topic"]], ["Members", ", ".join(group["members"])], *group["sections"]]
    return [[label, value] for label, value in [*pairs, ["Recommended idea", group["recommended"]]] if value]


def write_breakouts(out: Writer, groups: list[dict[str, Any]], level: int) -> None:
    for group in groups:
        out.heading(level, group["name"])
        out.fields(group_fields(group))
