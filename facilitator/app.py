"""The application: `create_app(settings)` wires the database, the broker and the hub."""

import asyncio
import contextlib
import gc
import json
from collections.abc import AsyncIterator

import anyio
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from facilitator import __version__
from facilitator.config import Settings
from facilitator.db import make_engine
from facilitator.export import pages as export_pages
from facilitator.features import RULES
from facilitator.headers import SecurityHeaders
from facilitator.keycheck import KeyClaim
from facilitator.limits import BodyLimit
from facilitator.logs import RequestLog, redact_secrets_in_logs
from facilitator.ops import Metrics
from facilitator.ops import router as ops_router
from facilitator.record import pages as record_pages
from facilitator.rooms import api, pages, ws
from facilitator.rooms.access import Refused
from facilitator.rooms.auth import Identity
from facilitator.rooms.broker import broker_for
from facilitator.rooms.clock import SYSTEM_CLOCK, Clock
from facilitator.rooms.housekeeping import housekeeping
from facilitator.rooms.hub import Hub
from facilitator.rooms.log import EventLog
from facilitator.rooms.model import CommandError
from facilitator.rooms.origin import SameOriginWrites
from facilitator.rooms.outage import answer_database_outages
from facilitator.rooms.render import Renderer
from facilitator.rooms.throttle import Throttle
from facilitator.timers.scheduler import DeadlineScheduler


def create_app(settings: Settings | None = None, clock: Clock = SYSTEM_CLOCK) -> FastAPI:
    """The app; `clock` is the time it reads and waits on (a test's, to move time on at will)."""
    settings = settings or Settings()
    redact_secrets_in_logs()
    templates = Jinja2Templates(directory=settings.templates_dir)
    templates.env.auto_reload = False  # templates change with a release, not while serving: no stat() per render
    templates.env.globals["vendor"] = _vendored_assets(settings)
    templates.env.globals.update(RULES.template_globals)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, migrate=settings.auto_migrate)
        # Every worker signs with the same key, or it does not start (the claim is across processes:
        # on the machine's clock, whatever clock the app runs on).
        claim = KeyClaim(engine, settings.signing_key)
        await anyio.to_thread.run_sync(claim.claim, SYSTEM_CLOCK.now_ms())  # refreshed by a housekeeping job
        broker = broker_for(settings.redis_url, settings.presence_ttl_seconds)
        await broker.start()
        scheduler = DeadlineScheduler(clock)
        hub = Hub(
            RULES,
            EventLog(engine),
            broker,
            Renderer(templates.env, RULES.fragments),
            settings.signing_key,
            settings.render_interval_seconds,
            alarms=scheduler,
            throttle=Throttle.from_settings(settings, clock.monotonic),
            capacity=settings.max_participants,
            clock=clock,
            timezone=settings.zone,
            settings=settings,
            observer=metrics,
        )
        metrics.count_reconnects(lambda: broker.reconnects)
        app.state.hub = hub
        scheduler.start(hub.fire)
        # Rooms of the last days come back with their running timers; a deadline
        # that passed while the server was down fires at once. In the background: after a
        # restart a hall of phones is reconnecting, and a room someone opens meanwhile is
        # loaded once, by whichever asks first.
        # Rooms followed up for months come back too, whatever their age (see DESIGN.md, "Follow-up").
        reviving = asyncio.create_task(hub.revive(*_revive_window(settings, clock)))
        upkeep = asyncio.create_task(hub.keep_presence(settings.presence_refresh_seconds))

        jobs = housekeeping(hub, clock, lambda: _revive_window(settings, clock), settings.retention_days, claim)
        jobs.start()
        app.state.housekeeping = jobs
        # What start-up made (modules, templates, the libraries' tables) lives as long as the
        # process: out of the collector's sight, a full collection in a burst of votes walks only
        # what the rooms make, not the whole heap (it paused the server ~200 ms in one burst in two).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            jobs.shutdown(wait=False)
            reviving.cancel()
            upkeep.cancel()
            with contextlib.suppress(Exception):  # a database that is down forgets it by itself
                await anyio.to_thread.run_sync(claim.release)
            scheduler.shutdown()
            await broker.stop()
            engine.dispose()

    app = FastAPI(
        title="Facilitator",
        version=__version__,
        lifespan=lifespan,
        description="Run live peer-to-peer learning exchanges. Every change to an exchange "
        "is a command; the same commands are accepted here and over the WebSocket.",
    )
    app.state.settings = settings
    app.state.templates = templates
    app.state.metrics = metrics
    app.state.identity = Identity(settings.signing_key, settings.secure_cookies)
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    app.add_middleware(SameOriginWrites)  # a forged request is not even read
    app.add_middleware(SecurityHeaders)  # outermost: refusals and errors carry the headers too
    app.add_middleware(RequestLog)  # added last, so it runs first: every request is timed and logged
    app.exception_handler(CommandError)(api.command_error_response)
    app.exception_handler(RequestValidationError)(api.validation_error_response)
    app.exception_handler(Refused)(pages.refused_page)  # a page's refusal is a page, not JSON
    app.exception_handler(HTTPException)(pages.page_not_found)
    answer_database_outages(app)  # 503 and one sentence while the database is unreachable
    app.include_router(ops_router)
    app.mount("/static", StaticFiles(directory=settings.static_dir), name="static")
    app.include_router(api.router_for(RULES))
    app.include_router(record_pages.router)  # the record is a layer above the features, not one of them
    app.include_router(export_pages.router)  # so are its exports
    app.include_router(pages.router)
    app.include_router(ws.router)
    for router in RULES.routers:
        app.include_router(router)
    return app


def _revive_window(settings: Settings, clock: Clock) -> tuple[int, int]:
    """Since when rooms are loaded at start: recent ones, and followed-up ones over a longer time."""
    day = 24 * 3600 * 1000
    now = clock.now_ms()
    return now - settings.revive_days * day, now - settings.follow_up_days * day


def _vendored_assets(settings: Settings) -> dict[str, str]:
    """File name -> path under /static, from the pins written by scripts/vendor.py."""
    pins = json.loads((settings.static_dir / "vendor" / "VERSIONS.json").read_text())
    return {name: path for package in pins.values() for name, path in package["files"].items() if name != "LICENSE"}
