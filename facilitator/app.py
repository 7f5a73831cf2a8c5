"""The application: `create_app(settings)` wires the database, the broker and the hub."""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from facilitator.config import Settings
from facilitator.db import make_engine
from facilitator.features import RULES
from facilitator.rooms import api, pages, ws
from facilitator.rooms.auth import Identity
from facilitator.rooms.broker import broker_for
from facilitator.rooms.hub import Hub
from facilitator.rooms.log import EventLog
from facilitator.rooms.render import Renderer


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    templates = Jinja2Templates(directory=settings.templates_dir)
    templates.env.globals["vendor"] = _vendored_assets(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url)
        broker = broker_for(settings.redis_url)
        await broker.start()
        hub = Hub(RULES, EventLog(engine), broker, Renderer(templates.env, RULES.fragments),
                  settings.signing_key, settings.render_interval_seconds)
        app.state.hub = hub
        upkeep = asyncio.create_task(hub.keep_presence())
        try:
            yield
        finally:
            upkeep.cancel()
            await broker.stop()
            engine.dispose()

    app = FastAPI(title="Facilitator", version="0.1.0", lifespan=lifespan,
                  description="Run live peer-to-peer learning exchanges. Every change to an exchange "
                              "is a command; the same commands are accepted here and over the WebSocket.")
    app.state.settings = settings
    app.state.templates = templates
    app.state.identity = Identity(settings.signing_key, settings.secure_cookies)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(ws.router)
    return app


def _vendored_assets(settings: Settings) -> dict[str, str]:
    """File name -> path under /static, from the pins written by scripts/vendor.py."""
    pins = json.loads((settings.static_dir / "vendor" / "VERSIONS.json").read_text())
    return {name: path for package in pins.values() for name, path in package["files"].items()
            if name != "LICENSE"}
