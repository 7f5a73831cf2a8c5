"""Presence: which participants have a live connection, across every node.

Each node counts its own connections per participant and shares the set of
participants it serves, per room, through the broker: a message for the nodes
listening now, and a stored copy for nodes that start listening later. A node
that dies stops refreshing its heartbeat, and its members fade out.
"""

import logging
from collections import Counter

from facilitator.rooms.broker import Broker

log = logging.getLogger(__name__)


class Presence:
    def __init__(self, broker: Broker, node: str):
        self.broker = broker
        self.node = node
        self.local: dict[str, Counter[str]] = {}
        self.remote: dict[str, dict[str, frozenset[str]]] = {}

    def connected(self, room: str) -> frozenset[str]:
        members = {pid for pid, count in self.local.get(room, Counter()).items() if count > 0}
        for node_members in self.remote.get(room, {}).values():
            members |= node_members
        return frozenset(members)

    async def track(self, room: str, participant_id: str) -> bool:
        """Count one more connection; True when the participant just came online here."""
        counts = self.local.setdefault(room, Counter())
        counts[participant_id] += 1
        if counts[participant_id] == 1:
            await self._share(room)
            return True
        return False

    async def untrack(self, room: str, participant_id: str) -> bool:
        counts = self.local.get(room, Counter())
        counts[participant_id] -= 1
        if counts[participant_id] <= 0:
            del counts[participant_id]
            await self._share(room)
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
        return True

    async def load(self, room: str) -> bool:
        """Re-read every live node's members from the broker; True if anything changed."""
        stored = await self.broker.get_presence(f"room:{room}")
        fresh = {node: frozenset(members) for node, members in stored.items() if node != self.node}
        changed = fresh != self.remote.get(room, {})
        self.remote[room] = fresh
        return changed

    async def refresh(self, rooms: list[str]) -> None:
        """Keep this node's heartbeat and stored members current."""
        await self.broker.heartbeat(self.node)
        for room in rooms:
            await self.broker.put_presence(f"room:{room}", self.node, sorted(self.local.get(room, ())))

    async def _share(self, room: str) -> None:
        message = self.message(room)
        try:
            await self.broker.put_presence(f"room:{room}", self.node, message["members"])
            await self.broker.publish(f"room:{room}", message)
        except Exception as error:  # noqa: BLE001 - the periodic refresh shares it again
            log.warning("sharing presence of room %s failed: %s", room, error)
