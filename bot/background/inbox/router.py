"""Which processor does a stored job, by the job's type; what each attempt may note."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from bot.background.jobs import Job, JobBase, parse_job
from storage.records import InboxItem

J = TypeVar("J", bound=JobBase)


class UnknownKind(LookupError):
    pass


class Notes(Protocol):
    def note(self, item_id: int, **values: Any) -> None: ...


class Attempt:
    """One attempt at a stored job: what earlier attempts of its row noted they did, and how to
    note what this one does, so a retry does exactly the steps that did not happen."""

    def __init__(self, item: InboxItem, notes: Notes) -> None:
        self.item = item
        self.notes = dict(item.notes)
        self._sink = notes

    def note(self, **values: Any) -> None:
        self._sink.note(self.item.id, **values)
        self.notes.update(values)

    def once(self, step: str, do: Callable[[], Any]) -> Any:
        """`do()` unless an earlier attempt noted `step` done; its (JSON) result either way."""
        if step in self.notes:
            return self.notes[step]
        result = do()
        self.note(**{step: result})
        return result


Processor = Callable[[Any, Attempt], None]  # (the job of its registered type, the attempt)


class Router:
    def __init__(self, notes: Notes) -> None:
        self.notes = notes
        self._processors: dict[type[JobBase], Processor] = {}

    def add(self, job_type: type[J], processor: Callable[[J, Attempt], None]) -> None:
        if job_type in self._processors:
            raise ValueError(f"{job_type.__name__} already has a processor")
        self._processors[job_type] = processor

    def job_types(self) -> list[type[JobBase]]:
        return list(self._processors)

    @staticmethod
    def job(item: InboxItem) -> Job:
        return parse_job(item.payload)

    def __call__(self, item: InboxItem) -> None:
        job = self.job(item)
        processor = self._processors.get(type(job))
        if processor is None:
            raise UnknownKind(f"no processor for {type(job).__name__}")
        processor(job, Attempt(item, self.notes))
