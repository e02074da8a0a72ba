"""Adapters to the outside: Jinja2 messages and letters, and the channels that deliver them.

Nothing here touches the database: a channel that stores (the in-app inbox) is handed the
storing callable by the service, so the dependency points from `service/` to here only.
"""
