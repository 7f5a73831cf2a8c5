"""Presence: which participants have a live connection, across every node.

Each node counts its own connections per participant and shares the set of
participants it serves, per room, through the broker: a message for the nodes
listening now, and a stored copy for nodes that start listening later. A node
that dies stops refreshing its heartbeat, and its members fade out.

Connecting never waits for the broker: the message is queued (`Broker.send`)
and the stored copy is written in the background, both at most once per
`SHARE_EVERY` however many phones arrive meanwhile (a hall connecting at once
would otherwise send the whole member list once per phone). A broker that cannot answer
leaves the other nodes' members as last known, and the periodic refresh puts
everything right once it is back.
"""

import asyncio
import logging
from collections import Counter

from facilitator.rooms.broker import Broker
from facilitator.rooms.outage import Outage

log = logging.getLogger(__name__)

SHARE_EVERY = 0.1  # seconds


class Presence:
    def __init__(self, broker: Broker, node: str):
        self.broker = broker
        self.node = node
        self.local: dict[str, Counter[str]] = {}
        self.remote: dict[str, dict[str, frozenset[str]]] = {}
        self.outage = Outage(
            log, "Sharing presence through the broker", "members on other nodes stay as last known until it is back"
        )
        self._unshared: set[str] = set()
        self._sharing: asyncio.Task | None = None
        # room -> everyone connected on any node, until the next change (every render asks).
        self._connected: dict[str, frozenset[str]] = {}

    def connected(self, room: str) -> frozenset[str]:
        known = self._connected.get(room)
        if known is None:
            members = {pid for pid, count in self.local.get(room, Counter()).items() if count > 0}
            for node_members in self.remote.get(room, {}).values():
                members |= node_members
            known = self._connected[room] = frozenset(members)
        return known

    async def track(self, room: str, participant_id: str) -> bool:
        """Count one more connection; True when the participant just came online here."""
        counts = self.local.setdefault(room, Counter())
        counts[participant_id] += 1
        if counts[participant_id] == 1:
            self._share(room)
            return True
        return False

    def forget(self, room: str) -> None:
        """Who is connected in this room changed."""
        self._connected.pop(room, None)

    async def untrack(self, room: str, participant_id: str) -> bool:
        counts = self.local.get(room, Counter())
        counts[participant_id] -= 1
        if counts[participant_id] <= 0:
            del counts[participant_id]
            self._share(room)
            return True
        return False

    def message(self, room: str) -> dict:
        return {"kind": "presence", "node": self.node, "members": sorted(self.local.get(room, ()))}

    def merge(self, room: str, message: dict) -> bool:
        """Take another node's members for a room; True if that changed anything."""
        if message["node"] == self.node:
            return False
        nodes = self.remote.setdefault(room, {})
        members = frozenset(message["members"])
        if nodes.get(message["node"]) == members:
            return False
        nodes[message["node"]] = members
        self.forget(room)
        return True

    async def load(self, room: str) -> bool:
        """Re-read every live node's members from the broker; True if anything changed.
        A broker that cannot answer changes nothing (and is waited on only briefly)."""
        try:
            stored = await self.broker.get_presence(f"room:{room}")
        except Exception as error:  # noqa: BLE001 - any broker fault
            self.outage.failed(error)
            return False
        self.outage.worked()
        fresh = {node: frozenset(members) for node, members in stored.items() if node != self.node}
        changed = fresh != self.remote.get(room, {})
        self.remote[room] = fresh
        if changed:
            self.forget(room)
        return changed

    async def refresh(self, rooms: list[str]) -> None:
        """Keep this node's heartbeat and stored members current."""
        await self.broker.heartbeat(self.node)
        for room in rooms:
            await self.broker.put_presence(f"room:{room}", self.node, sorted(self.local.get(room, ())))

    def _share(self, room: str) -> None:
        """Tell the nodes listening now, and store the members for those that listen later:
        in the background, once for every change within `SHARE_EVERY`."""
        self.forget(room)
        self._unshared.add(room)
        if self._sharing is None or self._sharing.done():
            self._sharing = asyncio.get_running_loop().create_task(self._share_soon(), name="share presence")

    async def _share_soon(self) -> None:
        await asyncio.sleep(SHARE_EVERY)
        while self._unshared:
            rooms, self._unshared = self._unshared, set()
            for room in rooms:
                message = self.message(room)
                self.broker.send(f"room:{room}", message)
                try:
                    await self.broker.put_presence(f"room:{room}", self.node, message["members"])
                except Exception as error:  # noqa: BLE001 - the periodic refresh stores it again
                    self.outage.failed(error)
                else:
                    self.outage.worked()
