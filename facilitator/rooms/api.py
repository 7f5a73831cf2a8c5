"""The JSON API: the same commands as the WebSocket, plus the state and the log."""

import hmac
import operator
import warnings
from functools import reduce
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, PlainValidator, create_model

from facilitator.rooms.access import Access, bearer, bearer_access, room_code, rules_of
from facilitator.rooms.commands import CreateRoom, JoinRoom
from facilitator.rooms.feature import Rules, describe_errors
from facilitator.rooms.hub import Outcome
from facilitator.rooms.model import Actor, CommandError, NeedsConfirmation, Role
from facilitator.rooms.throttle import address_of
from facilitator.rooms.views import state_view
from facilitator.rooms.web import base_url, hub_of, identity_of, links, settings_of


class CreatedRoom(BaseModel):
    code: str
    links: dict[str, str]
    tokens: dict[str, str]


class Joined(BaseModel):
    participant_id: str
    token: str


class CommandResult(BaseModel):
    ok: bool = True
    seq: int | None
    duplicate: bool
    reply: dict[str, Any]


def check_admin(request: Request, token: str | None) -> None:
    required = settings_of(request).facilitator_admin_token
    if required and not (token and hmac.compare_digest(token, required)):
        raise CommandError("Creating exchanges on this server needs the admin token.", status=401)


def outcome_json(outcome: Outcome) -> CommandResult:
    return CommandResult(seq=outcome.seq, duplicate=outcome.duplicate, reply=outcome.reply)


async def create_room(
    request: Request,
    body: Annotated[
        dict,
        Body(
            openapi_examples={
                "demo": {
                    "value": {
                        "title": "Reducing discharge delays",
                        "charter": {
                            "focus": "Discharge delays",
                            "outcome": "15 % shorter length of stay",
                            "beneficiaries": "Nurse managers",
                        },
                        "confidentiality": "What is shared here stays here.",
                        "organisations": ["St Mary's", "Northfield"],
                    }
                }
            }
        ),
    ],
    token: Annotated[str | None, Depends(bearer)],
) -> CreatedRoom:
    """Returns the room code and the secret links, shown only this once."""
    hub_of(request).throttle.creating(address_of(request))  # before the admin token: no guessing at speed
    check_admin(request, token)
    command = rules_of(request).parse({**body, "type": CreateRoom.type})
    code, outcome = await hub_of(request).create(command)
    secrets = outcome.reply["links"]
    return CreatedRoom(code=code, links=links(base_url(request), code, secrets), tokens=secrets)


async def join_room(request: Request, code: str, body: Annotated[dict, Body()]) -> Joined:
    joined_code = room_code(code)
    hub_of(request).throttle.joining(address_of(request))
    outcome = await hub_of(request).execute(
        joined_code, Actor(Role.VISITOR), rules_of(request).parse({**body, "type": JoinRoom.type})
    )
    participant_id = outcome.events[0].data["participant_id"]
    return Joined(
        participant_id=participant_id, token=identity_of(request).participant_token(joined_code, participant_id)
    )


def _command_catalogue(rules: Rules) -> str:
    rows = []
    for kind, command in sorted(rules.commands.items()):
        fields = ", ".join(f"`{name}`" for name in command.model_fields if name != "id") or "none"
        roles = ", ".join(sorted(role.value for role in command.roles))
        rows.append(f"| `{kind}` | {roles} | {fields} |")
    return (
        'Any command of the exchange, as `{"type": "feature.verb", "id": "optional-retry-key", ...}`. '
        "The bearer token decides the role; a repeated `id` is answered with the first result.\n\n"
        "| type | who | fields |\n| --- | --- | --- |\n" + "\n".join(rows)
    )


def _command_body(rules: Rules) -> PlainValidator:
    """The command body as the OpenAPI document shows it: one of every command, told apart by
    `type`, so clients (and API fuzzers) see each command's fields and limits. The union only
    documents: the body is still read by `Rules.parse`, so a refusal stays one sentence for the
    person instead of a list of schema errors, and the endpoint accepts what it always has."""
    with warnings.catch_warnings():
        # On purpose: commands keep `type` as a class constant; the document needs it as a field.
        warnings.filterwarnings("ignore", message='Field name "type"', category=UserWarning)
        documented = [
            create_model(command.__name__, __base__=command, type=(_literal(kind), ...))
            for kind, command in sorted(rules.commands.items())
        ]
    union: Any = Annotated[reduce(operator.or_, documented), Field(discriminator="type")]
    return PlainValidator(lambda body: body, json_schema_input_type=union)


def _literal(value: str) -> Any:
    """Literal[value] for a value known only at run time, which a type checker cannot follow."""
    return Literal[value]


def _send_command_for(rules: Rules) -> Any:
    """The command endpoint, its body documented as one of the installed features' commands."""
    documented = _command_body(rules)

    async def send_command(
        request: Request,
        code: str,
        access: Annotated[Access, Depends(bearer_access)],
        body: Annotated[Any, documented, Body()],
    ) -> CommandResult:
        outcome = await hub_of(request).execute(access.room.code, access.actor, rules.parse(body))
        return outcome_json(outcome)

    return send_command


async def get_state(request: Request, code: str, access: Annotated[Access, Depends(bearer_access)]) -> dict:
    scene = hub_of(request).scene(access.room)
    return state_view(scene, access.actor) | rules_of(request).views(scene, access.actor)


async def get_events(
    request: Request,
    code: str,
    access: Annotated[Access, Depends(bearer_access)],
    # A sequence number: PostgreSQL keeps it in a 32-bit column, so none is larger.
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 1000,
) -> dict:
    if access.actor.role is not Role.FACILITATOR:
        raise CommandError("Only the facilitator can read the event log.", status=403)
    events = await hub_of(request).log.read(access.room.code, after=after, limit=limit)
    rules = rules_of(request)
    return {"events": [rules.shown(e) for e in events]}


def router_for(rules: Rules) -> APIRouter:
    """The API of an app whose rooms run these rules: the command endpoint documents their commands."""
    router = APIRouter(prefix="/api", tags=["api"])
    router.add_api_route(
        "/rooms",
        create_room,
        methods=["POST"],
        response_model=CreatedRoom,
        status_code=201,
        summary="Create an exchange",
    )
    router.add_api_route(
        "/rooms/{code}/join",
        join_room,
        methods=["POST"],
        response_model=Joined,
        status_code=201,
        summary="Join as a participant",
    )
    router.add_api_route(
        "/rooms/{code}/commands",
        _send_command_for(rules),
        methods=["POST"],
        response_model=CommandResult,
        summary="Send a command",
        description=_command_catalogue(rules),
    )
    router.add_api_route(
        "/rooms/{code}/state", get_state, methods=["GET"], summary="The exchange as the caller may see it"
    )
    router.add_api_route(
        "/rooms/{code}/events", get_events, methods=["GET"], summary="The event log, in order (facilitator only)"
    )
    return router


def validation_error_response(_request: Request, error: RequestValidationError) -> JSONResponse:
    """A malformed request (bad JSON, a query parameter out of range) answered with a sentence,
    like every other refusal, rather than FastAPI's list of details."""
    errors = [
        {**e, "loc": tuple(part for part in e["loc"] if part not in ("body", "query", "path"))} for e in error.errors()
    ]
    return JSONResponse({"ok": False, "error": describe_errors(errors)}, status_code=422)


def command_error_response(_request: Request, error: CommandError) -> JSONResponse:
    body = {"ok": False, "error": error.message}
    if isinstance(error, NeedsConfirmation):
        # Send the command again with "redact": true, or "confirm_identifiers": true.
        body["findings"] = error.findings
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
    return JSONResponse(body, status_code=error.status, headers=headers)
