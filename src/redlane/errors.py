"""Domain errors. Adapters (CLI, API) map them to exit codes and HTTP problems."""

from __future__ import annotations


class RedlaneError(Exception):
    """Base error: ``detail`` is shown to the user as is; ``STATUS`` maps to HTTP."""

    STATUS = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(RedlaneError):
    STATUS = 404


class NotReady(RedlaneError):
    STATUS = 503


class FeedError(RedlaneError):
    """A feed file that cannot be read at all (the whole file is refused, nothing loads)."""

    STATUS = 422

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path


class ConfigError(RedlaneError):
    STATUS = 500
