"""Which processor handles a stored inbox row, and which lane it runs in, by the row's kind."""

from __future__ import annotations

from collections.abc import Callable

from storage.records import InboxItem

Processor = Callable[[InboxItem], None]
LaneOf = Callable[[InboxItem], str | None]


class UnknownKind(LookupError):
    pass


class Router:
    def __init__(self) -> None:
        self._processors: dict[str, Processor] = {}
        self._lanes: dict[str, LaneOf] = {}

    def add(self, kind: str, processor: Processor, lane: LaneOf | None = None) -> None:
        if kind in self._processors:
            raise ValueError(f"inbox kind {kind!r} already has a processor")
        self._processors[kind] = processor
        if lane is not None:
            self._lanes[kind] = lane

    def kinds(self) -> list[str]:
        return sorted(self._processors)

    def lane_of(self, item: InboxItem) -> str:
        """Rows about the same thing share a lane and run in order; others run in parallel."""
        fn = self._lanes.get(item.kind)
        lane = fn(item) if fn is not None else None
        return lane or f"item:{item.id}"

    def __call__(self, item: InboxItem) -> None:
        processor = self._processors.get(item.kind)
        if processor is None:
            raise UnknownKind(f"no processor for inbox kind {item.kind!r}")
        processor(item)
