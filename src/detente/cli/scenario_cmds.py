from detente.cli._app import app  # noqa: F401
