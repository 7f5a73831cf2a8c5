"""Results of a poll, one pure function per kind: counts and texts, never who said what."""

from collections import Counter
from dataclasses import dataclass

from facilitator.polls.model import MATRIX_SCALE, Poll

WORD_SIZES = 5  # a word cloud uses five type sizes


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    percent: int  # of the people who answered


def _percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


def choice_bars(poll: Poll) -> list[Bar]:
    """Single and multiple choice: how many people picked each option."""
    picked = Counter(index for answer in poll.answers.values() for index in answer.value)
    answered = len(poll.answers)
    return [Bar(option, picked[i], _percent(picked[i], answered)) for i, option in enumerate(poll.options)]


def scale(poll: Poll) -> dict:
    """Average and distribution of a rating scale; the average is None with no answers."""
    values = [answer.value for answer in poll.answers.values()]
    counted = Counter(values)
    average = round(sum(values) / len(values), 1) if values else None
    return {
        "average": average,
        "bars": [Bar(str(v), counted[v], _percent(counted[v], len(values))) for v in range(1, poll.scale_max + 1)],
    }


def fold_word(word: str) -> str:
    """Words are counted folded: "Lean ", "lean" and "LEAN" are one word."""
    return " ".join(word.split()).casefold()


def words(poll: Poll, limit: int = 60) -> list[dict]:
    """The most frequent words, biggest first, each with a size from 1 to 5 by frequency."""
    # Each person counts once per word, however many times they typed it.
    counted = Counter(
        word for answer in poll.answers.values() for word in {fold_word(w) for w in answer.value if w.strip()}
    )
    top = sorted(counted.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]
    most = top[0][1] if top else 1
    return [
        {"word": word, "count": count, "size": 1 + round((WORD_SIZES - 1) * (count - 1) / max(1, most - 1))}
        for word, count in top
    ]


def texts(poll: Poll) -> list[str]:
    """Open answers, newest first."""
    return [answer.value for answer in sorted(poll.answers.values(), key=lambda a: a.at, reverse=True)]


def borda(poll: Poll) -> list[dict]:
    """Ranking by Borda count: with n options, first place earns n-1 points, last earns 0.
    Ties keep the order the options were written in."""
    n = len(poll.options)
    points = [0] * n
    for answer in poll.answers.values():
        for place, index in enumerate(answer.value):
            points[index] += n - 1 - place
    most = n - 1 if n > 1 else 1
    voters = len(poll.answers)
    ranked = sorted(range(n), key=lambda i: (-points[i], i))
    return [
        {"label": poll.options[i], "points": points[i], "percent": _percent(points[i], most * voters)} for i in ranked
    ]


def matrix(poll: Poll) -> list[dict]:
    """The average impact and effort of every option, on the 1-5 scales; None with no answers."""
    placed = []
    for i, option in enumerate(poll.options):
        impacts = [answer.value["impact"][i] for answer in poll.answers.values()]
        efforts = [answer.value["effort"][i] for answer in poll.answers.values()]
        placed.append(
            {
                "label": option,
                "number": i + 1,
                "impact": round(sum(impacts) / len(impacts), 2) if impacts else None,
                "effort": round(sum(efforts) / len(efforts), 2) if efforts else None,
            }
        )
    return placed


def quadrant(impact: float, effort: float) -> str:
    """Where an option falls on the prioritisation matrix (the midpoint counts as high)."""
    middle = (1 + MATRIX_SCALE) / 2
    if impact >= middle:
        return "Quick win" if effort < middle else "Major project"
    return "Fill-in" if effort < middle else "Thankless task"


def results(poll: Poll) -> dict:
    """Everything a surface or the record shows of a poll's answers."""
    kind = poll.kind
    if kind in ("single", "multiple"):
        return {"bars": choice_bars(poll)}
    if kind == "scale":
        return scale(poll)
    if kind == "words":
        return {"words": words(poll)}
    if kind == "text":
        return {"texts": texts(poll)}
    if kind == "ranking":
        return {"ranking": borda(poll)}
    return {"points": matrix(poll)}
