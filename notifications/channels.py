"""Delivery channels: one small interface, so the handoff issue adds e-mail and webhook beside the inbox."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from .messages import Message


class Channel(Protocol):
    """Delivers one message or raises; a channel never swallows a failure (the caller retries)."""

    name: str

    def send(self, message: Message) -> None: ...


class InboxChannel:
    """The in-app inbox: the message is stored for the recipient to read via the API."""

    name = "inbox"

    def __init__(self, store: Callable[[Message], None]) -> None:
        self._store = store

    def send(self, message: Message) -> None:
        self._store(message)
