"""Cross-site request forgery: only our own pages may change anything with a visitor's cookies.

Cookies go with every request a browser makes to us, whichever page made it,
and SameSite=Lax lets through pages of the same site (another port of this
host, a sibling subdomain). So every request that may change something is
checked here, once for all routes, against the origin the browser names: the
same rule the WebSocket applies before it accepts (`web.origin_allowed`).
"""

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from facilitator.rooms.api import bearer
from facilitator.rooms.pages import page
from facilitator.rooms.web import origin_allowed

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
REFUSAL = (
    "This was sent from a page of another site, so it was not accepted. "
    "Open the page from this exchange's own address and try again."
)


class SameOriginWrites:
    """Answers 403 to a state-changing request sent from a foreign page."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        # A bearer token is no ambient credential: a foreign page cannot make a browser send an
        # Authorization header to us without a CORS preflight, which this app never grants.
        if bearer(request.headers.get("authorization")) is not None or origin_allowed(request):
            await self.app(scope, receive, send)
            return
        await refusal(request)(scope, receive, send)


def refusal(request: Request) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"ok": False, "error": REFUSAL}, status_code=403)
    return page(request, "message.html", status=403, message=REFUSAL)
