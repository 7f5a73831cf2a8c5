"""The JSON API under fuzz: schemathesis against the OpenAPI document, every operation, as the
facilitator, a scribe, a participant and nobody, with valid and invalid input generated from the
document itself; then every command type drawn evenly, and every number field at its edges.

The property: no answer is a 5xx, the server logs no error, a 2xx answer matches the document,
and after every accepted command the exchange still folds from its log and takes ordinary
commands. A 4xx (a refusal, a rate limit) is a fine answer to junk.
"""

import httpx
import pytest
import schemathesis
from hypothesis import find, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from facilitator.features import RULES
from facilitator.rooms.model import Role
from tests.fuzz.frames import command_messages
from tests.fuzz.harness import (
    EDGE_NUMBERS,
    FUZZ,
    Exchange,
    aim_body,
    assert_still_works,
    command_bodies,
    drawing,
    furnished_exchange,
    http,
    numeric_fields,
    openapi_document,
    send_json,
)

pytestmark = pytest.mark.fuzz

CALLERS = ("facilitator", "scribe", "participant", "nobody")
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
# Commands after which the exchange under test is replaced by a fresh one: an ended exchange
# refuses everything, and a removed participant's token opens nothing.
RENEWING = {"room.end", "participant.remove"}


class Exchanges:
    """The exchange under fuzz, replaced when a command leaves it unusable."""

    def __init__(self, base: str):
        self.base = base
        self.current = furnished_exchange(base)

    def renew(self) -> None:
        assert_still_works(self.current)
        self.current = furnished_exchange(self.base)

    def accepted(self, body: object, response: httpx.Response | schemathesis.Response) -> None:
        """After a command went through: the exchange still works, or is replaced if it ended."""
        # A replaced secret link comes back in the reply, to the facilitator alone.
        self.current.tokens.update(response.json()["reply"].get("links", {}))
        if isinstance(body, dict) and body.get("type") in RENEWING:
            self.renew()
        else:
            assert_still_works(self.current)


@pytest.fixture(params=CALLERS)
def caller(request) -> str:
    return request.param


@pytest.fixture
def exchanges(live, caller) -> Exchanges:
    return Exchanges(live)


# -- schemathesis: every operation of the document ------------------------------------

schema = schemathesis.openapi.from_dict(openapi_document())


def aim_at(case: schemathesis.Case, exchange: Exchange, caller: str, data: st.DataObject) -> None:
    """Point a generated request at the exchange under test, as `caller`.

    Most requests use the real room code and the ids of real things in it, so that they reach
    the rules; some keep their generated code and ids, so that "no such exchange" is fuzzed too.
    Draws shrink towards the real exchange, so a failure is told with it when it can be.
    """
    if "code" in case.path_parameters and data.draw(st.integers(0, 9), label="made-up code") < 9:
        case.path_parameters["code"] = exchange.code
    headers = case.headers or {}
    if caller != "nobody":  # nobody keeps whatever Authorization header was generated, if any
        headers = {name: value for name, value in headers.items() if name.lower() != "authorization"}
        headers["Authorization"] = f"Bearer {exchange.token(caller)}"
    case.headers = headers
    if isinstance(case.body, dict) and not data.draw(st.booleans(), label="made-up ids"):
        aim_body(case.body, exchange, drawing(data.draw))


def exercise(case, data, live, caller, exchanges, server_errors) -> None:
    exchange = exchanges.current
    aim_at(case, exchange, caller, data)
    response = case.call(base_url=live, timeout=10)
    server_errors.assert_none(response.status_code)  # first: a traceback says more than a 500
    case.validate_response(response, checks=CHECKS)
    changed = (
        case.method == "POST"
        and case.path_parameters.get("code") == exchange.code
        and 200 <= response.status_code < 300
    )
    if not changed:
        return  # a refusal or a read leaves the log as it was
    if case.operation.path.endswith("/commands"):
        exchanges.accepted(case.body, response)
    else:
        assert_still_works(exchange)
    server_errors.assert_none()


@schema.include(path_regex="/commands$").parametrize()
@schema.given(data=st.data())
@settings(FUZZ, max_examples=200)
def test_commands_never_break_the_exchange(case, data, live, caller, exchanges, server_errors):
    exercise(case, data, live, caller, exchanges, server_errors)


@schema.exclude(path_regex="/commands$").parametrize()
@schema.given(data=st.data())
@settings(FUZZ, max_examples=25)
def test_other_operations_never_fail(case, data, live, caller, exchanges, server_errors):
    exercise(case, data, live, caller, exchanges, server_errors)


# -- every command type, evenly -------------------------------------------------------


def test_every_command_type_over_http(live, caller, exchanges, server_errors):
    """Drawn from the document's union, the first command types come far more often than the
    last; here every type is as likely as any other, with the twists the WebSocket fuzzer uses."""
    role = "visitor" if caller == "nobody" else caller

    @settings(FUZZ, max_examples=200)
    @given(data=st.data())
    def one_command(data):
        exchange = exchanges.current
        body = data.draw(command_messages(exchange, role), label="body")
        response = send_json(exchange, body, exchange.token(caller))
        server_errors.assert_none(response.status_code)
        assert response.status_code < 500, response.text
        if response.status_code == 200:
            exchanges.accepted(body, response)
            server_errors.assert_none()

    one_command()


# -- numbers at their edges -----------------------------------------------------------


@pytest.fixture(scope="module")
def sweep_exchanges(live) -> Exchanges:
    return Exchanges(live)


@pytest.mark.parametrize("kind", [kind for kind in sorted(RULES.commands) if numeric_fields(kind)])
def test_edge_numbers_in_every_number_field(live, sweep_exchanges, server_errors, kind):
    """Every number field of every command in turn, at every edge number, in the smallest valid
    command of its type naming real things: what random drawing reaches only now and then."""
    roles = RULES.commands[kind].roles
    sender = next((role for role in ("facilitator", "participant", "scribe") if Role(role) in roles), "facilitator")
    smallest = find(command_bodies()[kind], lambda body: True, settings=FUZZ)
    for field in numeric_fields(kind):
        for number in EDGE_NUMBERS.values():
            exchange = sweep_exchanges.current
            body = {**smallest, "type": kind, field: number}
            aim_body(body, exchange, lambda options: options[0])
            response = send_json(exchange, body, exchange.token(sender))
            server_errors.assert_none(response.status_code, body)
            assert response.status_code < 500, (body, response.text)
            if response.status_code == 200:
                sweep_exchanges.accepted(body, response)
                server_errors.assert_none(about=body)


@pytest.mark.parametrize("number", EDGE_NUMBERS.values(), ids=EDGE_NUMBERS.keys())
def test_edge_numbers_in_every_query_parameter(live, sweep_exchanges, server_errors, number):
    """The same for the numbers in the API's query strings (the event log's `after` and `limit`)."""
    exchange = sweep_exchanges.current
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                url = live + path.replace("{code}", exchange.code)
                response = http.request(
                    method.upper(),
                    url,
                    params={parameter["name"]: str(number)},
                    headers={"Authorization": f"Bearer {exchange.token('facilitator')}"},
                )
                server_errors.assert_none(response.status_code, f"{parameter['name']}={number}")
                assert response.status_code < 500, (method, url, parameter["name"], number, response.text)
