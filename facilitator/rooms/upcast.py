"""Upcasters: how an event written in an older shape is read in today's.

A stored event keeps its type forever, and its payload keeps the shape it was written in: each
event row carries `v`, the version of its type's shape. When a shape changes, the change is
registered here as an upcaster from the old version to the next; the event's current version is
then one more, new events are written with it, and every older event is upcast, step by step,
as the log is read, before anything folds it. So `apply` functions only ever see today's shape.

    @UPCASTERS.register("poll.created", 1)
    def options_as_objects(data: dict) -> dict:
        return {**data, "options": [{"label": label} for label in data["options"]]}
"""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from facilitator.rooms.model import Event

Payload = dict[str, Any]
Upcaster = Callable[[Payload], Payload]


class Upcasters:
    def __init__(self) -> None:
        self._steps: dict[tuple[str, int], Upcaster] = {}
        self._current: dict[str, int] = {}

    def register(self, event_type: str, from_version: int) -> Callable[[Upcaster], Upcaster]:
        """Register `fn` as turning `event_type` payloads of `from_version` into the next version."""

        def registered(fn: Upcaster) -> Upcaster:
            if (event_type, from_version) in self._steps:
                raise ValueError(f"{event_type} already has an upcaster from version {from_version}")
            if from_version != self.version(event_type):
                raise ValueError(f"{event_type} is at version {self.version(event_type)}: upcast from that one")
            self._steps[(event_type, from_version)] = fn
            self._current[event_type] = from_version + 1
            return fn

        return registered

    def version(self, event_type: str) -> int:
        """The version new events of this type are written with."""
        return self._current.get(event_type, 1)

    def upcast(self, event: Event) -> Event:
        """The event in its type's current shape (itself, when it is already)."""
        current = self._current.get(event.type)
        if current is None or event.v >= current:
            return event
        data, version = event.data, event.v
        while version < current:
            data = self._steps[(event.type, version)](data)
            version += 1
        return replace(event, data=data, v=version)


# The application's upcasters: a feature registers its own here, beside the rules that read them.
UPCASTERS = Upcasters()
