"""The domain of ipcase: case lifecycle, clocks, guards and role rules.

Pure and I/O-free on purpose: it imports no FastAPI, SQLAlchemy or Prefect, so every rule of
SPEC §3/§4 can be tested in microseconds and reused by the API, the workflows and the CLI.
"""
