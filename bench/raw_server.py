"""The raw stack for bench/load.py: a minimal FastAPI app on uvicorn that holds WebSockets and broadcasts.

    .venv/bin/python bench/raw_server.py --port 8001

It answers the same routes the load benchmark's clients use on Facilitator, doing
next to nothing, so the same client harness drives both:

- POST /api/rooms and POST /api/rooms/{code}/join: a made-up code and token;
- WS /r/{code}/ws?surface=...: holds the socket; sends a first message the size of
  Facilitator's first render (it carries `id="me"` and the current poll's id);
  answers a "poll.answer" (or "vote") message with an ack of the size of
  Facilitator's, counts it, and sends the new count to every screen socket;
- POST /broadcast {"text": ..., "poll_id": ...}: sends the text to every phone;
- POST /reset: forgets who voted; GET /healthz.

Message sizes come from the environment: RAW_WELCOME_BYTES, RAW_ACK_BYTES,
RAW_SCREEN_BYTES; RAW_POLL names the current poll (it survives a restart that way).
uvicorn runs with the options `facilitator serve` uses: one worker, compression off.
"""

import argparse
import asyncio
import itertools
import json
import os
import secrets
from typing import Annotated

import uvicorn
from fastapi import Body, FastAPI, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse


def padded(text: str, size: int) -> str:
    """The text, made `size` characters long with an HTML comment when it is shorter."""
    missing = size - len(text) - len("<!---->")
    return text + "<!--" + "x" * missing + "-->" if missing > 0 else text


class Room:
    def __init__(self) -> None:
        self.phones: set[WebSocket] = set()
        self.screens: set[WebSocket] = set()
        self.others: set[WebSocket] = set()
        self.voters: set[int] = set()
        self.votes = 0
        self.poll = os.environ.get("RAW_POLL") or None
        self.welcome_bytes = int(os.environ.get("RAW_WELCOME_BYTES", "4000"))
        self.ack_bytes = int(os.environ.get("RAW_ACK_BYTES", "300"))
        self.screen_bytes = int(os.environ.get("RAW_SCREEN_BYTES", "1500"))

    def welcome(self) -> str:
        poll = f'<article data-poll-id="{self.poll}"></article>' if self.poll else ""
        return padded(f'<div id="me" class="me"></div>{poll}', self.welcome_bytes)

    def ack(self, command_id: object) -> str:
        shown = command_id if isinstance(command_id, str) and len(command_id) <= 64 else ""
        return padded(f'<div id="ack" hidden data-command-id="{shown}" data-accepted="true"></div>', self.ack_bytes)

    def count(self) -> str:
        return padded(
            f'<section id="poll-screen"><p class="poll-answered"><strong>{len(self.voters)}</strong> of '
            f"{len(self.phones)} answered</p></section>",
            self.screen_bytes,
        )


app = FastAPI()
room = Room()
_ids = itertools.count(1)


async def send(websocket: WebSocket, text: str) -> bool:
    try:
        await websocket.send_text(text)
        return True
    except Exception:  # noqa: BLE001 - a socket that went away
        return False


@app.get("/healthz")
async def healthz() -> dict:
    return {"ok": True}


@app.post("/api/rooms", status_code=201)
async def create_room() -> dict:
    tokens = {role: secrets.token_urlsafe(8) for role in ("facilitator", "scribe", "screen")}
    return {"code": "RAWRAW", "links": {}, "tokens": tokens}


@app.post("/api/rooms/{code}/join")
async def join(code: str, body: Annotated[dict, Body()]) -> JSONResponse:
    return JSONResponse({"participant_id": secrets.token_hex(8), "token": secrets.token_urlsafe(24)}, status_code=201)


@app.post("/broadcast")
async def broadcast(body: Annotated[dict, Body()]) -> dict:
    if body.get("poll_id"):
        room.poll = body["poll_id"]
    text = body["text"]
    sent = await asyncio.gather(*(send(ws, text) for ws in list(room.phones)))
    return {"sent": sum(sent)}


@app.post("/reset")
async def reset() -> dict:
    room.voters.clear()
    room.votes = 0
    return {"ok": True}


@app.websocket("/r/{code}/ws")
async def socket(websocket: WebSocket, code: str, surface: str = "phone") -> None:
    await websocket.accept()
    me = next(_ids)
    group = {"phone": room.phones, "screen": room.screens}.get(surface, room.others)
    group.add(websocket)
    try:
        await websocket.send_text(room.welcome())
        while True:
            text = await websocket.receive_text()
            try:
                message = json.loads(text)
            except ValueError:
                continue
            if isinstance(message, dict) and message.get("type") in ("poll.answer", "vote"):
                room.votes += 1
                room.voters.add(me)
                await websocket.send_text(room.ack(message.get("id")))
                count = room.count()
                for screen in list(room.screens):
                    await send(screen, count)
    except WebSocketDisconnect:
        pass
    finally:
        group.discard(websocket)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    # The options of `facilitator serve` (facilitator/cli.py), one worker.
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        workers=1,
        ws_per_message_deflate=False,
        ws_max_size=1024 * 1024,
        ws_ping_interval=20,
        ws_ping_timeout=20,
        proxy_headers=True,
    )


if __name__ == "__main__":
    main()
