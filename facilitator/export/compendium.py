"""The best-practice compendium: the case summaries alone (problem, intervention, baseline and
result, tips, barriers) with their tags, in each format the record is written in."""

from typing import Any

from facilitator.export import docx, html, markdown


def as_markdown(doc: dict[str, Any]) -> str:
    return markdown.compendium(doc)


def as_html(doc: dict[str, Any]) -> str:
    return html.compendium(doc)


def as_docx(doc: dict[str, Any]) -> bytes:
    return docx.compendium(doc)
