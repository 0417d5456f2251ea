"""Configuration from the environment (and a `.env` file), checked once at start.

`load_config` reports every problem at once, each naming the variable and what is expected, so a
person setting the app up fixes everything in one go instead of one restart per mistake.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from dotenv import dotenv_values

from bot.slack.commands.values import model_name_problem

# The bot scopes of manifest.yml (tests/bot/test_manifest.py keeps the two equal).
DEFAULT_SCOPES: tuple[str, ...] = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:write",
    "groups:history",
    "groups:read",
    "reactions:read",
    "reactions:write",
    "users:read",
)
DEFAULT_DATABASE_URL = "sqlite:///alignbot.db"
DEFAULT_PORT = 3000
PASS_THROUGH_PREFIXES = ("GEMINI_", "GOOGLE_", "OPENAI_")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    """All configuration problems found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "alignbot is not configured correctly:\n" + "\n".join(f"  - {p}" for p in problems)
        )


@dataclass(frozen=True)
class Config:
    slack_bot_token: str | None
    slack_signing_secret: str | None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_scopes: tuple[str, ...] = DEFAULT_SCOPES
    slack_redirect_uri: str | None = None
    slack_api_url: str | None = None  # Web API base URL, ending in "/"
    database_url: str = DEFAULT_DATABASE_URL
    align_model: str = "offline"
    target_model: str = "offline"
    model_env: Mapping[str, str] = field(default_factory=dict)  # GEMINI_*/GOOGLE_*/OPENAI_*
    host: str = "0.0.0.0"
    port: int = DEFAULT_PORT
    model_timeout: float = 60.0  # seconds per LLM call
    feedback_budget: int = 50  # feedback items sent to the engine per proposal at most
    post_interval: float = 1.0  # seconds between posts to one channel
    inbox_workers: int = 2
    scheduler_enabled: bool = True
    log_level: str = "INFO"

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth_enabled(self) -> bool:
        return self.slack_client_id is not None


def load_config(
    env: Mapping[str, str] | None = None, *, dotenv_path: str | os.PathLike[str] | None = None
) -> Config:
    """Read `env` (default: `.env` in the working directory, overridden by the process
    environment) and validate it. Raises `ConfigError` listing every problem."""
    if env is None:
        path = Path(dotenv_path) if dotenv_path is not None else Path.cwd() / ".env"
        file_values = {k: v for k, v in dotenv_values(path).items() if v is not None}
        env = {**file_values, **os.environ}
    return _Reader(env).config()


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env
        self.problems: list[str] = []

    def get(self, key: str) -> str | None:
        value = self.env.get(key)
        return value.strip() if value is not None and value.strip() else None

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def config(self) -> Config:
        app_token = self.get("SLACK_APP_TOKEN")
        if app_token and not app_token.startswith("xapp-"):
            self.problem(
                "SLACK_APP_TOKEN must be an app-level token starting with `xapp-` "
                "(Basic Information → App-Level Tokens, scope connections:write)"
            )
        client_id, client_secret = self.get("SLACK_CLIENT_ID"), self.get("SLACK_CLIENT_SECRET")
        if bool(client_id) != bool(client_secret):
            missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
            self.problem(f"{missing} is missing: OAuth install needs both client id and secret")
        oauth = bool(client_id and client_secret)

        bot_token = self.get("SLACK_BOT_TOKEN")
        if bot_token and not bot_token.startswith("xoxb-"):
            self.problem("SLACK_BOT_TOKEN must be a bot token starting with `xoxb-`")
        if not bot_token and not oauth:
            self.problem(
                "SLACK_BOT_TOKEN is missing (OAuth & Permissions → Bot User OAuth Token), "
                "or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for multi-workspace install"
            )
        signing_secret = self.get("SLACK_SIGNING_SECRET")
        oauth_intended = bool(client_id or client_secret)
        if not signing_secret and (not app_token or oauth_intended):
            why = "for OAuth install" if oauth_intended else "in HTTP mode (no SLACK_APP_TOKEN)"
            self.problem(
                f"SLACK_SIGNING_SECRET is missing: it is required {why} to verify requests "
                "(Basic Information → Signing Secret)"
            )

        scopes = DEFAULT_SCOPES
        if raw_scopes := self.get("SLACK_SCOPES"):
            scopes = tuple(s for s in (p.strip() for p in raw_scopes.split(",")) if s)
            if not scopes:
                self.problem("SLACK_SCOPES is empty: give comma-separated scopes")
        redirect_uri = self.get("SLACK_REDIRECT_URI")
        if redirect_uri:
            self._url("SLACK_REDIRECT_URI", redirect_uri)
        api_url = self.get("SLACK_API_URL")
        if api_url:
            self._url("SLACK_API_URL", api_url)
            api_url = api_url.rstrip("/") + "/"

        database_url = self.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        if "://" not in database_url:
            self.problem(
                f"DATABASE_URL `{database_url}` is not a database URL, e.g. "
                "`sqlite:///alignbot.db` or `postgresql+psycopg://user:pw@host/db`"
            )

        model_env = {k: v for k, v in self.env.items() if k.startswith(PASS_THROUGH_PREFIXES) and v}
        align_model = self._model("ALIGNBOT_ALIGN_MODEL", model_env)
        target_model = self._model("ALIGNBOT_TARGET_MODEL", model_env)

        config = Config(
            slack_bot_token=bot_token,
            slack_signing_secret=signing_secret,
            slack_app_token=app_token,
            slack_client_id=client_id,
            slack_client_secret=client_secret,
            slack_scopes=scopes,
            slack_redirect_uri=redirect_uri,
            slack_api_url=api_url,
            database_url=database_url,
            align_model=align_model,
            target_model=target_model,
            model_env=model_env,
            host=self.get("ALIGNBOT_HOST") or "0.0.0.0",
            port=self._int("PORT", DEFAULT_PORT, 1, 65535),
            model_timeout=self._float("ALIGNBOT_MODEL_TIMEOUT", 60.0, 0.1, 3600),
            feedback_budget=self._int("ALIGNBOT_FEEDBACK_BUDGET", 50, 1, 10_000),
            post_interval=self._float("ALIGNBOT_POST_INTERVAL", 1.0, 0.0, 60),
            inbox_workers=self._int("ALIGNBOT_INBOX_WORKERS", 2, 1, 64),
            scheduler_enabled=self._bool("ALIGNBOT_SCHEDULER", True),
            log_level=self._log_level(),
        )
        if self.problems:
            raise ConfigError(self.problems)
        return config

    def _url(self, key: str, value: str) -> None:
        parsed = urlparse(value)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            self.problem(f"{key} `{value}` is not an http(s) URL")

    def _model(self, key: str, model_env: Mapping[str, str]) -> str:
        value = self.get(key) or "offline"
        problem = model_name_problem(value)
        if problem:
            self.problem(f"{key}: {problem.replace('`', '')}")
            return value
        provider = value.partition("/")[0]
        if provider == "gemini":
            vertex = model_env.get("GOOGLE_GENAI_USE_VERTEXAI", "").lower() in _TRUE
            has_key = model_env.get("GEMINI_API_KEY") or model_env.get("GOOGLE_API_KEY")
            if vertex and not model_env.get("GOOGLE_CLOUD_PROJECT"):
                self.problem(f"{key}={value} on Vertex AI needs GOOGLE_CLOUD_PROJECT")
            elif not vertex and not has_key and not model_env.get("GEMINI_BASE_URL"):
                self.problem(
                    f"{key}={value} needs GEMINI_API_KEY (or GOOGLE_API_KEY), or Vertex AI "
                    "with GOOGLE_GENAI_USE_VERTEXAI=true and GOOGLE_CLOUD_PROJECT"
                )
        if provider == "openai" and not (
            model_env.get("OPENAI_BASE_URL") or model_env.get("OPENAI_API_KEY")
        ):
            self.problem(
                f"{key}={value} needs OPENAI_BASE_URL (an OpenAI-compatible server such as "
                "Ollama or vLLM) or OPENAI_API_KEY"
            )
        return value

    def _int(self, key: str, default: int, low: int, high: int) -> int:
        raw = self.get(key)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            self.problem(f"{key} `{raw}` is not a whole number")
            return default
        if not low <= value <= high:
            self.problem(f"{key}={value} is out of range ({low}–{high})")
            return default
        return value

    def _float(self, key: str, default: float, low: float, high: float) -> float:
        raw = self.get(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            self.problem(f"{key} `{raw}` is not a number")
            return default
        if not low <= value <= high:
            self.problem(f"{key}={raw} is out of range ({low:g}–{high:g})")
            return default
        return value

    def _bool(self, key: str, default: bool) -> bool:
        raw = self.env.get(key)
        if raw is None:
            return default
        value = raw.strip().lower()
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
        self.problem(f"{key} `{raw}` is not on/off (true/false)")
        return default

    def _log_level(self) -> str:
        raw = (self.get("ALIGNBOT_LOG_LEVEL") or "INFO").upper()
        if raw not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            self.problem(f"ALIGNBOT_LOG_LEVEL `{raw}` is not one of DEBUG, INFO, WARNING, ERROR")
            return "INFO"
        return raw
