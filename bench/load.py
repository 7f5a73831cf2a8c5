"""Load benchmark: Facilitator under N phones, against the raw stack (FastAPI + uvicorn) in the same run.

    .venv/bin/python bench/load.py --quick                       # smoke check: 200 phones, one run
    .venv/bin/python bench/load.py --phones 1000 --runs 3 --setup both

The server runs in its own process(es): `facilitator serve` on a temporary SQLite
file with one worker, and/or two workers on PostgreSQL (a fresh database
`bench_<pid>_<run>`, dropped afterwards) and Redis (a separate db number). The
phones live in separate client processes, each holding its share on one asyncio
loop with the `websockets` library (compression off). Every phone joins through
the real join flow (POST /api/rooms/{code}/join, then its WebSocket with the
participant cookie), and behaves like the page: it votes over its own socket,
reconnects after 1006/1011/1012/1013 with the page's backoff, and queues what it
sends while it is offline. A screen and a console watch too.

Scenarios, each bounded in time (a timeout is reported as a figure):
  connect    N phones join and receive their first full render
  memory     server RSS (summed over its processes) per connected phone
  fanout     the facilitator opens a poll: time until the last phone shows it
  http       the facilitator sends 40 commands over HTTP, one after another: round trip
  burst      every phone votes within 2 s: vote round trip to its ack, last vote
             to the screen's final count, every vote acknowledged, the tally exact
  ramp       100, 250, 500, 1,000 votes/s for ~5 s each (phones change their
             answer); a step stops when acknowledgements fall more than 5 s
             behind, and the ramp goes no higher once a step left votes unacknowledged
  reconnect  the server is restarted (SIGTERM, start again on the same port):
             time until every phone shows the current state again

Facilitator runs with its default settings, except SECRET_KEY (fixed, so cookies
survive the restart), MAX_PARTICIPANTS and JOINS_PER_ADDRESS (every phone comes
from 127.0.0.1); a setting the code does not have is ignored. The current cap on
participants refuses joins past it: the refusals are reported, and the run goes on
with the phones that joined.

bench/raw_server.py runs with the same uvicorn options, the same routes and the
same message sizes (measured on Facilitator in the same run); its figures give the
ratios. Figures are medians over --runs runs. Everything runs on 127.0.0.1, and
the whole run stops by itself (--budget minutes). The machines are shared and
noisy: read the load averages printed with the figures.
"""

import argparse
import asyncio
import collections
import json
import math
import multiprocessing as mp
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websockets
from websockets.exceptions import ConnectionClosed

ROOT = Path(__file__).resolve().parent.parent
RAW_SERVER = Path(__file__).resolve().parent / "raw_server.py"
SECRET_KEY = "bench-load-fixed-secret-key-so-cookies-survive-a-restart"
POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_BASE = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
OPTIONS = ["Discharge lounge", "Pharmacy rounds", "Transport desk", "Carers' calls"]
FULL_RENDER = 'id="me"'
RECONNECT_CODES = {1006, 1011, 1012, 1013}  # what the htmx ws extension reconnects after
ACK = re.compile(r'data-command-id="([^"]*)" data-accepted="(true|false)"')
ANSWERED = re.compile(r"<strong>(\d+)</strong> of (\d+) answered")
FLASH = re.compile(r'<div id="flash"[^>]*>(.*?)</div>', re.DOTALL)
RAMP_RATES = (100, 250, 500, 1000)
HTTP_COMMANDS = 40  # the facilitator locks and unlocks the room, one command at a time
KIB = 1024


# -- small helpers ---------------------------------------------------------------------------


def raise_nofile() -> tuple[int, int, int]:
    """Raise RLIMIT_NOFILE's soft limit as far as the hard limit allows: (before, now, hard)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else 1 << 20
    for candidate in (wanted, 1 << 20, 65536, 16384, 8192, 4096):
        if candidate < soft or (hard != resource.RLIM_INFINITY and candidate > hard):
            continue
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (candidate, hard))
            break
        except (ValueError, OSError):
            continue
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


RESTART_RETRIES = 30


def backoff(retry: int, restarting: bool = False) -> float:
    """static/facilitator.js's htmx.config.wsReconnectDelay, in seconds: shorter after a 1012."""
    longest = 2.0 if restarting and retry < RESTART_RETRIES else 10.0
    ceiling = min(longest, 0.5 * 2 ** min(retry, 5))
    return ceiling / 2 + random.random() * ceiling / 2


def pct(samples: list[float], q: float) -> float:
    if not samples:
        return math.nan
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def median(values: list) -> float:
    numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and not math.isnan(v)]
    return statistics.median(numbers) if numbers else math.nan


def padded(text: str, size: int) -> str:
    missing = size - len(text) - len("<!---->")
    return text + "<!--" + "x" * missing + "-->" if missing > 0 else text


def loadavg() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def say(text: str) -> None:
    print(text, flush=True)


# -- the client processes --------------------------------------------------------------------


class Phone:
    """One client socket that behaves like the page: reconnects with backoff, queues while offline."""

    def __init__(self, worker: "ClientWorker", index: int, url: str, origin: str, cookie: str, surface: str):
        self.worker = worker
        self.index = index
        self.url = url
        self.origin = origin
        self.cookie = cookie
        self.surface = surface
        self.ws = None
        self.seen: dict[str, tuple[float, int]] = {}
        self.closes_since_arm = 0
        self.queued: list[str] = []
        self.choice = index % len(OPTIONS)
        self.stopping = False
        self.connected = asyncio.Event()
        self.last_error = ""
        self.task = asyncio.get_running_loop().create_task(self.run())

    async def run(self) -> None:
        w = self.worker
        retry, restarting = 0, False
        while not self.stopping:
            try:
                ws = await websockets.connect(
                    self.url,
                    origin=self.origin,
                    additional_headers={"Cookie": self.cookie},
                    compression=None,
                    open_timeout=15,
                    ping_interval=None,
                    close_timeout=2,
                    max_size=4 * 1024 * 1024,
                    proxy=None,
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - refused, rejected at the handshake, timed out: the page retries (1006)
                self.last_error = f"{type(error).__name__}: {error}"[:160]
                w.connect_failures[type(error).__name__] += 1
                if self.stopping:
                    return
                await asyncio.sleep(backoff(retry, restarting))
                retry += 1
                continue
            self.ws, retry, restarting = ws, 0, False
            w.connects += 1
            self.connected.set()
            try:
                while self.queued:
                    await ws.send(self.queued.pop(0))
                async for text in ws:
                    self.on_message(text if isinstance(text, str) else text.decode("utf-8", "replace"))
            except ConnectionClosed:
                pass
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001
                self.last_error = f"{type(error).__name__}: {error}"[:160]
            code = ws.close_code if ws.close_code is not None else 1006
            self.ws = None
            self.connected.clear()
            self.closes_since_arm += 1
            if not self.stopping:
                w.close_codes[code] += 1
            if self.stopping or code not in RECONNECT_CODES:
                return
            restarting = code == 1012
            await asyncio.sleep(backoff(retry, restarting))
            retry += 1

    def on_message(self, text: str) -> None:
        now = time.monotonic()
        w = self.worker
        w.messages += 1
        w.bytes += len(text)
        if self.surface == "phone":
            for name, (parts, after_close) in w.watches.items():
                if (
                    name not in self.seen
                    and (not after_close or self.closes_since_arm)
                    and all(part in text for part in parts)
                ):
                    self.seen[name] = (now, len(text))
                    w.seen_count[name] += 1
        if 'id="ack"' in text:
            for command_id, accepted in ACK.findall(text):
                sent = w.pending.pop(command_id, None)
                if sent is not None:
                    w.acks[command_id] = (now, now - sent, accepted == "true", len(text))
                    if accepted != "true":
                        found = FLASH.search(text)
                        w.refusals[(found.group(1) if found else "refused, no message")[:120]] += 1
        if self.surface == "screen":
            for match in ANSWERED.finditer(text):
                count = int(match.group(1))
                if count not in w.screen_counts:
                    w.screen_counts[count] = now
                    w.screen_sizes.append(len(text))

    async def send(self, text: str) -> None:
        ws = self.ws
        if ws is None:
            self.queued.append(text)  # the htmx ws extension queues messages while the socket is down
            return
        try:
            await ws.send(text)
        except ConnectionClosed:
            self.queued.append(text)

    async def stop(self) -> None:
        self.stopping = True
        ws = self.ws
        if ws is not None:
            try:
                await asyncio.wait_for(ws.close(), 3)
            except Exception:  # noqa: BLE001
                pass
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)


class Http1:
    """One keep-alive HTTP/1.1 connection for JSON POSTs. httpx spent several times the server's
    CPU per join in the client processes, so the figures measured the harness; this costs little."""

    def __init__(self, base: str):
        self.origin = base
        self.host, port = base.removeprefix("http://").split(":")
        self.port = int(port)
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        request = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nOrigin: {self.origin}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
        ).encode() + data
        for attempt in range(2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                self.writer.write(request)
                head = (await self.reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
                headers = {
                    name.strip().lower(): value.strip()
                    for name, value in (line.split(":", 1) for line in head[1:] if ":" in line)
                }
                if "chunked" in headers.get("transfer-encoding", ""):
                    raise RuntimeError("chunked responses are not expected here")
                payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
                if headers.get("connection", "").lower() == "close":
                    self.close()
                return int(head[0].split()[1]), payload
            except (ConnectionError, asyncio.IncompleteReadError):
                self.close()  # a keep-alive connection the server closed: once more on a new one
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


class ClientWorker:
    """One client process: a share of the phones (and, in process 0, the screen and the console)."""

    def __init__(self, pipe, index: int):
        self.pipe = pipe
        self.index = index
        self.phones: list[Phone] = []
        self.staff: dict[str, Phone] = {}
        self.watches: dict[str, tuple[tuple[str, ...], bool]] = {}
        self.seen_count: collections.Counter = collections.Counter()
        self.pending: dict[str, float] = {}  # command id -> when it was sent
        self.acks: dict[str, tuple[float, float, bool, int]] = {}  # id -> (at, round trip, accepted, size)
        self.refusals: collections.Counter = collections.Counter()
        self.screen_counts: dict[int, float] = {}
        self.screen_sizes: list[int] = []
        self.close_codes: collections.Counter = collections.Counter()
        self.connect_failures: collections.Counter = collections.Counter()
        self.connects = 0
        self.messages = 0
        self.bytes = 0

    async def serve(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            seq, method, kwargs = await loop.run_in_executor(None, self.pipe.recv)
            if method == "quit":
                await self.do_stop()
                self.pipe.send((seq, None))
                return
            try:
                result = await getattr(self, f"do_{method}")(**kwargs)
            except Exception as error:  # noqa: BLE001 - report, do not die
                result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
            self.pipe.send((seq, result))

    def new_phone(self, index: int, base: str, code: str, surface: str, cookie: str) -> Phone:
        url = base.replace("http://", "ws://") + f"/r/{code}/ws?surface={surface}"
        return Phone(self, index, url, base, cookie, surface)

    async def do_hello(self) -> dict:
        soft, now, hard = raise_nofile()
        return {"pid": os.getpid(), "nofile": (soft, now, hard)}

    async def do_staff(self, base: str, code: str, tokens: dict, timeout: float) -> dict:
        for surface, role in (("screen", "screen"), ("console", "facilitator")):
            self.staff[surface] = self.new_phone(-1, base, code, surface, f"fac_{code}_{role}={tokens[role]}")
        try:
            async with asyncio.timeout(timeout):
                await asyncio.gather(*(p.connected.wait() for p in self.staff.values()))
            return {"ok": True}
        except TimeoutError:
            return {"ok": False, "errors": {s: p.last_error for s, p in self.staff.items()}}

    async def do_connect(self, base: str, code: str, indices: list[int], concurrency: int, timeout: float) -> dict:
        """Join every phone through the API, open its socket; wait for every first full render."""
        self.watches["first"] = ((FULL_RENDER,), False)
        refused: collections.Counter = collections.Counter()
        slots: asyncio.Queue[Http1] = asyncio.Queue()
        for _ in range(concurrency):
            slots.put_nowait(Http1(base))
        started = time.monotonic()
        deadline = started + timeout

        async def one(i: int) -> None:
            http = await slots.get()
            try:
                try:
                    status, body = await http.post(
                        f"/api/rooms/{code}/join",
                        {"name": f"Phone {i}", "organisation": f"Org {i % 5}", "accept_confidentiality": True},
                    )
                except Exception as error:  # noqa: BLE001
                    refused[type(error).__name__] += 1
                    return
                if status != 201:
                    try:
                        why = json.loads(body).get("error", "")
                    except ValueError:
                        why = body[:80].decode("utf-8", "replace")
                    refused[f"{status} {why}"] += 1
                    return
                token = json.loads(body)["token"]
                phone = self.new_phone(i, base, code, "phone", f"fac_{code}_participant={token}")
                self.phones.append(phone)
                await phone.connected.wait()  # a few handshakes at a time, as phones arrive in a room
            finally:
                slots.put_nowait(http)

        tasks = [asyncio.create_task(one(i)) for i in indices]
        try:
            async with asyncio.timeout(max(0.1, deadline - time.monotonic())):
                await asyncio.gather(*tasks)
        except TimeoutError:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        joined_at = time.monotonic()
        while not slots.empty():
            slots.get_nowait().close()
        await self.wait_seen("first", deadline)
        firsts = [p.seen["first"] for p in self.phones if "first" in p.seen]
        return {
            "joined": len(self.phones),
            "refused": dict(refused),
            "started": started,
            "joined_at": joined_at,
            "first_times": [t for t, _ in firsts],
            "first_sizes": [s for _, s in firsts],
            "unrendered": len(self.phones) - len(firsts),
            "unjoined": len(indices) - len(self.phones) - sum(refused.values()),
            "errors": collections.Counter(p.last_error for p in self.phones if p.last_error).most_common(3),
        }

    async def wait_seen(self, name: str, deadline: float) -> None:
        while self.seen_count[name] < len(self.phones) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)

    async def do_arm(self, name: str, parts: list[str], after_close: bool = False) -> dict:
        for phone in self.phones:
            phone.seen.pop(name, None)
            phone.closes_since_arm = 0
        self.seen_count[name] = 0
        self.watches[name] = (tuple(parts), after_close)
        return {"ok": True}

    async def do_collect(self, name: str, timeout: float) -> dict:
        await self.wait_seen(name, time.monotonic() + timeout)
        seen = [p.seen[name] for p in self.phones if name in p.seen]
        self.watches.pop(name, None)
        return {
            "times": [t for t, _ in seen],
            "sizes": [s for _, s in seen],
            "missing": len(self.phones) - len(seen),
            "phones": len(self.phones),
        }

    async def do_burst(self, poll_id: str, t0: float, spread: float, tag: str, timeout: float, seed: int) -> dict:
        """Every phone votes once, at a random moment of `spread` seconds from t0; wait for every ack."""
        rng = random.Random(seed * 1000 + self.index)
        ids: list[str] = []
        sent_at: list[float] = []

        async def vote(phone: Phone, offset: float) -> None:
            await asyncio.sleep(max(0.0, t0 + offset - time.monotonic()))
            command_id = f"{tag}-{phone.index}"
            ids.append(command_id)
            text = json.dumps({"type": "poll.answer", "poll_id": poll_id, "choice": phone.choice, "id": command_id})
            self.pending[command_id] = now = time.monotonic()
            sent_at.append(now)
            await phone.send(text)

        await asyncio.gather(*(vote(p, rng.uniform(0, spread)) for p in self.phones))
        deadline = time.monotonic() + timeout
        while any(i in self.pending for i in ids) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self.votes_result(ids, sent_at) | {"choices": [p.choice for p in self.phones]}

    def votes_result(self, ids: list[str], sent_at: list[float]) -> dict:
        acked = [self.acks[i] for i in ids if i in self.acks]
        return {
            "sent": len(ids),
            "acked": len(acked),
            "accepted": sum(a[2] for a in acked),
            "rtts": [a[1] for a in acked],
            "ack_sizes": [a[3] for a in acked],
            "first_sent": min(sent_at, default=math.nan),
            "last_sent": max(sent_at, default=math.nan),
            "last_ack": max((a[0] for a in acked), default=math.nan),
            "refusals": self.refusals.most_common(3),
        }

    async def do_ramp(
        self, poll_id: str, rate: float, duration: float, t0: float, tag: str, behind_limit: float, drain: float
    ) -> dict:
        """Send `rate` votes a second for `duration` seconds, round robin over this process's phones;
        each vote changes that phone's answer. Stop when the oldest unacknowledged vote is older than
        `behind_limit` seconds."""
        ids: list[str] = []
        sent_at: list[float] = []
        waiting: collections.deque = collections.deque()
        stopped = ""
        total = int(rate * duration)
        phones = self.phones
        k = 0
        while k < total and phones:
            now = time.monotonic()
            if now >= t0 + duration + 1.0:
                break
            due = min(total, int((now - t0) * rate) + 1) if now >= t0 else 0
            while k < due:
                phone = phones[k % len(phones)]
                phone.choice = (phone.choice + 1) % len(OPTIONS)
                command_id = f"{tag}-{self.index}-{k}"
                text = json.dumps({"type": "poll.answer", "poll_id": poll_id, "choice": phone.choice, "id": command_id})
                ids.append(command_id)
                self.pending[command_id] = sent = time.monotonic()
                sent_at.append(sent)
                waiting.append((command_id, sent))
                await phone.send(text)
                k += 1
            while waiting and waiting[0][0] not in self.pending:
                waiting.popleft()
            if waiting and time.monotonic() - waiting[0][1] > behind_limit:
                stopped = f"acks more than {behind_limit:g} s behind"
                break
            await asyncio.sleep(0.002)
        deadline = time.monotonic() + drain
        while any(i in self.pending for i in ids) and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        return self.votes_result(ids, sent_at) | {"stopped": stopped}

    async def do_screen(self, count: int, timeout: float) -> dict:
        """When the screen first showed at least `count` answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reached = [t for c, t in self.screen_counts.items() if c >= count]
            if reached:
                return {"at": min(reached), "max": max(self.screen_counts), "sizes": self.screen_sizes[-50:]}
            await asyncio.sleep(0.01)
        return {"at": math.nan, "max": max(self.screen_counts, default=0), "sizes": self.screen_sizes[-50:]}

    async def do_drain(self, timeout: float) -> dict:
        """Wait for the acks still owed (a backlog would spill into the next scenario); what is left."""
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        left = len(self.pending)
        self.pending.clear()  # never acknowledged: stop waiting for them
        return {"left": left}

    async def do_screen_reset(self) -> dict:
        self.screen_counts.clear()
        return {"ok": True}

    async def do_stats(self, reset: bool = False) -> dict:
        result = {
            "cpu": time.process_time(),
            "close_codes": dict(self.close_codes),
            "connect_failures": dict(self.connect_failures),
            "connects": self.connects,
            "messages": self.messages,
            "bytes": self.bytes,
            "online": sum(p.ws is not None for p in self.phones),
            "phones": len(self.phones),
        }
        if reset:
            self.close_codes.clear()
            self.connects = self.messages = self.bytes = 0
        return result

    async def do_stop(self) -> dict:
        everyone = [*self.phones, *self.staff.values()]
        for phone in everyone:
            phone.stopping = True
        try:
            async with asyncio.timeout(10):
                await asyncio.gather(*(p.stop() for p in everyone), return_exceptions=True)
        except TimeoutError:
            pass
        self.phones, self.staff = [], {}
        return {"ok": True}


def client_main(pipe, index: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the coordinator stops us
    raise_nofile()
    try:
        import uvloop

        runner = asyncio.Runner(loop_factory=uvloop.new_event_loop)
    except ImportError:
        runner = asyncio.Runner()
    with runner:
        runner.run(ClientWorker(pipe, index).serve())


class Clients:
    """The coordinator's handle on the client processes: one call to all, one answer from each."""

    def __init__(self, count: int):
        context = mp.get_context("fork")
        self.pipes, self.processes, self.seq = [], [], 0
        for i in range(count):
            parent, child = context.Pipe()
            process = context.Process(target=client_main, args=(child, i), daemon=True, name=f"bench-client-{i}")
            process.start()
            child.close()
            self.pipes.append(parent)
            self.processes.append(process)

    def call(
        self, method: str, kwargs: list[dict] | dict | None = None, timeout: float = 60, only: int | None = None
    ) -> list:
        """Send `method` to every process (or to `only`), with one kwargs dict each or one for all."""
        self.seq += 1
        targets = range(len(self.pipes)) if only is None else [only]
        for n, i in enumerate(targets):
            args = kwargs[n] if isinstance(kwargs, list) else (kwargs or {})
            self.pipes[i].send((self.seq, method, args))
        results = []
        deadline = time.monotonic() + timeout
        for i in targets:
            result = {"error": f"client {i} did not answer {method} within {timeout:.0f} s"}
            while self.pipes[i].poll(max(0.0, deadline - time.monotonic())):
                seq, answer = self.pipes[i].recv()
                if seq == self.seq:
                    result = answer
                    break
            if isinstance(result, dict) and "error" in result:
                say(f"    ! client {i}: {result['error']}")
            results.append(result)
        return results

    def one(self, i: int, method: str, kwargs: dict | None = None, timeout: float = 60):
        return self.call(method, kwargs, timeout, only=i)[0]

    def close(self) -> None:
        for pipe in self.pipes:
            try:
                self.seq += 1
                pipe.send((self.seq, "quit", {}))
            except (BrokenPipeError, OSError):
                pass
        for process in self.processes:
            process.join(15)
            if process.is_alive():
                process.terminate()
                process.join(5)


# -- servers ---------------------------------------------------------------------------------


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = collections.defaultdict(list)
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children[ppid].append(int(entry))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


def rss_bytes(pid: int) -> int:
    total = 0
    for member in descendants(pid):
        try:
            for line in Path(f"/proc/{member}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its descendants, in seconds."""
    total = 0
    for member in descendants(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def open_files_limit(pid: int) -> str:
    try:
        for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
            if line.startswith("Max open files"):
                return line.split()[3]
    except OSError:
        pass
    return "?"


@dataclass
class Server:
    """A server in its own process group: `facilitator serve`, or bench/raw_server.py."""

    kind: str  # "facilitator" or "raw"
    workers: int
    env: dict
    workdir: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.workdir / f"{self.kind}-{self.port}.log"

    def start(self, timeout: float = 60, extra_env: dict | None = None) -> float:
        if self.kind == "facilitator":
            argv = [
                sys.executable,
                "-m",
                "facilitator",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(self.workers),
            ]
        else:
            argv = [sys.executable, str(RAW_SERVER), "--host", "127.0.0.1", "--port", str(self.port)]
        env = {
            **os.environ,
            **self.env,
            **(extra_env or {}),
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        }
        started = time.monotonic()
        log = open(self.log_path, "ab")
        log.write(f"\n=== start {self.starts + 1} at {time.strftime('%H:%M:%S')} ===\n".encode())
        log.flush()
        self.process = subprocess.Popen(
            argv,
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        log.close()
        self.starts += 1
        deadline = started + timeout
        with httpx.Client(timeout=2, trust_env=False) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(
                        f"{self.kind} server exited with {self.process.returncode}; see {self.log_path}:\n"
                        + self.log_tail()
                    )
                try:
                    if client.get(f"{self.base}/healthz").status_code == 200:
                        return time.monotonic() - started
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"{self.kind} server not ready within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 20) -> float:
        """SIGTERM, as a service manager stops it; SIGKILL to its own process group after `timeout`."""
        started = time.monotonic()
        process = self.process
        if process is None or process.poll() is not None:
            return 0.0
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            say(f"    ! {self.kind} server did not stop within {timeout:.0f} s of SIGTERM; killing its process group")
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait(10)
        # Workers of a multi-process server exit with it; make sure none is left behind.
        try:
            os.killpg(process.pid, 0)
            time.sleep(0.5)
            os.killpg(process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        return time.monotonic() - started

    def cpu(self) -> float:
        return cpu_seconds(self.process.pid) if self.process and self.process.poll() is None else 0.0

    def rss(self) -> int:
        return rss_bytes(self.process.pid) if self.process and self.process.poll() is None else 0

    def log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def problems(self) -> list[str]:
        """Lines of the server's log that are not routine: errors, warnings, tracebacks."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return []
        found = []
        for line in text.splitlines():
            routine = (
                not line.strip()
                or line[0].isspace()
                or line.startswith(("INFO:", "===", "Traceback (most", "The above exception", "During handling"))
            )
            if not routine:  # warnings, errors, and the last line of each traceback (the exception)
                found.append(" ".join(line.split()))
        return found


# -- the scenarios, for one server -------------------------------------------------------------


@dataclass
class Target:
    name: str  # "sqlite", "pg-redis" or "raw"
    kind: str  # "facilitator" or "raw"
    workers: int
    env: dict = field(default_factory=dict)
    cleanup: list = field(default_factory=list)


def make_target(setup: str, run: int, workdir: Path, args, sizes: dict) -> Target:
    limit = str(max(2000, args.phones + 10))  # the cap on participants, should Settings read one
    # Every phone comes from 127.0.0.1: the per-address join limit is raised like the cap on participants
    # (settings that do not exist are ignored).
    common = {"SECRET_KEY": SECRET_KEY, "MAX_PARTICIPANTS": limit, "JOINS_PER_ADDRESS": str(4 * int(limit))}
    if setup == "sqlite":
        path = workdir / f"bench-{run}.db"
        return Target("sqlite", "facilitator", 1, {**common, "DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": ""})
    if setup == "pg-redis":
        import psycopg

        database = f"bench_{os.getpid()}_{run}"
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {database}")
            conn.execute(f"CREATE DATABASE {database}")

        def drop() -> None:
            with psycopg.connect(POSTGRES_ADMIN, autocommit=True, connect_timeout=5) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

        url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{database}"
        # The tables are made by one process first, with the app's own code, as on a server that ran
        # before: two workers starting on an empty database race to create them, and one may die of it.
        made = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from facilitator.db import make_engine; make_engine(sys.argv[1]).dispose()",
                url,
            ],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if made.returncode:
            raise RuntimeError(f"could not create the tables in {database}: {made.stderr[-500:]}")
        target = Target(
            "pg-redis", "facilitator", 2, {**common, "DATABASE_URL": url, "REDIS_URL": f"{REDIS_BASE}/{args.redis_db}"}
        )
        target.cleanup.append(drop)
        return target
    return Target(
        "raw",
        "raw",
        1,
        {
            "RAW_WELCOME_BYTES": str(sizes["welcome"]),
            "RAW_ACK_BYTES": str(sizes["ack"]),
            "RAW_SCREEN_BYTES": str(sizes["screen"]),
        },
    )


def forget_redis(codes: list[str], db: int) -> None:
    """Remove the presence keys of our rooms from the benchmark's Redis db (node keys expire by themselves)."""
    try:
        import redis

        client = redis.Redis.from_url(f"{REDIS_BASE}/{db}", socket_connect_timeout=2)
        for code in codes:
            client.delete(f"facilitator:presence:room:{code}")
        client.close()
    except Exception as error:  # noqa: BLE001
        say(f"    ! could not clean Redis db {db}: {error}")


def drain(clients: Clients, timeout: float, before: str, notes: list[str]) -> None:
    """Let the server finish what it owes before the next scenario starts; say when it could not."""
    started = time.monotonic()
    left = sum(r.get("left", 0) for r in clients.call("drain", {"timeout": timeout}, timeout=timeout + 20))
    waited = time.monotonic() - started
    if left:
        notes.append(f"before {before}: {left} votes still unacknowledged after waiting {waited:.0f} s more")
    elif waited > 1:
        notes.append(f"before {before}: waited {waited:.1f} s for the acks still owed")


def run_target(target: Target, phones: int, clients_count: int, workdir: Path, args, run: int, sizes: dict) -> dict:
    """One run against one server: every scenario asked for, each bounded in time; the figures."""
    figures: dict = {"target": target.name, "phones_asked": phones, "notes": []}
    notes = figures["notes"]
    scenarios = args.scenarios
    server = Server(target.kind, target.workers, target.env, workdir)
    clients = Clients(clients_count)
    http = httpx.Client(timeout=30, trust_env=False)
    codes: list[str] = []
    try:
        hello = clients.call("hello", timeout=20)
        limits = {r["nofile"][1] for r in hello if isinstance(r, dict) and "nofile" in r}
        figures["client_nofile"] = sorted(limits)
        figures["start_s"] = server.start(timeout=90)
        if target.workers > 1:
            time.sleep(2.0)  # /healthz answers once the first worker is up; let the others come up too
        figures["server_nofile"] = open_files_limit(server.process.pid)
        say(
            f"    open files: server {figures['server_nofile']}, client processes "
            f"{', '.join(str(n) for n in figures['client_nofile'])}; server ready in {figures['start_s']:.1f} s"
        )
        base = server.base

        room = http.post(
            f"{base}/api/rooms",
            json={
                "title": "Load benchmark",
                "confidentiality": "What is said here stays here.",
                "charter": {"focus": "Discharge delays", "outcome": "15 % shorter stays", "beneficiaries": "Nurses"},
            },
        )
        room.raise_for_status()
        room = room.json()
        code, facilitator = room["code"], {"Authorization": f"Bearer {room['tokens']['facilitator']}"}
        codes.append(code)

        def command(body: dict) -> dict:
            response = http.post(f"{base}/api/rooms/{code}/commands", json=body, headers=facilitator)
            response.raise_for_status()
            return response.json()

        staff = clients.one(
            0, "staff", {"base": base, "code": code, "tokens": room["tokens"], "timeout": 20}, timeout=30
        )
        if not staff.get("ok"):
            notes.append(f"screen/console did not connect: {staff}")
        time.sleep(1.0)
        rss_before = server.rss()

        # -- connect ----------------------------------------------------------------------
        shares = [list(range(i, phones, clients_count)) for i in range(clients_count)]
        server_cpu = server.cpu()
        clients_cpu = sum(r.get("cpu", 0) for r in clients.call("stats"))
        started = time.monotonic()
        results = clients.call(
            "connect",
            [
                {
                    "base": base,
                    "code": code,
                    "indices": share,
                    "concurrency": args.join_concurrency,
                    "timeout": args.connect_timeout,
                }
                for share in shares
            ],
            timeout=args.connect_timeout + 60,
        )
        results = [r for r in results if "error" not in r]
        joined = sum(r["joined"] for r in results)
        refused = collections.Counter()
        for r in results:
            refused.update(r["refused"])
        if server.process.poll() is not None:
            raise RuntimeError(
                f"the server exited (status {server.process.returncode}) while phones connected; see {server.log_path}"
            )
        firsts = [t for r in results for t in r["first_times"]]
        unjoined = sum(r["unjoined"] for r in results)
        unrendered = sum(r["unrendered"] for r in results)
        missing = unjoined + unrendered
        figures["joined"] = joined
        figures["refused"] = dict(refused)
        figures["connect_cpu_server_s"] = server.cpu() - server_cpu
        figures["connect_cpu_clients_s"] = sum(r.get("cpu", 0) for r in clients.call("stats")) - clients_cpu
        figures["connected"] = len(firsts)
        figures["connect_s"] = (max(firsts) - started) if firsts and not missing else math.inf
        figures["connect_done_s"] = (max(firsts) - started) if firsts else math.nan
        figures["joins_s"] = max(r["joined_at"] for r in results) - started if results else math.nan
        sizes_seen = [s for r in results for s in r["first_sizes"]]
        if sizes_seen and target.kind == "facilitator":
            sizes["welcome"] = int(statistics.median(sizes_seen))
        if refused:
            notes.append(
                "refused joins: "
                + "; ".join(f"{n} x {why}" for why, n in refused.items())
                + f" (continued with the {joined} that joined)"
            )
        if unjoined:
            notes.append(f"connect: {unjoined} joins still unanswered after {args.connect_timeout:.0f} s (given up)")
        if unrendered:
            notes.append(
                f"connect: {unrendered} joined phones without a first render within {args.connect_timeout:.0f} s"
            )
        handshakes = collections.Counter()
        for r in results:
            handshakes.update({e: n for e, n in r["errors"]})
        if handshakes:
            notes.append(
                "connect: socket handshakes that failed and were retried with the page's backoff "
                "(last error per phone): " + "; ".join(f"{n} x {e}" for e, n in handshakes.most_common(3))
            )
        say(
            f"    connect: {joined} joined, {len(firsts)} rendered, last at {figures['connect_done_s']:.2f} s"
            + (f", refused {sum(refused.values())}" if refused else "")
            + f"; CPU: server {figures['connect_cpu_server_s']:.1f} s, clients {figures['connect_cpu_clients_s']:.1f} s"
        )
        if not joined:
            raise RuntimeError("no phone joined")

        # -- memory -----------------------------------------------------------------------
        time.sleep(2.0)  # let the renders the joins caused finish
        rss_after = server.rss()
        figures["rss_before_mib"] = rss_before / 2**20
        figures["rss_after_mib"] = rss_after / 2**20
        figures["mem_kib"] = (rss_after - rss_before) / max(1, joined) / KIB
        say(
            f"    memory: {figures['mem_kib']:.1f} KiB per phone (RSS {rss_before / 2**20:.0f} -> "
            f"{rss_after / 2**20:.0f} MiB, {server.workers} worker(s))"
        )
        if scenarios == {"memory"}:
            return figures

        # -- fan-out: the facilitator opens a poll ---------------------------------------
        clients.call("stats", {"reset": True})
        if target.kind == "facilitator":
            poll_id = command(
                {"type": "poll.create", "kind": "single", "question": "Which change first?", "options": OPTIONS}
            )["reply"]["poll_id"]
            time.sleep(0.5)  # the console's render of the draft
        else:
            poll_id = f"rawpoll{run}"
        clients.call("arm", {"name": "poll", "parts": [f'data-poll-id="{poll_id}"']})
        time.sleep(0.3)
        started = time.monotonic()
        if target.kind == "facilitator":
            command({"type": "poll.open", "poll_id": poll_id})
        else:
            text = padded(
                f'<section id="my-polls"><article data-poll-id="{poll_id}"></article></section>', sizes["poll"]
            )
            http.post(f"{base}/broadcast", json={"text": text, "poll_id": poll_id}).raise_for_status()
        results = clients.call(
            "collect", {"name": "poll", "timeout": args.fanout_timeout}, timeout=args.fanout_timeout + 30
        )
        times = [t for r in results if "times" in r for t in r["times"]]
        missing = sum(r.get("missing", 0) for r in results)
        seen = len(times)
        if times:
            if target.kind == "facilitator":
                sizes["poll"] = int(statistics.median(s for r in results for s in r.get("sizes", [])))
            elapsed = max(times) - started
            figures["fanout_ms"] = elapsed * 1000 if not missing else math.inf
            figures["fanout_p50_ms"] = (statistics.median(times) - started) * 1000
            figures["fanout_rate"] = seen / elapsed if not missing else seen / args.fanout_timeout
        else:
            figures["fanout_ms"], figures["fanout_rate"] = math.inf, 0.0
        if missing:
            notes.append(f"fan-out: {missing} phones did not show the poll within {args.fanout_timeout:.0f} s")
        say(
            f"    fan-out: {seen} phones in {figures.get('fanout_ms', math.inf):.0f} ms "
            f"({figures.get('fanout_rate', 0):.0f} phones/s)"
        )

        # -- HTTP: one command's round trip, every phone connected -----------------------
        if target.kind == "facilitator":
            time.sleep(0.5)
            rtts = []
            for i in range(HTTP_COMMANDS):
                sent_at = time.perf_counter()
                command({"type": "room.lock" if i % 2 == 0 else "room.unlock"})
                rtts.append(time.perf_counter() - sent_at)
                time.sleep(0.02)
            figures["http_p50_ms"], figures["http_p99_ms"] = pct(rtts, 0.50) * 1000, pct(rtts, 0.99) * 1000
            say(
                f"    http: {HTTP_COMMANDS} commands one after another, round trip p50 "
                f"{figures['http_p50_ms']:.1f} ms, p99 {figures['http_p99_ms']:.1f} ms"
            )

        # -- burst: every phone votes within 2 s ------------------------------------------
        if "burst" in scenarios:
            time.sleep(0.5)
            if target.kind == "raw":
                http.post(f"{base}/reset").raise_for_status()
            clients.one(0, "screen_reset")
            t0 = time.monotonic() + 0.5
            results = clients.call(
                "burst",
                {
                    "poll_id": poll_id,
                    "t0": t0,
                    "spread": 2.0,
                    "tag": f"b{run}",
                    "timeout": args.burst_timeout,
                    "seed": run,
                },
                timeout=args.burst_timeout + 40,
            )
            results = [r for r in results if "error" not in r]
            sent = sum(r["sent"] for r in results)
            acked = sum(r["acked"] for r in results)
            rtts = [x for r in results for x in r["rtts"]]
            last_sent = max((r["last_sent"] for r in results), default=math.nan)
            figures["burst_sent"], figures["burst_acked"] = sent, acked
            figures["burst_accepted"] = sum(r["accepted"] for r in results)
            figures["vote_p50_ms"] = pct(rtts, 0.50) * 1000 if acked == sent else math.inf
            figures["vote_p99_ms"] = pct(rtts, 0.99) * 1000 if acked == sent else math.inf
            figures["vote_p50_acked_ms"] = pct(rtts, 0.50) * 1000
            figures["burst_spread_s"] = last_sent - min((r["first_sent"] for r in results), default=math.nan)
            ack_sizes = [s for r in results for s in r["ack_sizes"]]
            if ack_sizes and target.kind == "facilitator":
                sizes["ack"] = int(statistics.median(ack_sizes))
            screen = clients.one(
                0, "screen", {"count": sent, "timeout": args.screen_timeout}, timeout=args.screen_timeout + 20
            )
            figures["screen_ms"] = (screen.get("at", math.nan) - last_sent) * 1000
            if math.isnan(figures["screen_ms"]):
                figures["screen_ms"] = math.inf
                notes.append(
                    f"burst: the screen showed at most {screen.get('max')} of {sent} answers "
                    f"{args.screen_timeout:.0f} s after the acks"
                )
            if screen.get("sizes") and target.kind == "facilitator":
                sizes["screen"] = int(statistics.median(screen["sizes"]))
            refusals = collections.Counter()
            for r in results:
                refusals.update(dict(r["refusals"]))
            if refusals:
                notes.append("votes refused: " + "; ".join(f"{n} x {why}" for why, n in refusals.most_common(3)))
            if acked < sent:
                notes.append(
                    f"burst: {sent - acked} of {sent} votes not acknowledged within {args.burst_timeout:.0f} s"
                )
            if target.kind == "facilitator":
                expected = collections.Counter(c for r in results for c in r["choices"])
                try:
                    time.sleep(0.3)
                    state = http.get(f"{base}/api/rooms/{code}/state", headers=facilitator).json()
                    poll = next(p for p in state["polls"]["polls"] if p["id"] == poll_id)
                    counts = [bar["count"] for bar in poll["results"]["bars"]]
                    figures["tally_exact"] = poll["answered"] == sent and counts == [
                        expected[i] for i in range(len(OPTIONS))
                    ]
                    if not figures["tally_exact"]:
                        notes.append(
                            f"tally: {poll['answered']} answered, bars {counts}; expected {sent}, "
                            f"{[expected[i] for i in range(len(OPTIONS))]}"
                        )
                except Exception as error:  # noqa: BLE001
                    figures["tally_exact"] = False
                    notes.append(f"tally: could not read the state ({type(error).__name__}: {error})")
            say(
                f"    burst: {acked}/{sent} acked, round trip p50 {figures['vote_p50_acked_ms']:.0f} ms, "
                f"p99 {pct(rtts, 0.99) * 1000:.0f} ms; last vote -> screen final count "
                f"{figures['screen_ms']:.0f} ms"
                + (f"; tally exact: {figures['tally_exact']}" if "tally_exact" in figures else "")
            )

        # -- ramp: 100, 250, 500, 1,000 votes/s ------------------------------------------
        if "ramp" in scenarios:
            figures["ramp"] = []
            connected = figures["connected"] or 1
            per_client = [len(s) for s in shares]
            drain(clients, 15, "the ramp", notes)
            for rate in RAMP_RATES:
                time.sleep(1.0)
                t0 = time.monotonic() + 0.3
                results = clients.call(
                    "ramp",
                    [
                        {
                            "poll_id": poll_id,
                            "rate": rate * n / max(1, sum(per_client)),
                            "duration": args.ramp_seconds,
                            "t0": t0,
                            "tag": f"r{run}-{rate}",
                            "behind_limit": 5.0,
                            "drain": 5.0,
                        }
                        for n in per_client
                    ],
                    timeout=args.ramp_seconds + 40,
                )
                results = [r for r in results if "error" not in r]
                sent = sum(r["sent"] for r in results)
                acked = sum(r["acked"] for r in results)
                rtts = [x for r in results for x in r["rtts"]]
                last_ack = max((r["last_ack"] for r in results if not math.isnan(r["last_ack"])), default=math.nan)
                window = max(args.ramp_seconds, (last_ack - t0) if not math.isnan(last_ack) else args.ramp_seconds)
                stopped = next((r["stopped"] for r in results if r["stopped"]), "")
                accepted = sum(r["accepted"] for r in results)
                step = {
                    "rate": rate,
                    "sent": sent,
                    "acked": acked,
                    "accepted": accepted,
                    "achieved": acked / window,
                    "p50_ms": pct(rtts, 0.5) * 1000,
                    "p99_ms": pct(rtts, 0.99) * 1000,
                    "stopped": stopped,
                    "per_phone": rate / connected,
                }
                figures["ramp"].append(step)
                say(
                    f"    ramp {rate}/s: sent {sent}, acked {acked} ({step['achieved']:.0f}/s)"
                    + (f", {acked - accepted} of them refused" if accepted < acked else "")
                    + ", "
                    f"p50 {step['p50_ms']:.0f} ms, p99 {step['p99_ms']:.0f} ms"
                    + (f"; STOPPED: {stopped}" if stopped else "")
                )
                if stopped or acked < sent:
                    if stopped:
                        notes.append(f"ramp stopped at {rate}/s: {stopped}")
                    else:
                        notes.append(f"ramp {rate}/s: {sent - acked} of {sent} votes not acknowledged")
                    break
            good = [s["achieved"] for s in figures["ramp"] if s["acked"] == s["sent"] and not s["stopped"]]
            figures["sustained"] = max(good, default=0.0)

        # -- reconnect: restart the server -------------------------------------------------
        if "reconnect" in scenarios:
            drain(clients, 15, "the restart", notes)
            time.sleep(1.0)
            parts = [FULL_RENDER, f'data-poll-id="{poll_id}"']
            clients.call("arm", {"name": "back", "parts": parts, "after_close": True})
            killed = time.monotonic()
            figures["stop_s"] = server.stop()
            try:
                ready = server.start(timeout=90, extra_env={"RAW_POLL": poll_id})
                figures["restart_s"] = time.monotonic() - killed
                ready_at = time.monotonic()
                results = clients.call(
                    "collect", {"name": "back", "timeout": args.reconnect_timeout}, timeout=args.reconnect_timeout + 30
                )
                times = [t for r in results if "times" in r for t in r["times"]]
                missing = sum(r.get("missing", 0) for r in results)
                figures["reconnect_s"] = (max(times) - killed) if times and not missing else math.inf
                figures["reconnect_after_ready_s"] = (max(times) - ready_at) if times else math.nan
                if missing:
                    notes.append(
                        f"reconnect: {missing} phones not back {args.reconnect_timeout:.0f} s after "
                        f"the server was ready"
                    )
                say(
                    f"    reconnect: server stopped in {figures['stop_s']:.1f} s, ready again in {ready:.1f} s; "
                    f"{len(times)} phones back {figures['reconnect_s']:.1f} s after SIGTERM "
                    f"({figures['reconnect_after_ready_s']:.1f} s after ready)"
                )
            except RuntimeError as error:
                figures["reconnect_s"] = math.inf
                notes.append(f"reconnect: the server did not come back: {error}")
        stats = clients.call("stats")
        codes_seen = collections.Counter()
        failures = collections.Counter()
        for s in stats:
            codes_seen.update(s.get("close_codes", {}))
            failures.update(s.get("connect_failures", {}))
        figures["close_codes"] = dict(codes_seen)
        if failures:
            figures["connect_failures"] = dict(failures)
        return figures
    except Exception as error:  # noqa: BLE001 - a broken run is a figure too
        notes.append(f"run failed: {type(error).__name__}: {error}")
        say(f"    ! run failed: {type(error).__name__}: {error}")
        return figures
    finally:
        http.close()
        clients.close()
        server.stop()
        figures["server_problems"] = server.problems()
        figures["server_log"] = str(server.log_path)
        figures["load"] = loadavg()
        for drop in target.cleanup:
            try:
                drop()
            except Exception as error:  # noqa: BLE001
                say(f"    ! cleanup failed: {error}")
        if target.name == "pg-redis":
            forget_redis(codes, args.redis_db)


# -- the report ------------------------------------------------------------------------------


def fmt(value, unit: str = "", digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, float) and math.isinf(value):
        return "timeout"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    return f"{value:,.{digits}f}{unit}"


def verdict(ok: bool | None, phones: int, needed: int) -> str:
    if ok is None:
        return "-"
    if not ok:
        return "no"
    return "yes" if phones >= needed else f"yes, at {phones}"


def report(setup: str, runs: list[dict], raws: list[dict], args) -> None:
    def figure(key: str, source: list[dict]) -> float:
        """The median over runs; a timeout counts as infinitely slow (or as nothing done)."""
        values = [r[key] for r in source if key in r and not math.isnan(r[key])]
        return statistics.median(values) if values else math.nan

    def all_of(key: str) -> bool | None:
        values = [r[key] for r in runs if key in r]
        return all(values) if values else None

    phones = int(median([r.get("connected", 0) for r in runs]) or 0)
    rows: list[tuple[str, str, str, str, str, str]] = []

    def row(
        label: str,
        key: str,
        unit: str,
        digits: int,
        target: str,
        test,
        needed: int,
        ratio: bool = True,
        raw_key: str | None = None,
    ) -> None:
        mine = figure(key, runs)
        theirs = figure(raw_key or key, raws) if raws else math.nan
        if math.isnan(mine) and math.isnan(theirs):
            return  # a scenario not run
        shown_ratio = "-"
        if ratio and not math.isnan(theirs) and theirs and not math.isinf(theirs) and not math.isnan(mine):
            shown_ratio = "inf" if math.isinf(mine) else f"{mine / theirs:.2f}x"
        ok = None if (math.isnan(mine) or test is None) else test(mine, theirs)  # None: not this setup's target
        rows.append(
            (
                label,
                fmt(mine, unit, digits),
                fmt(theirs, unit, digits),
                shown_ratio,
                target,
                verdict(ok, phones, needed),
            )
        )

    refused = sum(sum(r.get("refused", {}).values()) for r in runs)
    every_joined = all(r.get("joined", 0) >= r.get("phones_asked", 0) for r in runs)
    rows.append(
        (
            "phones connected (asked)",
            f"{phones:,} ({args.phones:,})",
            fmt(median([r.get("connected", 0) for r in raws]), "", 0) if raws else "-",
            "-",
            "every phone joins",
            "yes" if every_joined else "no",
        )
    )
    if refused:
        rows.append(("  joins refused (all runs)", f"{refused:,}", "-", "-", "none", "no"))
    row(
        f"connect {phones:,} phones (join, socket, first render)",
        "connect_s",
        " s",
        2,
        "< 5 s at 1,000",
        lambda m, r: m < 5,
        1000,
    )
    row(
        "memory per phone",
        "mem_kib",
        " KiB",
        1,
        "< 50 KiB at 2,000",
        lambda m, r: m < 50 if runs[0]["target"] == "sqlite" else None,
        2000,
    )
    row("fan-out: poll opened -> last phone shows it", "fanout_ms", " ms", 0, "-", None, 1000)
    row(
        "fan-out throughput",
        "fanout_rate",
        " phones/s",
        0,
        ">= 0.5x raw",
        lambda m, r: not math.isnan(r) and m >= 0.5 * r,
        1000,
    )
    row(
        "HTTP command round trip p50, phones connected",
        "http_p50_ms",
        " ms",
        1,
        "< 20 ms at 500",
        lambda m, r: m < 20,
        500,
    )
    row("burst: vote round trip p50", "vote_p50_ms", " ms", 0, "< 50 ms", lambda m, r: m < 50, 1000)
    row("burst: vote round trip p99", "vote_p99_ms", " ms", 0, "< 250 ms", lambda m, r: m < 250, 1000)
    row("burst: last vote -> screen final count", "screen_ms", " ms", 0, "< 250 ms", lambda m, r: m < 250, 1000)
    if any("burst_sent" in r for r in runs):
        acked = f"{sum(r.get('burst_acked', 0) for r in runs):,}/{sum(r.get('burst_sent', 0) for r in runs):,}"
        raw_acked = (
            f"{sum(r.get('burst_acked', 0) for r in raws):,}/{sum(r.get('burst_sent', 0) for r in raws):,}"
            if raws
            else "-"
        )
        every = all(r.get("burst_acked") == r.get("burst_sent") for r in runs if "burst_sent" in r)
        rows.append(
            ("burst: votes acknowledged (all runs)", acked, raw_acked, "-", "every vote", verdict(every, phones, 1000))
        )
        tally = all_of("tally_exact")
        rows.append(("burst: tally exact", fmt(tally), "-", "-", "exact", verdict(tally, phones, 1000)))
    if any("ramp" in r for r in runs):
        for rate in RAMP_RATES:
            steps = [s for r in runs for s in r.get("ramp", []) if s["rate"] == rate]
            raw_steps = [s for r in raws for s in r.get("ramp", []) if s["rate"] == rate]
            if not steps:
                rows.append((f"ramp {rate:,}/s", "not reached", "-", "-", "-", "-"))
                continue
            mine = median([s["achieved"] for s in steps])
            theirs = median([s["achieved"] for s in raw_steps]) if raw_steps else math.nan
            detail = (
                f"{mine:,.0f}/s, {sum(s['acked'] for s in steps):,}/{sum(s['sent'] for s in steps):,} acked, "
                f"p50 {median([s['p50_ms'] for s in steps]):,.0f} / p99 {median([s['p99_ms'] for s in steps]):,.0f} ms"
            )
            raw_detail = (
                (
                    f"{theirs:,.0f}/s, p50 {median([s['p50_ms'] for s in raw_steps]):,.0f} / p99 "
                    f"{median([s['p99_ms'] for s in raw_steps]):,.0f} ms"
                )
                if raw_steps
                else "-"
            )
            stopped = sum(bool(s["stopped"]) for s in steps)
            label = f"ramp {rate:,}/s"
            if len(steps) < len(runs):
                label += f" (reached in {len(steps)} of {len(runs)} runs)"
            if stopped:
                label += f" (stopped early in {stopped})"
            rows.append((label, detail, raw_detail, f"{mine / theirs:.2f}x" if theirs else "-", "-", "-"))
        row(
            "sustained votes/s, every vote acknowledged",
            "sustained",
            "/s",
            0,
            ">= 500/s at 1,000",
            lambda m, r: m >= 500,
            1000,
        )
    row(
        "reconnect: SIGTERM -> every phone shows current state",
        "reconnect_s",
        " s",
        1,
        "< 10 s at 1,000",
        lambda m, r: m < 10,
        1000,
    )
    row("  of which: stop + start of the server", "restart_s", " s", 1, "-", None, 0)

    widths = [
        max(len(r[i]) for r in rows + [("figure", "Facilitator", "raw", "ratio", "target", "met?")]) for i in range(6)
    ]
    header = ("figure", "Facilitator", "raw", "ratio", "target", "met?")
    say("")
    workers = "1 worker, SQLite" if setup == "sqlite" else "2 workers, PostgreSQL + Redis"
    say(f"== {setup}: {workers}; medians of {len(runs)} run(s) (raw stack: {len(raws)} run(s)) ==")
    say("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    say("  ".join("-" * w for w in widths))
    for r in rows:
        say("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)))
    say(f"load average at the end of each run: {'; '.join(r.get('load', '?') for r in runs)}")
    codes = collections.Counter()
    for r in runs:
        codes.update(r.get("close_codes", {}))
    if codes:
        say(
            "socket closes seen by the phones (code x count, the restart's included): "
            + ", ".join(f"{c} x{n}" for c, n in sorted(codes.items()))
        )
    failures = collections.Counter()
    for r in runs:
        failures.update(r.get("connect_failures", {}))
    if failures:
        say(
            "socket connection attempts that failed and were retried (all phases, the restart's included): "
            + ", ".join(f"{name} x{n}" for name, n in failures.most_common())
        )
    notes = [n for r in runs for n in r.get("notes", [])]
    for note in dict.fromkeys(notes):
        say(f"note: {note}")
    problems = collections.Counter(p for r in runs for p in r.get("server_problems", []))
    if problems:
        say(f"server log: {sum(problems.values())} non-INFO lines, e.g.:")
        for line, n in problems.most_common(6):
            say(f"    {n:>4} x {line[:160]}")
    else:
        say("server log: nothing but INFO lines")


# -- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3, help="runs per setup; figures are medians over runs")
    parser.add_argument("--scenario", default="all", choices=["all", "fanout", "burst", "ramp", "reconnect", "memory"])
    parser.add_argument("--setup", default="both", choices=["sqlite", "pg-redis", "both"])
    parser.add_argument("--quick", action="store_true", help="a smoke check: 200 phones, one run, shorter ramp")
    parser.add_argument("--clients", type=int, default=0, help="client processes (default: 2, 3 or 4 by phones)")
    parser.add_argument("--join-concurrency", type=int, default=32, help="joins in flight per client process")
    parser.add_argument("--connect-timeout", type=float, default=45.0)
    parser.add_argument("--fanout-timeout", type=float, default=20.0)
    parser.add_argument("--burst-timeout", type=float, default=30.0, help="for the acks, after the 2 s of votes")
    parser.add_argument("--screen-timeout", type=float, default=15.0)
    parser.add_argument("--ramp-seconds", type=float, default=5.0)
    parser.add_argument("--reconnect-timeout", type=float, default=30.0)
    parser.add_argument("--redis-db", type=int, default=14)
    parser.add_argument("--budget", type=float, default=15.0, help="minutes; later runs are skipped past it")
    args = parser.parse_args()
    if args.quick:
        args.phones = min(args.phones, 200) if "--phones" in sys.argv else 200
        args.runs = 1
        args.ramp_seconds = min(args.ramp_seconds, 3.0)
    args.scenarios = {"all": {"fanout", "burst", "ramp", "reconnect", "memory"}}.get(args.scenario, {args.scenario})
    args.scenarios.add("memory")  # measured at every connect: it costs nothing
    setups = ["sqlite", "pg-redis"] if args.setup == "both" else [args.setup]

    began = time.monotonic()
    say(
        f"Facilitator load benchmark: {args.phones:,} phones, {args.runs} run(s), setups {', '.join(setups)}, "
        f"scenario {args.scenario}"
    )
    say(
        f"machine: {os.cpu_count()} cores, load average {loadavg()} (1, 5, 15 min); uvicorn options of "
        f"`facilitator serve`, compression off, 127.0.0.1"
    )
    soft, now, hard = raise_nofile()
    say(f"open files: soft limit {soft} -> {now} (hard limit {hard}); servers and client processes inherit it")
    if hard != resource.RLIM_INFINITY and now < hard:
        say(f"open files: could not raise the soft limit to the hard limit {hard}")
    clients_count = args.clients or (2 if args.phones <= 1000 else 3 if args.phones <= 2000 else 4)
    needed_server = args.phones + 256
    needed_client = math.ceil(args.phones / clients_count) + 256
    if now < max(needed_server, needed_client):
        fitting = max(10, min(now - 256, (now - 256) * clients_count))
        say(
            f"open files: {now} is too few for {args.phones:,} phones (a server needs ~{needed_server:,}); "
            f"reducing to {fitting:,} phones. Raise the hard limit (ulimit -Hn, limits.conf) for more."
        )
        args.phones = fitting
    say(f"client processes: {clients_count}, ~{math.ceil(args.phones / clients_count):,} phones each")

    if "pg-redis" in setups:
        try:
            import psycopg
            import redis

            psycopg.connect(POSTGRES_ADMIN, connect_timeout=3).close()
            client = redis.Redis.from_url(f"{REDIS_BASE}/{args.redis_db}", socket_connect_timeout=2)
            client.ping()
            if client.dbsize():
                say(f"note: Redis db {args.redis_db} is not empty; the benchmark only adds and removes its own keys")
            client.close()
        except Exception as error:  # noqa: BLE001
            say(
                f"pg-redis: PostgreSQL ({POSTGRES_ADMIN}) or Redis ({REDIS_BASE}/{args.redis_db}) is not "
                f"available ({type(error).__name__}: {error}); skipping that setup"
            )
            setups.remove("pg-redis")
    if not setups:
        return

    sizes = {"welcome": 4000, "poll": 3000, "ack": 300, "screen": 1500}  # replaced by Facilitator's own
    results: dict[str, list[dict]] = {s: [] for s in setups}
    raws: dict[int, list[dict]] = collections.defaultdict(list)  # phones -> raw runs at that count
    per_setup_raws: dict[str, list[dict]] = {s: [] for s in setups}
    durations: list[float] = []
    skipped = 0
    workdir = Path(tempfile.mkdtemp(prefix="facilitator-load-"))
    try:
        for run in range(1, args.runs + 1):
            for setup in setups:
                estimate = max(durations, default=0)
                if time.monotonic() - began + estimate > args.budget * 60:
                    skipped += 1
                    continue
                say(f"\n-- run {run}/{args.runs}, {setup} (load {loadavg()}) --")
                run_started = time.monotonic()
                try:
                    target = make_target(setup, run, workdir, args, sizes)
                except Exception as error:  # noqa: BLE001
                    say(f"    ! could not prepare {setup}: {error}")
                    continue
                figures = run_target(target, args.phones, clients_count, workdir, args, run, sizes)
                results[setup].append(figures)
                durations.append(time.monotonic() - run_started)
                # The raw stack, with the same number of phones and the message sizes just measured.
                phones = figures.get("connected") or figures.get("joined") or 0
                if phones and len(raws[phones]) < run:
                    say(f"-- run {run}/{args.runs}, raw stack, {phones:,} phones (load {loadavg()}) --")
                    raw_started = time.monotonic()
                    raw = run_target(
                        make_target("raw", run, workdir, args, sizes), phones, clients_count, workdir, args, run, sizes
                    )
                    raws[phones].append(raw)
                    durations.append(time.monotonic() - raw_started)
                if phones:
                    per_setup_raws[setup].append(raws[phones][-1])
    except KeyboardInterrupt:
        say("\ninterrupted: reporting what was measured")
    finally:
        for setup in setups:
            if results[setup]:
                report(setup, results[setup], per_setup_raws[setup], args)
        if skipped:
            say(f"\n{skipped} run(s) skipped to stay within the {args.budget:g} minute budget (--budget)")
        say(
            f"\nmachine: {os.cpu_count()} cores; load average at the start and now: see above, now {loadavg()}; "
            f"total {time.monotonic() - began:.0f} s"
        )
        say(f"server logs: {workdir}")


if __name__ == "__main__":
    main()
