"""Turn a scene into HTML fragments, once per audience, and per viewer only where needed."""

from jinja2 import Environment
from markupsafe import Markup

from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, NeedsConfirmation
from facilitator.rooms.views import Scene


class Renderer:
    def __init__(self, env: Environment, fragments: list[Fragment]):
        self.env = env
        self.fragments = fragments

    def shared(self, surface: str, scene: Scene) -> dict[str, str]:
        """Fragments every client of a surface sees alike, by element id."""
        return {f.id: self._render(f, f.context(scene)) for f in self.fragments
                if surface in f.audiences and not f.per_viewer}

    def personal(self, surface: str, scene: Scene, viewer: Actor) -> dict[str, str]:
        """Fragments that differ per person. Many people see the same (no hand raised, no answer
        yet): their HTML is rendered once per scene and shared."""
        rendered = {}
        for f in self.fragments:
            if surface in f.audiences and f.per_viewer:
                context = f.context(scene, viewer)
                rendered[f.id] = scene.once(f"html:{f.id}:{context!r}", lambda f=f, c=context: self._render(f, c))
        return rendered

    def page_fragments(self, surface: str, scene: Scene, viewer: Actor) -> dict[str, Markup]:
        """Everything for a first paint, ready to place in the page template."""
        rendered = self.shared(surface, scene) | self.personal(surface, scene, viewer)
        return {key: Markup(html) for key, html in rendered.items()}

    def flash(self, message: str, level: str = "error") -> str:
        return self.env.get_template("fragments/flash.html").render(message=message, level=level)

    def confirmation(self, unconfirmed: NeedsConfirmation | None, command: dict | None = None) -> str:
        """What was found in a command's text, with the choice to redact it or to send it as it is;
        empty once a command went through."""
        if unconfirmed is None:
            return '<div id="confirmation"></div>'
        resent = {key: value for key, value in command.items()
                  if key not in ("id", "HEADERS", "confirm_identifiers", "redact")}
        return self.env.get_template("fragments/confirmation.html").render(
            message=unconfirmed.message, findings=unconfirmed.findings, fields=resent)

    def _render(self, fragment: Fragment, context: dict) -> str:
        return self.env.get_template(fragment.template).render(**context)
