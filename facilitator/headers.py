"""Security headers on every HTTP response: what a hospital's scanner looks for, and a second
line behind the templates' escaping.

The pages load scripts, styles and images from this server alone and open WebSockets back to it;
no page may be framed (a console inside another site could be clicked through), and no page sends
its address to another site (a secret link's key never leaves in a Referer; this server's own
forms keep theirs, which `SameOriginWrites` reads, and the Origin that "no-referrer" would
blank). Style attributes are allowed inline: the screen sizes its type from per-element custom
properties (`--chars`).
FastAPI's own API documentation pages load Swagger UI and ReDoc from a CDN, so they keep the
browser's defaults. HSTS is the TLS proxy's to send (deploy/Caddyfile)."""

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
HEADERS = {
    "Content-Security-Policy": POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
API_DOCUMENTATION = ("/docs", "/redoc")


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(API_DOCUMENTATION):
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, with_headers)
