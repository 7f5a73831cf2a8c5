"""What an operator watches: `/healthz`, `/readyz`, `/metrics`, and the figures behind them.

`/healthz` says the process answers; `/readyz` that the database and, when configured, Redis
answer too (a load balancer sends no traffic to a node that is not ready); `/metrics` is the
Prometheus text format, optionally behind a bearer token (`METRICS_TOKEN`).

`Metrics` keeps its own registry, so two apps in one process (tests) never share figures. The
command path pays a counter and a histogram per command: a lock and a few additions.
"""

import asyncio
import hmac
from collections.abc import Awaitable, Callable, Iterator

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from facilitator import __version__
from facilitator.rooms.web import hub_of, settings_of

PROBE_TIMEOUT_SECONDS = 2.0
NAMES = {"database": "the database", "redis": "Redis"}
# Commands are answered in milliseconds; a slow one is a database under load or a lock held.
COMMAND_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
RENDER_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class _Reconnects(Collector):
    """The broker's count of subscriptions made again after a break, read when scraped."""

    def __init__(self, read: Callable[[], int]):
        self.read = read

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "facilitator_broker_reconnects",
            "Times the Redis subscription was made again after it broke.",
            value=self.read(),
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.connections = Gauge(
            "facilitator_connections", "Open WebSockets, by surface.", ["surface"], registry=self.registry
        )
        self.commands = Counter(
            "facilitator_commands", "Commands, by type and outcome.", ["type", "outcome"], registry=self.registry
        )
        self.command_seconds = Histogram(
            "facilitator_command_seconds",
            "Time from a command's arrival at the hub to its answer.",
            buckets=COMMAND_BUCKETS,
            registry=self.registry,
        )
        self.render_seconds = Histogram(
            "facilitator_render_seconds",
            "Time one push of a room's changed fragments took.",
            buckets=RENDER_BUCKETS,
            registry=self.registry,
        )
        self.dropped = Counter(
            "facilitator_slow_clients_dropped",
            "Sockets closed with 1013 because their client fell too far behind.",
            registry=self.registry,
        )
        self._reconnects: Callable[[], int] = lambda: 0
        self.registry.register(_Reconnects(lambda: self._reconnects()))

    def count_reconnects(self, read: Callable[[], int]) -> None:
        self._reconnects = read

    # The hub's `Observer`.
    def command(self, type_: str, outcome: str, seconds: float) -> None:
        self.commands.labels(type_, outcome).inc()
        self.command_seconds.observe(seconds)

    def connected(self, surface: str, change: int) -> None:
        self.connections.labels(surface).inc(change)

    def rendered(self, seconds: float) -> None:
        self.render_seconds.observe(seconds)

    def dropped_slow_client(self) -> None:
        self.dropped.inc()

    def text(self) -> bytes:
        return generate_latest(self.registry)


router = APIRouter(include_in_schema=False)


@router.get("/healthz")
async def healthz() -> JSONResponse:
    """The process is up and answering, and which release it runs."""
    return JSONResponse({"ok": True, "version": __version__})


@router.get("/readyz")
async def readyz(request: Request) -> JSONResponse:
    """The database answers and, when configured, Redis: 503 naming the part that does not."""
    hub = hub_of(request)
    probes: dict[str, Callable[[], Awaitable[None]]] = {"database": hub.log.ping}
    if settings_of(request).redis_url:
        probes["redis"] = hub.broker.ping
    results = await asyncio.gather(*(_probe(probe) for probe in probes.values()))
    checks = dict(zip(probes, results, strict=True))
    failing = [name for name, result in checks.items() if result != "ok"]
    body: dict[str, object] = {"ok": not failing, **checks}
    if failing:
        body["error"] = f"Not ready: {' and '.join(NAMES[part] for part in failing)} cannot be reached."
    return JSONResponse(body, status_code=503 if failing else 200)


async def _probe(probe: Callable[[], Awaitable[None]]) -> str:
    try:
        await asyncio.wait_for(probe(), timeout=PROBE_TIMEOUT_SECONDS)
    except Exception as error:  # noqa: BLE001 - any failure is reported, not raised
        return f"unreachable ({type(error).__name__})"
    return "ok"


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    token = settings_of(request).metrics_token
    if token:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            return JSONResponse(
                {"ok": False, "error": "A valid bearer token (METRICS_TOKEN) is required for the metrics."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    return Response(request.app.state.metrics.text(), media_type=CONTENT_TYPE_LATEST)
