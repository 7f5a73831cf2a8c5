"""Turn a scene into HTML fragments, once per audience, and per viewer only where needed."""

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from functools import partial
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from facilitator.rooms.feature import Fragment
from facilitator.rooms.model import Actor, NeedsConfirmation
from facilitator.rooms.views import Scene

# Rows of long lists remembered (a roster of 2,000, its choices of speaker, its speaking times).
ROWS_REMEMBERED = 10_000
# Per-viewer fragments remembered by their context: most phones show the same (no hand raised,
# no answer yet), so a connect renders little but the newcomer's name. Few: names never repeat.
PERSONAL_REMEMBERED = 512


class Memo:
    """Values remembered by key, at most `size` of them; the oldest are forgotten first."""

    def __init__(self, size: int):
        self.size = size
        self.values: dict[Hashable, str] = {}

    def get(self, key: Hashable, compute: Callable[[], str]) -> str:
        value = self.values.get(key)
        if value is None:
            value = self.values[key] = compute()
            if len(self.values) > self.size:
                del self.values[next(iter(self.values))]
        return value


class Renderer:
    def __init__(self, env: Environment, fragments: list[Fragment]):
        self.env = env
        self.fragments = fragments
        self._rows = Memo(ROWS_REMEMBERED)
        self._personal_html = Memo(PERSONAL_REMEMBERED)
        env.globals["rows_of"] = self.rows
        self._shared = {
            surface: [f for f in fragments if surface in f.audiences and not f.per_viewer]
            for surface in {s for f in fragments for s in f.audiences}
        }
        self._personal = {
            surface: [f for f in fragments if surface in f.audiences and f.per_viewer] for surface in self._shared
        }
        # Work done, by kind: what the tests count so that the cost model cannot silently decay.
        self.work: Counter[str] = Counter()

    def shared_fragments(self, surface: str) -> list[Fragment]:
        return self._shared.get(surface, [])

    def personal_fragments(self, surface: str) -> list[Fragment]:
        return self._personal.get(surface, [])

    def shared(self, surface: str, scene: Scene, only: "set[str] | None" = None) -> dict[str, str]:
        """Fragments every client of a surface sees alike, by element id; rendered once per scene
        whatever the number of surfaces that show them."""
        return {
            f.id: self.render_shared(f, scene) for f in self.shared_fragments(surface) if only is None or f.id in only
        }

    def render_shared(self, fragment: Fragment, scene: Scene) -> str:
        def render() -> str:
            self.work["shared"] += 1
            self.work[f"shared:{fragment.id}"] += 1
            return self._render(fragment, fragment.context(scene))

        return scene.once(f"html:{fragment.id}", render)

    def personal(
        self, surface: str, scene: Scene, viewer: Actor, fragments: "list[Fragment] | None" = None
    ) -> dict[str, str]:
        """Fragments that differ per person (all of the surface's, or those given). Many people
        see the same (no hand raised, no answer yet): the HTML of a context is rendered once and
        remembered across pushes and connects (it is the template's, a pure function of it)."""
        rendered = {}
        for f in self.personal_fragments(surface) if fragments is None else fragments:
            self.work["personal"] += 1
            context = f.context(scene, viewer)
            rendered[f.id] = self._personal_html.get((f.id, repr(context)), partial(self._render_personal, f, context))
        return rendered

    def page_fragments(self, surface: str, scene: Scene, viewer: Actor) -> dict[str, Markup]:
        """Everything for a first paint, ready to place in the page template."""
        rendered = self.shared(surface, scene) | self.personal(surface, scene, viewer)
        return {key: Markup(html) for key, html in rendered.items()}

    def rows(self, template: str, items: Iterable[Hashable]) -> Markup:
        """The rows of a long list, each printed by `template` (under rows/) with the item as `row`.
        A row is rendered once for its values (plain, hashable: a NamedTuple) and remembered,
        so after one arrival a roster of 1,000 costs one row's rendering and 999 look-ups."""
        compiled = self.env.get_template(template)

        def render(item: Hashable) -> str:
            self.work["row"] += 1
            return compiled.render(row=item)

        memo = self._rows
        return Markup("".join([memo.get((template, item), partial(render, item)) for item in items]))

    def flash(self, message: str, level: str = "error") -> str:
        return self.env.get_template("fragments/flash.html").render(message=message, level=level)

    def confirmation(self, unconfirmed: NeedsConfirmation | None, command: dict[str, Any] | None = None) -> str:
        """What was found in a command's text, with the choice to redact it or to send it as it is;
        empty once a command went through."""
        if unconfirmed is None:
            return '<div id="confirmation"></div>'
        resent = {
            key: value
            for key, value in (command or {}).items()
            if key not in ("id", "HEADERS", "confirm_identifiers", "redact")
        }
        return self.env.get_template("fragments/confirmation.html").render(
            message=unconfirmed.message, findings=unconfirmed.findings, fields=resent
        )

    def _render_personal(self, fragment: Fragment, context: dict) -> str:
        self.work["personal html"] += 1
        return self._render(fragment, context)

    def _render(self, fragment: Fragment, context: dict) -> str:
        return self.env.get_template(fragment.template).render(**context)
