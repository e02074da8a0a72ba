"""Messages rendered from Jinja2 templates (Chinese text for officers), one template per kind."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES = Path(__file__).parent / "templates"


@lru_cache
def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a missing value is a bug, not an empty blank in a letter
        trim_blocks=True,
        lstrip_blocks=True,
    )


@dataclass(frozen=True)
class Message:
    recipient_id: str
    kind: str
    subject: str
    body: str
    case_id: str | None = None


def render(kind: str, recipient_id: str, *, case_id: str | None = None, **context: object) -> Message:
    """Render `templates/<kind>.txt`: its first line is the subject, the rest the body."""
    text = environment().get_template(f"{kind}.txt").render(**context).strip()
    subject, _, body = text.partition("\n")
    return Message(recipient_id=recipient_id, kind=kind, subject=subject.strip(), body=body.strip(), case_id=case_id)
