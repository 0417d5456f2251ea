"""A served template: its text, version and labels, and `render(**variables)`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

# `{{name}}`; in `{{{x}}}` the first brace is literal text, as on the server.
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


class RenderError(ValueError):
    """A variable the template needs was not given."""


@dataclass(frozen=True)
class Template:
    name: str
    text: str
    version: int  # 0 for a fallback that never came from the server
    labels: tuple[str, ...] = ()
    variables: tuple[str, ...] = field(default=())
    source: str = (
        "server"  # "server", "cache" (served stale or while the server is down), "fallback"
    )

    def __post_init__(self) -> None:
        if not self.variables:
            found = dict.fromkeys(m.group(1) for m in _PLACEHOLDER.finditer(self.text))
            object.__setattr__(self, "variables", tuple(found))

    def render(self, **variables: Any) -> str:
        missing = [v for v in self.variables if v not in variables]
        if missing:
            raise RenderError(f"missing value for {', '.join(missing)} in template {self.name!r}")
        return _PLACEHOLDER.sub(lambda m: str(variables[m.group(1)]), self.text)

    @classmethod
    def from_api(cls, data: dict[str, Any]) -> Template:
        return cls(
            name=str(data["name"]),
            text=str(data["text"]),
            version=int(data["version"]),
            labels=tuple(data.get("labels") or ()),
            variables=tuple(data.get("variables") or ()),
        )
