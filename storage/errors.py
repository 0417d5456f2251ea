"""The errors storage raises: each carries a message fit to show a user as is."""

from __future__ import annotations

from alignment.values import InvalidValue


class StorageError(Exception):
    """Base class: something the caller asked for cannot be done."""


class NotFound(StorageError, LookupError):
    """The template, version, run, proposal or inbox item does not exist."""


class AlreadyExists(StorageError):
    """A unique name or key is already taken."""


class InvalidInput(StorageError, InvalidValue):
    """A value is malformed or out of range; nothing was changed. An InvalidValue, like the
    errors of the value parsers storage shares with the bot."""


class SchemaOutOfDate(StorageError):
    """The database is behind (or ahead of) this code's migrations."""
