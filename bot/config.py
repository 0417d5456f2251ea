"""Configuration from the environment and a `.env` file (pydantic-settings), checked once at start.

Every problem is reported at once, each naming the variable and what is expected, so a person
setting the app up fixes everything in one go instead of one restart per mistake. Model
credentials end up in `Config.credentials` and are handed to the model clients; nothing is
written back to the environment.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlparse

from pydantic import Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticUndefined
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from alignment.models import GeminiAccess, ModelCredentials, OpenAIAccess
from bot.slack.commands.values import model_name_problem

# The bot scopes of manifest.yml (tests/bot/test_manifest.py keeps the two equal).
DEFAULT_SCOPES: tuple[str, ...] = (
    "app_mentions:read",
    "channels:history",
    "channels:read",
    "chat:write",
    "commands",
    "files:read",
    "files:write",
    "groups:history",
    "groups:read",
    "reactions:read",
    "reactions:write",
    "users:read",
)
DEFAULT_DATABASE_URL = "sqlite:///alignbot.db"
DEFAULT_PORT = 3000
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
# The one truthiness rule for on/off variables.
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class ConfigError(Exception):
    """All configuration problems found, one per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "alignbot is not configured correctly:\n" + "\n".join(f"  - {p}" for p in problems)
        )


class _Problem(ValueError):
    """One field's problem, already worded with its variable's name."""


def parse_flag(raw: str) -> bool | None:
    """True/False by the one rule above; None when `raw` is neither."""
    value = raw.strip().lower()
    return True if value in TRUE_WORDS else False if value in FALSE_WORDS else None


class ModelSettings(BaseSettings):
    """What the engine needs: which models, and the credentials to reach them."""

    model_config = SettingsConfigDict(
        env_file=".env",
        extra="ignore",
        frozen=True,
        protected_namespaces=(),
        populate_by_name=False,
    )

    align_model: str = Field("offline", validation_alias="ALIGNBOT_ALIGN_MODEL")
    target_model: str = Field("offline", validation_alias="ALIGNBOT_TARGET_MODEL")
    model_timeout: float = Field(60.0, validation_alias="ALIGNBOT_MODEL_TIMEOUT")  # per call, s
    llm_backoff: float = Field(1.0, validation_alias="ALIGNBOT_LLM_BACKOFF")  # first retry, s
    gemini_api_key: str | None = Field(None, validation_alias="GEMINI_API_KEY")
    google_api_key: str | None = Field(None, validation_alias="GOOGLE_API_KEY")
    gemini_base_url: str | None = Field(None, validation_alias="GEMINI_BASE_URL")
    vertexai: bool = Field(False, validation_alias="GOOGLE_GENAI_USE_VERTEXAI")
    google_cloud_project: str | None = Field(None, validation_alias="GOOGLE_CLOUD_PROJECT")
    google_cloud_location: str | None = Field(None, validation_alias="GOOGLE_CLOUD_LOCATION")
    openai_base_url: str | None = Field(None, validation_alias="OPENAI_BASE_URL")
    openai_api_key: str | None = Field(None, validation_alias="OPENAI_API_KEY")
    # the model's context window, for an OpenAI-compatible server that does not report it
    context_tokens: int | None = Field(None, validation_alias="ALIGNBOT_CONTEXT_TOKENS")

    @property
    def credentials(self) -> ModelCredentials:
        return ModelCredentials(
            gemini=GeminiAccess(
                api_key=self.gemini_api_key or self.google_api_key,
                base_url=self.gemini_base_url,
                vertexai=self.vertexai,
                project=self.google_cloud_project,
                location=self.google_cloud_location,
            ),
            openai=OpenAIAccess(
                base_url=self.openai_base_url,
                api_key=self.openai_api_key,
                context_tokens=self.context_tokens,
            ),
        )

    @field_validator("*", mode="before")
    @classmethod
    def _parse(cls, raw: object, info: ValidationInfo) -> object:
        """Blank is unset; each variable is parsed by its rule, with a message naming it."""
        field = cls.model_fields[info.field_name or ""]
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None if field.default is PydanticUndefined else field.default
        if not isinstance(raw, str):
            return raw
        rule = _RULES.get(info.field_name or "")
        return rule(str(field.validation_alias), raw.strip()) if rule else raw.strip()

    @model_validator(mode="wrap")
    @classmethod
    def _all_problems(cls, data: Any, handler: Callable[[Any], Any]) -> Any:
        """Field problems and the problems between fields, reported together."""
        problems: list[str] = []
        result = None
        try:
            result = handler(data)
        except ValidationError as exc:  # one entry per field
            for error in exc.errors():
                cause = (error.get("ctx") or {}).get("error")
                where = ".".join(str(p) for p in error["loc"])
                problems.append(
                    str(cause) if isinstance(cause, _Problem) else f"{where}: {error['msg']}"
                )
        raw = _Raw(data if isinstance(data, Mapping) else {})
        problems += cls._between_fields(raw)
        if problems:
            raise ConfigError(problems)
        return result

    @classmethod
    def _between_fields(cls, raw: _Raw) -> list[str]:
        return [
            p
            for key in ("ALIGNBOT_ALIGN_MODEL", "ALIGNBOT_TARGET_MODEL")
            if (p := _credentials_problem(key, raw))
        ]


class Config(ModelSettings):
    """The whole application's configuration."""

    slack_bot_token: str | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: str | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: str | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_client_id: str | None = Field(None, validation_alias="SLACK_CLIENT_ID")
    slack_client_secret: str | None = Field(None, validation_alias="SLACK_CLIENT_SECRET")
    slack_scopes: tuple[str, ...] = Field(DEFAULT_SCOPES, validation_alias="SLACK_SCOPES")
    slack_redirect_uri: str | None = Field(None, validation_alias="SLACK_REDIRECT_URI")
    slack_api_url: str | None = Field(None, validation_alias="SLACK_API_URL")  # ends in "/"
    database_url: str = Field(DEFAULT_DATABASE_URL, validation_alias="DATABASE_URL")
    host: str = Field("0.0.0.0", validation_alias="ALIGNBOT_HOST")
    port: int = Field(DEFAULT_PORT, validation_alias="PORT")
    feedback_budget: int = Field(50, validation_alias="ALIGNBOT_FEEDBACK_BUDGET")  # per proposal
    post_interval: float = Field(1.0, validation_alias="ALIGNBOT_POST_INTERVAL")  # s per channel
    # the first pause before retrying a Slack 5xx or a lost connection (doubling, with jitter);
    # unset: slack-sdk's own backoff
    slack_backoff: float | None = Field(None, validation_alias="ALIGNBOT_SLACK_BACKOFF")
    inbox_workers: int = Field(2, validation_alias="ALIGNBOT_INBOX_WORKERS")
    scheduler_enabled: bool = Field(True, validation_alias="ALIGNBOT_SCHEDULER")
    log_level: str = Field("INFO", validation_alias="ALIGNBOT_LOG_LEVEL")
    # The API for applications (bot.api): limits per request and per token.
    api_max_body_bytes: int = Field(1_000_000, validation_alias="ALIGNBOT_API_MAX_BODY_BYTES")
    api_max_batch: int = Field(100, validation_alias="ALIGNBOT_API_MAX_BATCH")
    api_rate_per_minute: int = Field(1200, validation_alias="ALIGNBOT_API_RATE_PER_MINUTE")
    api_burst: int = Field(200, validation_alias="ALIGNBOT_API_BURST")

    @property
    def socket_mode(self) -> bool:
        return self.slack_app_token is not None

    @property
    def oauth_enabled(self) -> bool:
        return self.slack_client_id is not None

    @classmethod
    def _between_fields(cls, raw: _Raw) -> list[str]:
        problems: list[str] = []
        app_token = raw.get("SLACK_APP_TOKEN")
        client_id, client_secret = raw.get("SLACK_CLIENT_ID"), raw.get("SLACK_CLIENT_SECRET")
        if bool(client_id) != bool(client_secret):
            missing = "SLACK_CLIENT_SECRET" if client_id else "SLACK_CLIENT_ID"
            problems.append(f"{missing} is missing: OAuth install needs both client id and secret")
        if not raw.get("SLACK_BOT_TOKEN") and not (client_id and client_secret):
            problems.append(
                "SLACK_BOT_TOKEN is missing (OAuth & Permissions → Bot User OAuth Token), "
                "or set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET for multi-workspace install"
            )
        oauth_intended = bool(client_id or client_secret)
        if not raw.get("SLACK_SIGNING_SECRET") and (not app_token or oauth_intended):
            why = "for OAuth install" if oauth_intended else "in HTTP mode (no SLACK_APP_TOKEN)"
            problems.append(
                f"SLACK_SIGNING_SECRET is missing: it is required {why} to verify requests "
                "(Basic Information → Signing Secret)"
            )
        return problems + super()._between_fields(raw)


def load_config(
    env: Mapping[str, str | None] | None = None,
    *,
    dotenv_path: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, str | None] | None = None,
) -> Config:
    """The configuration from `env` alone when given, else from the process environment over
    `.env` (in the working directory, or `dotenv_path`). `overrides` win over both (None unsets
    a variable). Raises `ConfigError` listing every problem."""
    return _load(Config, env, dotenv_path, overrides)


def load_model_settings(
    env: Mapping[str, str | None] | None = None,
    *,
    dotenv_path: str | os.PathLike[str] | None = None,
) -> ModelSettings:
    """Only the model variables: for commands that use the engine without Slack."""
    return _load(ModelSettings, env, dotenv_path, None)


S = TypeVar("S", bound=ModelSettings)


def _load(
    cls: type[S],
    env: Mapping[str, str | None] | None,
    dotenv_path: str | os.PathLike[str] | None,
    overrides: Mapping[str, str | None] | None,
) -> S:
    values: dict[str, Any] = dict(overrides or {})  # variables by name, not fields: Any
    if env is not None:
        return _only_given(cls)(**{**env, **values})
    return cls(_env_file=os.fspath(dotenv_path or ".env"), **values)


def _only_given(cls: type[S]) -> type[S]:
    """`cls` reading its keyword arguments only: no environment, no `.env`."""

    class Given(cls):  # type: ignore[valid-type,misc]  # a subclass of the type variable's bound
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings,)

    return Given


# -- the rules, one per variable that needs more than a string ----------------------------------


class _Raw:
    """The raw values, stripped, blank as unset: for the checks between variables."""

    def __init__(self, data: Mapping[str, object]) -> None:
        self.data = data

    def get(self, key: str) -> str | None:
        value = self.data.get(key)
        return value.strip() or None if isinstance(value, str) else None


def _prefixed(prefix: str, message: str) -> Callable[[str, str], str]:
    def rule(key: str, value: str) -> str:
        if not value.startswith(prefix):
            raise _Problem(f"{key} {message}")
        return value

    return rule


def _url(key: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise _Problem(f"{key} `{value}` is not an http(s) URL")
    return value


def _api_url(key: str, value: str) -> str:
    return _url(key, value).rstrip("/") + "/"


def _scopes(key: str, value: str) -> tuple[str, ...]:
    scopes = tuple(s for s in (p.strip() for p in value.split(",")) if s)
    if not scopes:
        raise _Problem(f"{key} is empty: give comma-separated scopes")
    return scopes


def _database_url(key: str, value: str) -> str:
    if "://" not in value:
        raise _Problem(
            f"{key} `{value}` is not a database URL, e.g. "
            "`sqlite:///alignbot.db` or `postgresql+psycopg://user:pw@host/db`"
        )
    return value


def _model(key: str, value: str) -> str:
    if problem := model_name_problem(value):
        raise _Problem(f"{key}: {problem.replace('`', '')}")
    return value


def _whole(low: int, high: int) -> Callable[[str, str], int]:
    def rule(key: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise _Problem(f"{key} `{raw}` is not a whole number") from None
        if not low <= value <= high:
            raise _Problem(f"{key}={value} is out of range ({low}–{high})")
        return value

    return rule


def _number(low: float, high: float) -> Callable[[str, str], float]:
    def rule(key: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise _Problem(f"{key} `{raw}` is not a number") from None
        if not low <= value <= high:
            raise _Problem(f"{key}={raw} is out of range ({low:g}–{high:g})")
        return value

    return rule


def _flag(key: str, raw: str) -> bool:
    value = parse_flag(raw)
    if value is None:
        raise _Problem(f"{key} `{raw}` is not on/off (true/false)")
    return value


def _log_level(key: str, raw: str) -> str:
    value = raw.upper()
    if value not in LOG_LEVELS:
        raise _Problem(f"{key} `{value}` is not one of DEBUG, INFO, WARNING, ERROR")
    return value


_RULES: dict[str, Callable[[str, str], object]] = {
    "align_model": _model,
    "target_model": _model,
    "model_timeout": _number(0.1, 3600),
    "llm_backoff": _number(0.0, 60),
    "context_tokens": lambda key, raw: int(_number(256, 10_000_000)(key, raw)),
    "gemini_base_url": _url,
    "vertexai": _flag,
    "openai_base_url": _url,
    "slack_bot_token": _prefixed("xoxb-", "must be a bot token starting with `xoxb-`"),
    "slack_app_token": _prefixed(
        "xapp-",
        "must be an app-level token starting with `xapp-` "
        "(Basic Information → App-Level Tokens, scope connections:write)",
    ),
    "slack_scopes": _scopes,
    "slack_redirect_uri": _url,
    "slack_api_url": _api_url,
    "database_url": _database_url,
    "port": _whole(1, 65535),
    "feedback_budget": _whole(1, 10_000),
    "post_interval": _number(0.0, 60),
    "slack_backoff": _number(0.0, 60),
    "inbox_workers": _whole(1, 64),
    "scheduler_enabled": _flag,
    "log_level": _log_level,
    "api_max_body_bytes": _whole(1_000, 100_000_000),
    "api_max_batch": _whole(1, 10_000),
    "api_rate_per_minute": _whole(1, 100_000_000),
    "api_burst": _whole(1, 100_000_000),
}


def _credentials_problem(key: str, raw: _Raw) -> str | None:
    """What a valid model name still needs: the credentials of its provider."""
    name = raw.get(key) or "offline"
    if model_name_problem(name):
        return None  # reported by the field itself
    provider = name.partition("/")[0]
    if provider == "gemini":
        vertex = parse_flag(raw.get("GOOGLE_GENAI_USE_VERTEXAI") or "") is True
        has_key = raw.get("GEMINI_API_KEY") or raw.get("GOOGLE_API_KEY")
        if vertex and not raw.get("GOOGLE_CLOUD_PROJECT"):
            return f"{key}={name} on Vertex AI needs GOOGLE_CLOUD_PROJECT"
        if not vertex and not has_key:
            return (
                f"{key}={name} needs GEMINI_API_KEY (or GOOGLE_API_KEY), or Vertex AI "
                "with GOOGLE_GENAI_USE_VERTEXAI=true and GOOGLE_CLOUD_PROJECT"
            )
    if provider == "openai" and not (raw.get("OPENAI_BASE_URL") or raw.get("OPENAI_API_KEY")):
        return (
            f"{key}={name} needs OPENAI_BASE_URL (an OpenAI-compatible server such as "
            "Ollama or vLLM) or OPENAI_API_KEY"
        )
    return None
