"""The HTML pages: home (create), join, and the four surfaces of a room.

Every route here names its last path segment, so a feature's page (/r/{code}/record) is never
answered by a surface, whatever order the routers were included in.
"""

import io
import re
import secrets as random_secrets
from collections.abc import Awaitable, Callable
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Form, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from facilitator.rooms.access import Access, Refused, require, rules_of
from facilitator.rooms.api import check_admin
from facilitator.rooms.commands import CreateRoom, JoinRoom
from facilitator.rooms.hub import LiveRoom
from facilitator.rooms.model import Actor, CommandError, Role
from facilitator.rooms.secrets import normalise_code
from facilitator.rooms.throttle import address_of
from facilitator.rooms.web import base_url, hub_of, identity_of, links

router = APIRouter(include_in_schema=False)
STAFF_SURFACES = ("console", "scribe", "screen")
# A page of a room that does not exist (/r/{code}/anything), answered with a page, not JSON.
_ROOM_PAGE = re.compile(r"/r/[^/]+/[^/]+")


def page(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    return request.app.state.templates.TemplateResponse(request, template, context, status_code=status)


def refused_page(request: Request, refusal: CommandError) -> HTMLResponse:
    """A page route's refusal (see access.require), said on a page with a way back."""
    back = refusal.back if isinstance(refusal, Refused) else "/"
    return page(request, "message.html", status=refusal.status, message=refusal.message, back=back)


async def page_not_found(request: Request, error: HTTPException) -> Response:
    """A room's page that does not exist, or that is only posted to, as a page (not JSON), as
    people follow links to them."""
    if error.status_code in (404, 405) and request.method == "GET" and _ROOM_PAGE.fullmatch(request.url.path):
        return page(request, "message.html", status=404, message="There is no such page.")
    return await http_exception_handler(request, error)


async def _my_rooms(request: Request) -> list[list[dict]]:
    """The exchanges this browser facilitates, as series: each a list in the order they ran."""
    hub, identity = hub_of(request), identity_of(request)
    mine = []
    for code, secret in identity.facilitated_rooms(request).items():
        try:
            room = await hub.open(code)
        except CommandError:
            continue
        if identity.actor_for(room.state, secret) == Actor(Role.FACILITATOR):
            state = room.state
            mine.append(
                {
                    "code": code,
                    "title": state.title,
                    "ended": state.ended,
                    "created_at": state.created_at or 0,
                    "previous": state.previous.code if state.previous else "",
                    "next": state.next.code if state.next else "",
                }
            )
    return series(mine)


def series(rooms: list[dict]) -> list[list[dict]]:
    """Exchanges grouped by series, each series in order (first, the one that follows no other of
    the list), the series by their latest exchange, newest first."""
    by_code = {room["code"]: room for room in rooms}
    chains = []
    for room in rooms:
        if room["previous"] in by_code:
            continue  # listed after the one it follows
        chain, seen = [room], {room["code"]}
        while chain[-1]["next"] in by_code and chain[-1]["next"] not in seen:
            chain.append(by_code[chain[-1]["next"]])
            seen.add(chain[-1]["code"])
        chains.append(chain)
    return sorted(chains, key=lambda chain: -max(room["created_at"] for room in chain))


@router.get("/", response_class=HTMLResponse)
async def home(request: Request) -> HTMLResponse:
    return page(
        request,
        "home.html",
        rooms=await _my_rooms(request),
        form={},
        admin=bool(request.app.state.settings.facilitator_admin_token),
    )


@router.post("/rooms", response_class=HTMLResponse)
async def create_from_form(
    request: Request,
    title: Annotated[str, Form()] = "",
    focus: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    beneficiaries: Annotated[str, Form()] = "",
    confidentiality: Annotated[str, Form()] = "",
    organisations: Annotated[str, Form()] = "",
    admin_token: Annotated[str, Form()] = "",
) -> HTMLResponse:
    form = {
        "title": title,
        "focus": focus,
        "outcome": outcome,
        "beneficiaries": beneficiaries,
        "confidentiality": confidentiality,
        "organisations": organisations,
    }
    try:
        hub_of(request).throttle.creating(address_of(request))
        check_admin(request, admin_token or None)
        command = rules_of(request).parse(
            {
                "type": CreateRoom.type,
                "title": title,
                "confidentiality": confidentiality,
                "charter": {"focus": focus, "outcome": outcome, "beneficiaries": beneficiaries},
                "organisations": [name for name in organisations.splitlines() if name.strip()],
            }
        )
        code, result = await hub_of(request).create(command)
    except CommandError as error:
        return page(
            request,
            "home.html",
            status=error.status,
            error=error.message,
            form=form,
            rooms=await _my_rooms(request),
            admin=bool(request.app.state.settings.facilitator_admin_token),
        )
    secrets = result.reply["links"]
    response = page(
        request,
        "created.html",
        code=code,
        title=result.events[0].data["title"],
        links=links(base_url(request), code, secrets),
    )
    identity_of(request).remember(response, code, Role.FACILITATOR, secrets["facilitator"])
    return response


@router.get("/join", response_class=HTMLResponse)
async def join_form(request: Request, code: str = "") -> Response:
    if not code:
        return page(request, "join_code.html")
    room = await _room_or_none(request, code)
    if room is None:
        return page(
            request,
            "join_code.html",
            status=404,
            code=code,
            error="There is no exchange with this code. Check the code on the screen.",
        )
    if identity_of(request).from_cookies(request, room.state, "phone") is not None:
        return RedirectResponse(f"/r/{room.code}", status_code=303)
    return _join_page(request, room, {})


def _join_page(request: Request, room: LiveRoom, form: dict, error: str = "", status: int = 200) -> HTMLResponse:
    state = room.state
    closed = (
        "This exchange has ended."
        if state.ended
        else "The facilitator has closed this exchange to new participants."
        if state.locked
        else ""
    )
    response = page(
        request,
        "join.html",
        status=status,
        room=state,
        form=form,
        error=error,
        closed=closed,
        command_id=random_secrets.token_urlsafe(12),
    )
    # Never kept, not even for the back button: going back from the room asks again, and
    # someone already joined is sent on to the room (join_form) rather than shown an empty form.
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/join", response_class=HTMLResponse)
async def join(
    request: Request,
    code: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    organisation: Annotated[str, Form()] = "",
    job_title: Annotated[str, Form()] = "",
    accept: Annotated[str, Form()] = "",
    command_id: Annotated[str, Form()] = "",
) -> Response:
    room = await _room_or_none(request, code)
    if room is None:
        return page(
            request,
            "join_code.html",
            status=404,
            code=code,
            error="There is no exchange with this code. Check the code on the screen.",
        )
    form = {"name": name, "organisation": organisation, "job_title": job_title, "accept": accept == "yes"}
    try:
        hub_of(request).throttle.joining(address_of(request))
        command = rules_of(request).parse(
            {
                "type": JoinRoom.type,
                "name": name,
                "organisation": organisation,
                "job_title": job_title,
                "accept_confidentiality": accept == "yes",
                "id": command_id or None,
            }
        )
        outcome = await hub_of(request).execute(room.code, Actor(Role.VISITOR), command)
    except CommandError as error:
        return _join_page(request, room, form, error=error.message, status=error.status)
    participant_id = outcome.events[0].data["participant_id"]
    response = RedirectResponse(f"/r/{room.code}", status_code=303)
    identity = identity_of(request)
    identity.remember(response, room.code, Role.PARTICIPANT, identity.participant_token(room.code, participant_id))
    return response


async def _room_or_none(request: Request, raw_code: str) -> LiveRoom | None:
    code = normalise_code(raw_code)
    if code is None:
        return None
    try:
        return await hub_of(request).open(code)
    except CommandError:
        return None


@router.get("/r/{code}", response_class=HTMLResponse)
async def phone(request: Request, code: str) -> Response:
    room = await _room_or_none(request, code)
    if room is None:
        return RedirectResponse(f"/join?code={code}", status_code=303)
    viewer = identity_of(request).from_cookies(request, room.state, "phone")
    if viewer is None:
        return RedirectResponse(f"/join?code={room.code}", status_code=303)
    return _surface(request, room, "phone", viewer)


@router.get("/r/{code}/qr.svg")
async def join_qr(request: Request, code: str) -> Response:
    room = await _room_or_none(request, code)
    if room is None:
        return Response(status_code=404)
    buffer = io.BytesIO()
    segno.make(f"{base_url(request)}/join?code={room.code}", error="m").save(
        buffer, kind="svg", scale=10, border=2, dark="#000", light="#fff"
    )
    return Response(buffer.getvalue(), media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=3600"})


def _staff_surface_route(surface: str) -> Callable[..., Awaitable[Response]]:
    async def staff_surface(request: Request, code: str, key: str = "") -> Response:
        return await open_staff_surface(request, code, surface, key)

    return staff_surface


async def open_staff_surface(request: Request, code: str, surface: str, key: str) -> Response:
    room = await _room_or_none(request, code)
    if room is None:
        return page(request, "message.html", status=404, message="There is no exchange with this code.")
    identity = identity_of(request)
    if key:
        actor = identity.actor_for(room.state, key)
        if actor is None or actor.role is Role.PARTICIPANT:
            return page(
                request,
                "message.html",
                status=403,
                message="This link is not valid. It may have been replaced; ask the facilitator for the new one.",
            )
        # Move the secret from the address bar into an HttpOnly cookie.
        response = RedirectResponse(f"/r/{room.code}/{surface}", status_code=303)
        identity.remember(response, room.code, actor.role, key)
        return response
    viewer = identity.from_cookies(request, room.state, surface)
    if viewer is None:
        return page(
            request,
            "message.html",
            status=403,
            message="Open this page with its secret link. Links that were replaced no longer work.",
        )
    return _surface(request, room, surface, viewer)


def _surface(request: Request, room: LiveRoom, surface: str, viewer: Actor) -> HTMLResponse:
    hub = hub_of(request)
    fragments = hub.renderer.page_fragments(surface, hub.scene(room), viewer)
    return page(
        request,
        f"{surface}.html",
        room=room.state,
        surface=surface,
        fragments=fragments,
        join_url=f"{base_url(request)}/join?code={room.code}",
        join_url_base=f"{base_url(request)}/join?code=",  # printed before the code, which never breaks
        viewer=viewer,
    )


CONSOLE = "/r/{code}/console"


@router.post("/r/{code}/delete", response_class=HTMLResponse)
async def delete_exchange(
    request: Request,
    access: Annotated[
        Access,
        Depends(
            require(
                Role.FACILITATOR, refusal="Only the facilitator can delete this exchange.", back="/r/{code}/console"
            )
        ),
    ],
    confirm: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Erase an ended exchange: its code and its whole event log, here and on every node."""
    code = access.room.code
    back = f"/r/{code}/console"
    if not access.room.state.ended:
        raise Refused("End the exchange before deleting it.", 409, back)
    if normalise_code(confirm) != code:
        raise Refused(f"Type the code {code} in the box to delete the exchange; nothing was deleted.", 400, back)
    await hub_of(request).delete(code)
    return page(request, "message.html", message=f"The exchange {code} and its whole record were deleted.")


# One route per surface, rather than /r/{code}/{surface}, which would answer a feature's /r/{code}/record.
for staff in STAFF_SURFACES:
    router.add_api_route(
        f"/r/{{code}}/{staff}",
        _staff_surface_route(staff),
        methods=["GET"],
        response_class=HTMLResponse,
        name=f"{staff}_surface",
    )
