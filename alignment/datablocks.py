"""User text enters meta-prompts only as delimited JSON data, never as instructions.

`<`, `>` and `&` are escaped inside the JSON, so no feedback text can close its own block.
The offline model reads the same blocks back, which keeps its code path identical to a real one.
"""

from __future__ import annotations

import json
import re
from typing import Any

_BLOCK = re.compile(r'<data name="([a-z_]+)">\n(.*?)\n</data>', re.DOTALL)


def data_block(name: str, value: Any) -> str:
    encoded = json.dumps(value, ensure_ascii=False, indent=1, default=str)
    encoded = encoded.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return f'<data name="{name}">\n{encoded}\n</data>'


def read_blocks(prompt: str) -> dict[str, Any]:
    return {name: json.loads(body) for name, body in _BLOCK.findall(prompt)}
