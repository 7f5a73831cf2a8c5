"""Generated input for the fuzzers: commands of every type with fuzzed fields, and frames
that are no command at all."""

import json
from typing import Any

from hypothesis import strategies as st

from facilitator.features import RULES
from facilitator.rooms.model import Role
from tests.fuzz.harness import EDGE_NUMBERS, Exchange, aim_body, command_bodies, drawing, numeric_fields

EDGES = st.sampled_from(list(EDGE_NUMBERS.values()))
NUMBERS = st.one_of(EDGES, st.integers(), st.floats())
# Long text is built, not drawn character by character, which would be slow.
LONG_TEXT = st.tuples(
    st.sampled_from(["x", "é", "🩺", "<b>", "\u202e", "0"]), st.integers(min_value=100, max_value=20_000)
).map(lambda piece: piece[0] * piece[1])
TEXT = st.one_of(st.text(max_size=40), LONG_TEXT)
JUNK = st.recursive(
    st.one_of(st.none(), st.booleans(), NUMBERS, TEXT),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=10,
)
# Many commands are left valid, so that they get past parsing to the rules; numbers at the edge
# go into fields that take numbers, where they pass a careless bound.
TWISTS = ["none"] * 4 + ["edge number"] * 2 + ["junk value", "extra field", "missing field", "other type"]


@st.composite
def command_messages(draw: st.DrawFn, exchange: Exchange, role: str) -> dict[str, Any]:
    """A valid command, naming real things of the exchange more often than not, then left as it
    is or given one fuzzed twist. Half are of the types `role` may send, which reach furthest into
    the rules; the rest of any type, every type as likely as any other."""
    bodies = command_bodies()
    own = sorted(kind for kind, command in RULES.commands.items() if Role(role) in command.roles)
    kind = draw(st.sampled_from(own) if own and draw(st.booleans()) else st.sampled_from(sorted(bodies)), label="type")
    body = dict(draw(bodies[kind]))
    body["type"] = kind
    if not draw(st.booleans(), label="made-up ids"):
        aim_body(body, exchange, drawing(draw))
    fields = sorted(name for name in body if name != "type")
    twist = draw(st.sampled_from(TWISTS), label="twist")
    if twist == "edge number" and (numeric := numeric_fields(kind)):
        body[draw(st.sampled_from(numeric))] = draw(EDGES)
    elif twist == "junk value" and fields:
        body[draw(st.sampled_from(fields))] = draw(JUNK)
    elif twist == "extra field":
        body[draw(st.text(min_size=1, max_size=20))] = draw(JUNK)
    elif twist == "missing field" and fields:
        del body[draw(st.sampled_from(fields))]
    elif twist == "other type":
        body["type"] = draw(st.one_of(st.sampled_from(sorted(bodies)), JUNK))
    return body


def frames(commands: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[str | bytes]:
    """What a client can put in one WebSocket frame: mostly commands, as text or as binary, and
    the rest junk: JSON that is no object, text that is no JSON, bytes that are no UTF-8, nesting
    deeper than a parser's stack, and messages over the size limit."""
    junk = st.one_of(
        JUNK.map(json.dumps),  # NaN and Infinity included: Python's own parser takes them
        st.text(max_size=200),
        st.binary(max_size=200),
        st.integers(min_value=1, max_value=100_000).map(lambda depth: "[" * depth + "]" * depth),
        st.integers(min_value=16 * 1024, max_value=64 * 1024).map(
            lambda size: json.dumps({"type": "note.post", "text": "x" * size})
        ),
        st.just(json.dumps({"type": "clock.sync", "sent": "not a number"})),
    )
    return st.sampled_from(["text"] * 6 + ["binary", "junk", "junk"]).flatmap(
        lambda form: junk if form == "junk" else commands.map(json.dumps).map(str.encode if form == "binary" else str)
    )
