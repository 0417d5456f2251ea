"""A modal's `private_metadata`: what it remembers about where it came from, written by the
modal views and read back from the submission by this one model (one encoder, one decoder)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError


class DamagedMetadata(ValueError):
    """The submission's private_metadata is not what a modal of ours wrote."""


class ModalMeta(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    channel: str | None = None  # the channel the modal was opened from
    template: str | None = None  # a template's name
    run: str | None = None  # a run's id
    proposal: str | None = None  # a proposal's id
    file: str | None = None  # an attached file's id (the import form's second step)

    def encode(self) -> str:
        return self.model_dump_json(exclude_none=True)

    @classmethod
    def decode(cls, raw: object) -> ModalMeta:
        """Empty for no metadata; DamagedMetadata for anything we did not write (a payload may
        carry any JSON value here)."""
        if not raw:
            return cls()
        if not isinstance(raw, str):
            raise DamagedMetadata("metadata is not text")
        try:
            return cls.model_validate_json(raw)
        except ValidationError as err:
            raise DamagedMetadata("not a modal's metadata") from err
