"""Turn a scene into HTML fragments, once per audience, and per viewer only where needed."""

from collections import Counter
from functools import partial
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, NeedsConfirmation
from facilitator.rooms.views import Scene


class Renderer:
    def __init__(self, env: Environment, fragments: list[Fragment]):
        self.env = env
        self.fragments = fragments
        self._shared = {surface: [f for f in fragments if surface in f.audiences and not f.per_viewer]
                        for surface in {s for f in fragments for s in f.audiences}}
        self._personal = {surface: [f for f in fragments if surface in f.audiences and f.per_viewer]
                          for surface in self._shared}
        # Work done, by kind: what the tests count so that the cost model cannot silently decay.
        self.work: Counter[str] = Counter()

    def shared_fragments(self, surface: str) -> list[Fragment]:
        return self._shared.get(surface, [])

    def personal_fragments(self, surface: str) -> list[Fragment]:
        return self._personal.get(surface, [])

    def shared(self, surface: str, scene: Scene, only: "set[str] | None" = None) -> dict[str, str]:
        """Fragments every client of a surface sees alike, by element id; rendered once per scene
        whatever the number of surfaces that show them."""
        return {f.id: self.render_shared(f, scene) for f in self.shared_fragments(surface)
                if only is None or f.id in only}

    def render_shared(self, fragment: Fragment, scene: Scene) -> str:
        def render() -> str:
            self.work["shared"] += 1
            return self._render(fragment, fragment.context(scene))
        return scene.once(f"html:{fragment.id}", render)

    def personal(self, surface: str, scene: Scene, viewer: Actor,
                 fragments: "list[Fragment] | None" = None) -> dict[str, str]:
        """Fragments that differ per person (all of the surface's, or those given). Many people
        see the same (no hand raised, no answer yet): their HTML is rendered once per scene."""
        rendered = {}
        for f in self.personal_fragments(surface) if fragments is None else fragments:
            self.work["personal"] += 1
            context = f.context(scene, viewer)
            rendered[f.id] = scene.once(f"html:{f.id}:{context!r}", partial(self._render, f, context))
        return rendered

    def page_fragments(self, surface: str, scene: Scene, viewer: Actor) -> dict[str, Markup]:
        """Everything for a first paint, ready to place in the page template."""
        rendered = self.shared(surface, scene) | self.personal(surface, scene, viewer)
        return {key: Markup(html) for key, html in rendered.items()}

    def flash(self, message: str, level: str = "error") -> str:
        return self.env.get_template("fragments/flash.html").render(message=message, level=level)

    def confirmation(self, unconfirmed: NeedsConfirmation | None, command: dict[str, Any] | None = None) -> str:
        """What was found in a command's text, with the choice to redact it or to send it as it is;
        empty once a command went through."""
        if unconfirmed is None:
            return '<div id="confirmation"></div>'
        resent = {key: value for key, value in (command or {}).items()
                  if key not in ("id", "HEADERS", "confirm_identifiers", "redact")}
        return self.env.get_template("fragments/confirmation.html").render(
            message=unconfirmed.message, findings=unconfirmed.findings, fields=resent)

    def _render(self, fragment: Fragment, context: dict) -> str:
        return self.env.get_template(fragment.template).render(**context)
