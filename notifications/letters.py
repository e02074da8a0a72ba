"""Letters to other agencies (SPEC §5), rendered from `templates/letters/<kind>.html`."""

from __future__ import annotations

from .messages import environment


def render_letter(kind: str, **context: object) -> str:
    return environment().get_template(f"letters/{kind}.html").render(**context)
