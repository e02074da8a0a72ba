"""Adapters to the outside: Jinja2 letters and reports, webhook, SMTP and inbox channels.

Empty until the handoff issue lands.
"""
