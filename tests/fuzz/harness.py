"""What both fuzzers share: a server with room to fuzz, a furnished exchange, the server's
error log, and the check that an exchange survived whatever was thrown at it."""

import copy
import functools
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from facilitator.app import create_app
from facilitator.config import Settings
from facilitator.features import RULES
from facilitator.rooms.model import Event
from tests.live import auth

ORGANISATIONS = ["St Mary's", "Northfield"]
# Numbers that have broken servers before: past the calendar, 2**53 and 64 bits, negative, not numbers.
EDGE_NUMBERS = {
    "1e15": 10**15,
    "2^53+1": 2**53 + 1,
    "2^63": 2**63,
    "-2^63-1": -(2**63) - 1,
    "1e300": 10**300,
    "-1": -1,
    "-0.0": -0.0,
    "1e308": 1e308,
    "nan": float("nan"),
    "inf": float("inf"),
    "-inf": float("-inf"),
}
# Fields that name a participant.
PEOPLE = {"participant_id", "presenter_id", "speaker_id", "speaker"}
# One client for every check: a new client per request costs more than the request itself.
http = httpx.Client(timeout=10)
# No example is saved between runs (database=None): every run draws afresh, and takes as long on
# a laptop as under CI. Generated only (no explicit phase): the document's own examples cannot be
# combined with the extra draws the API fuzzer makes.
FUZZ = settings(
    deadline=None,
    database=None,
    print_blob=True,
    phases=[Phase.generate, Phase.shrink],
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)


def fuzz_settings(directory: Path) -> Settings:
    """Limits generous enough that the fuzzers test the rules, not the rate limiter (which has
    tests of its own): a refusal for flooding would hide what the message would have done."""
    plenty = 1_000_000
    return Settings(
        database_url=f"sqlite:///{directory}/fuzz.db",
        secret_key="fuzz-secret",
        redis_url=None,
        render_interval_seconds=0.01,
        messages_per_second=plenty,
        message_burst=plenty,
        commands_per_actor=plenty,
        joins_per_address=plenty,
        rooms_per_address=plenty,
    )


class ServerErrors(logging.Handler):
    """Every record at ERROR or above that the server logs: a traceback is a failure even
    when the client got a polite answer. The server runs in threads of its own; what the test's
    thread logs (its clients) is not the server's."""

    # uvicorn's own loggers do not propagate to the root, where the app's loggers end.
    WATCHED = ("", "uvicorn", "uvicorn.access")

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []
        self.test_thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        if record.thread != self.test_thread:
            self.records.append(record)

    def take(self) -> list[str]:
        """What was logged since the last call, formatted with its traceback."""
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        taken = [formatter.format(record) for record in self.records]
        self.records.clear()
        return taken

    def assert_none(self, status: int | None = None, about: object = "") -> None:
        """Fail with whatever the server logged since the last check. The server answers a 5xx
        before it logs the traceback, so after one it gets a moment to log, and the traceback
        is told with the request that caused it rather than with the next one."""
        if status is not None and status >= 500:
            time.sleep(0.2)
        logged = self.take()
        assert not logged, f"the server logged an error{f' for {about}' if about else ''}:\n" + "\n".join(logged)

    @classmethod
    @contextmanager
    def watching(cls) -> Iterator["ServerErrors"]:
        handler = cls()
        for name in cls.WATCHED:
            logging.getLogger(name).addHandler(handler)
        try:
            yield handler
        finally:
            for name in cls.WATCHED:
                logging.getLogger(name).removeHandler(handler)


@dataclass
class Exchange:
    """A room with something in it (agenda, poll, question, note, plan), so that generated
    commands naming one of its ids reach the rules instead of stopping at "no such item"."""

    base: str
    code: str
    tokens: dict[str, str]  # facilitator, scribe, screen, participant and another participant, the onlooker
    participant_id: str
    # Ids of real things, by the field that names them ("item_id": the agenda items' ids).
    ids: dict[str, list[str]]

    def token(self, role: str) -> str | None:
        return self.tokens.get(role)


def command(base: str, code: str, token: str, **body) -> httpx.Response:
    return http.post(f"{base}/api/rooms/{code}/commands", json=body, headers=auth(token))


def send_json(exchange: Exchange, body: object, token: str | None) -> httpx.Response:
    """Post a command as JSON, NaN and Infinity included (Python's parser, the server's, takes them)."""
    headers = {"Content-Type": "application/json", **(auth(token) if token else {})}
    return http.post(f"{exchange.base}/api/rooms/{exchange.code}/commands", content=json.dumps(body), headers=headers)


def created(response: httpx.Response) -> dict:
    assert response.status_code == 201, response.text
    return response.json()


def furnished_exchange(base: str) -> Exchange:
    room = created(
        http.post(
            f"{base}/api/rooms",
            json={
                "title": "Reducing discharge delays",
                "confidentiality": "What is said here stays here.",
                "organisations": ORGANISATIONS,
            },
        )
    )
    code, tokens = room["code"], dict(room["tokens"])
    ana, ben = (
        created(
            http.post(
                f"{base}/api/rooms/{code}/join",
                json={"name": name, "organisation": organisation, "accept_confidentiality": True},
            )
        )
        for name, organisation in zip(("Ana", "Ben"), ORGANISATIONS, strict=True)
    )
    tokens["participant"], tokens["onlooker"] = ana["token"], ben["token"]
    staff, phone = tokens["facilitator"], ana["token"]
    for token, body in (
        (
            staff,
            {
                "type": "agenda.add",
                "kind": "case",
                "title": "Discharge lounge",
                "minutes": 20,
                "organisation": ORGANISATIONS[0],
                "presenter_id": ana["participant_id"],
                "presentation_minutes": 10,
                "qa_minutes": 10,
            },
        ),
        (staff, {"type": "agenda.add", "kind": "discussion", "title": "Open floor", "minutes": 10}),
        (
            staff,
            {
                "type": "poll.create",
                "kind": "single",
                "question": "Which change first?",
                "options": ["Lounge", "Transport"],
                "open": True,
            },
        ),
        (staff, {"type": "poll.create", "kind": "scale", "question": "How ready are you?", "open": True}),
        (phone, {"type": "question.ask", "text": "Who signs the criteria off?"}),
        (phone, {"type": "hand.raise", "kind": "comment"}),
        (tokens["scribe"], {"type": "note.post", "text": "Criteria agreed the day before", "kind": "insight"}),
        (phone, {"type": "plan.save", "change": "Open the lounge at seven"}),
    ):
        response = command(base, code, token, **body)
        assert response.status_code == 200, (body, response.text)
    ids: dict[str, set[str]] = {}
    for event in events(base, code, staff):
        for name, value in _ids_in(event["data"]):
            ids.setdefault(name, set()).add(value)
    first_item = sorted(ids["item_id"])[0]
    assert command(base, code, staff, type="timer.start", item_id=first_item).status_code == 200
    return Exchange(base, code, tokens, ana["participant_id"], {name: sorted(found) for name, found in ids.items()})


def _ids_in(data: Any, within: str = "") -> Iterator[tuple[str, str]]:
    """(field, id) for every id in an event: {"item": {"id": X}} names X an "item_id"."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, str) and key.endswith("_id"):
                yield key, value
            elif isinstance(value, str) and key == "id" and within:
                yield f"{within}_id", value
            else:
                yield from _ids_in(value, key)
    elif isinstance(data, list):
        for value in data:
            yield from _ids_in(value, within)


def events(base: str, code: str, token: str) -> list[dict]:
    """The whole log, page by page."""
    found: list[dict] = []
    while True:
        response = http.get(f"{base}/api/rooms/{code}/events", params={"after": len(found)}, headers=auth(token))
        assert response.status_code == 200, response.text
        page = response.json()["events"]
        if not page:
            return found
        found += page


def assert_still_works(exchange: Exchange) -> None:
    """The exchange survived: its log folds to a state, every role can read that state, and it
    answers ordinary commands (unless a fuzzed command ended it, which is the facilitator's right)."""
    base, code = exchange.base, exchange.code
    logged = events(base, code, exchange.tokens["facilitator"])
    state = RULES.fold(code, [Event.from_json(event) for event in logged])
    assert state.seq == len(logged) and state.exists
    for role in ("facilitator", "scribe", "screen", "participant"):
        response = http.get(f"{base}/api/rooms/{code}/state", headers=auth(exchange.tokens[role]))
        if role == "participant" and response.status_code == 401:
            continue  # the facilitator removed them, as a fuzzed command may
        assert response.status_code == 200, (role, response.text)
    if state.ended:
        return
    added = command(base, code, exchange.tokens["facilitator"], type="agenda.add", title="Wrap-up", minutes=5)
    assert added.status_code == 200, added.text
    if not state.participants[exchange.participant_id].removed:
        lowered = command(base, code, exchange.tokens["participant"], type="hand.lower")
        raised = command(base, code, exchange.tokens["participant"], type="hand.raise", kind="comment")
        assert lowered.status_code < 500 and raised.status_code == 200, (lowered.text, raised.text)


def openapi_document() -> dict:
    """The API's OpenAPI document (a copy of its own); built from the routes, so no server needs to run."""
    return copy.deepcopy(_document())


@functools.cache
def _document() -> dict:
    return create_app(Settings(database_url="sqlite://")).openapi()


def _command_refs(document: dict) -> dict[str, str]:
    """Command type -> the reference of its schema, from the discriminator of the command body."""
    body = document["paths"]["/api/rooms/{code}/commands"]["post"]["requestBody"]["content"]["application/json"]
    return body["schema"]["discriminator"]["mapping"]


@functools.cache
def command_bodies() -> dict[str, st.SearchStrategy[dict]]:
    """Valid bodies of every command type, generated by schemathesis from the command schemas in
    the OpenAPI document: one made-up operation per type, so that every type is drawn as often
    as any other (drawn from the one union, the first types would crowd out the rest)."""
    document = openapi_document()
    refs = _command_refs(document)
    paths = {
        f"/{kind}": {
            "post": {
                "requestBody": {"required": True, "content": {"application/json": {"schema": {"$ref": ref}}}},
                "responses": {"200": {"description": "Accepted"}},
            }
        }
        for kind, ref in refs.items()
    }
    per_type = schemathesis.openapi.from_dict(
        {"openapi": document["openapi"], "info": document["info"], "paths": paths, "components": document["components"]}
    )
    return {kind: per_type[f"/{kind}"]["POST"].as_strategy().map(lambda case: case.body) for kind in refs}


def aim_body(body: dict, exchange: Exchange, pick: Callable[[list[str]], str]) -> None:
    """Name real things of the exchange in a generated command (in place), so that it reaches
    the rules instead of stopping at "there is no such item". `pick` chooses one of a list."""
    everything = sorted({found for ids in exchange.ids.values() for found in ids})
    for name, value in body.items():
        if name in PEOPLE:
            body[name] = pick(exchange.ids["participant_id"])
        elif name.endswith("_id"):
            body[name] = pick(exchange.ids.get(name, everything))
        elif name == "organisation" and isinstance(value, str):
            body[name] = pick(ORGANISATIONS)


def drawing(draw: Callable[..., Any]) -> Callable[[list[str]], str]:
    """`pick` for `aim_body`, choosing with hypothesis's `draw`."""
    return lambda options: draw(st.sampled_from(options))


@functools.cache
def numeric_fields(kind: str) -> list[str]:
    """The fields of a command type that take a number, as its schema in the OpenAPI document says."""

    def numeric(schema: dict) -> bool:
        return schema.get("type") in ("integer", "number") or any(map(numeric, schema.get("anyOf", [])))

    document = _document()
    schema = document["components"]["schemas"][_command_refs(document)[kind].rsplit("/", 1)[1]]
    return [name for name, field in schema["properties"].items() if numeric(field)]
