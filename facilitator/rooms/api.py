"""The JSON API: the same commands as the WebSocket, plus the state and the log."""

import hmac
import warnings
from typing import Annotated, Any, Literal, Union

from fastapi import APIRouter, Body, Depends, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, PlainValidator, create_model

from facilitator.features import RULES
from facilitator.rooms.commands import CreateRoom, JoinRoom
from facilitator.rooms.feature import describe_errors
from facilitator.rooms.hub import Outcome
from facilitator.rooms.model import Actor, CommandError, NeedsConfirmation, Role
from facilitator.rooms.secrets import normalise_code
from facilitator.rooms.throttle import address_of
from facilitator.rooms.views import state_view
from facilitator.rooms.web import base_url, hub_of, identity_of, links, settings_of

router = APIRouter(prefix="/api", tags=["api"])


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


def bearer(authorization: Annotated[str | None, Header()] = None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return None


async def actor(request: Request, code: str, token: Annotated[str | None, Depends(bearer)]) -> Actor:
    room = await hub_of(request).open(_code(code))
    found = identity_of(request).actor_for(room.state, token)
    if found is None:
        raise CommandError("A valid bearer token for this exchange is required.", status=401)
    return found


def check_admin(request: Request, token: str | None) -> None:
    required = settings_of(request).facilitator_admin_token
    if required and not (token and hmac.compare_digest(token, required)):
        raise CommandError("Creating exchanges on this server needs the admin token.", status=401)


def outcome_json(outcome: Outcome) -> CommandResult:
    return CommandResult(seq=outcome.seq, duplicate=outcome.duplicate, reply=outcome.reply)


@router.post("/rooms", response_model=CreatedRoom, status_code=201, summary="Create an exchange")
async def create_room(request: Request, body: Annotated[dict, Body(openapi_examples={"demo": {"value": {
        "title": "Reducing discharge delays",
        "charter": {"focus": "Discharge delays", "outcome": "15 % shorter length of stay",
                    "beneficiaries": "Nurse managers"},
        "confidentiality": "What is shared here stays here.",
        "organisations": ["St Mary's", "Northfield"]}}})],
        token: Annotated[str | None, Depends(bearer)]) -> CreatedRoom:
    """Returns the room code and the secret links, shown only this once."""
    hub_of(request).throttle.creating(address_of(request))  # before the admin token: no guessing at speed
    check_admin(request, token)
    command = RULES.parse({**body, "type": CreateRoom.type})
    code, outcome = await hub_of(request).create(command)
    secrets = outcome.reply["links"]
    return CreatedRoom(code=code, links=links(base_url(request), code, secrets), tokens=secrets)


@router.post("/rooms/{code}/join", response_model=Joined, status_code=201, summary="Join as a participant")
async def join_room(request: Request, code: str, body: Annotated[dict, Body()]) -> Joined:
    room_code = _code(code)
    hub_of(request).throttle.joining(address_of(request))
    outcome = await hub_of(request).execute(room_code, Actor(Role.VISITOR),
                                            RULES.parse({**body, "type": JoinRoom.type}))
    participant_id = outcome.events[0].data["participant_id"]
    return Joined(participant_id=participant_id,
                  token=identity_of(request).participant_token(room_code, participant_id))


def _command_catalogue() -> str:
    rows = []
    for kind, command in sorted(RULES.commands.items()):
        fields = ", ".join(f"`{name}`" for name in command.model_fields if name != "id") or "none"
        roles = ", ".join(sorted(role.value for role in command.roles))
        rows.append(f"| `{kind}` | {roles} | {fields} |")
    return ("Any command of the exchange, as `{\"type\": \"feature.verb\", \"id\": \"optional-retry-key\", ...}`. "
            "The bearer token decides the role; a repeated `id` is answered with the first result.\n\n"
            "| type | who | fields |\n| --- | --- | --- |\n" + "\n".join(rows))


def _command_body() -> Any:
    """The command body as the OpenAPI document shows it: one of every command, told apart by
    `type`, so clients (and API fuzzers) see each command's fields and limits. The union only
    documents: the body is still read by `RULES.parse`, so a refusal stays one sentence for the
    person instead of a list of schema errors, and the endpoint accepts what it always has."""
    with warnings.catch_warnings():
        # On purpose: commands keep `type` as a class constant; the document needs it as a field.
        warnings.filterwarnings("ignore", message='Field name "type"', category=UserWarning)
        documented = [create_model(command.__name__, __base__=command, type=(Literal[kind], ...))
                      for kind, command in sorted(RULES.commands.items())]
    union = Annotated[Union[tuple(documented)], Field(discriminator="type")]
    return Annotated[Any, PlainValidator(lambda body: body, json_schema_input_type=union)]


CommandBody = _command_body()


@router.post("/rooms/{code}/commands", response_model=CommandResult, summary="Send a command",
             description=_command_catalogue())
async def send_command(request: Request, code: str, who: Annotated[Actor, Depends(actor)],
                       body: Annotated[CommandBody, Body()]) -> CommandResult:
    outcome = await hub_of(request).execute(_code(code), who, RULES.parse(body))
    return outcome_json(outcome)


@router.get("/rooms/{code}/state", summary="The exchange as the caller may see it")
async def get_state(request: Request, code: str, who: Annotated[Actor, Depends(actor)]) -> dict:
    hub = hub_of(request)
    room = await hub.open(_code(code))
    scene = hub.scene(room)
    return state_view(scene, who) | RULES.views(scene, who)


@router.get("/rooms/{code}/events", summary="The event log, in order (facilitator only)")
async def get_events(request: Request, code: str, who: Annotated[Actor, Depends(actor)],
                     # A sequence number: PostgreSQL keeps it in a 32-bit column, so none is larger.
                     after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 1000) -> dict:
    if who.role is not Role.FACILITATOR:
        raise CommandError("Only the facilitator can read the event log.", status=403)
    events = await hub_of(request).log.read(_code(code), after=after, limit=limit)
    return {"events": [e.to_json() for e in events]}


def _code(raw: str) -> str:
    code = normalise_code(raw)
    if code is None:
        raise CommandError("There is no exchange with this code.", status=404)
    return code


def validation_error_response(_request: Request, error: RequestValidationError) -> JSONResponse:
    """A malformed request (bad JSON, a query parameter out of range) answered with a sentence,
    like every other refusal, rather than FastAPI's list of details."""
    errors = [{**e, "loc": tuple(part for part in e["loc"] if part not in ("body", "query", "path"))}
              for e in error.errors()]
    return JSONResponse({"ok": False, "error": describe_errors(errors)}, status_code=422)


def command_error_response(_request: Request, error: CommandError) -> JSONResponse:
    body = {"ok": False, "error": error.message}
    if isinstance(error, NeedsConfirmation):
        # Send the command again with "redact": true, or "confirm_identifiers": true.
        body["findings"] = error.findings
    headers = {"Retry-After": str(error.retry_after)} if error.retry_after else None
    return JSONResponse(body, status_code=error.status, headers=headers)
