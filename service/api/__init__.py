"""The HTTP entrypoint: FastAPI routes that turn requests into service calls and errors into 4xx."""
