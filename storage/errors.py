"""The errors storage raises: each carries a message fit to show a user as is."""

from __future__ import annotations


class StorageError(Exception):
    """Base class: something the caller asked for cannot be done."""


class NotFound(StorageError, LookupError):
    """The template, version, run, proposal or inbox item does not exist."""


class AlreadyExists(StorageError):
    """A unique name or key is already taken."""


class InvalidInput(StorageError, ValueError):
    """A value is malformed or out of range; nothing was changed."""


class SchemaOutOfDate(StorageError):
    """The database is behind (or ahead of) this code's migrations."""
