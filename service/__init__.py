"""Service layer: persistence (SQLAlchemy 2 + Alembic), the HTTP API (FastAPI) and the CLI."""
