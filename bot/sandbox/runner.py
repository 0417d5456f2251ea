"""The local sandbox: the Slack simulator and its page, the bot in HTTP mode against it, SQLite
and the scheduler, all in one process on 127.0.0.1.

The bot is the real app (`bot.app.create_app`) served by uvicorn; the page's actions reach it as
signed HTTP requests from the simulator, and it answers through the simulator's Web API, exactly
as with Slack. The first start seeds an example template and a run by typing `/align` commands
as a person would, so the example goes through the same paths as everything else.
"""

from __future__ import annotations

import logging
import secrets
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.config import Config, load_config
from bot.sandbox import DEFAULT_DB
from bot.sandbox.demo_routes import demo_routes
from bot.sandbox.slack_sim import SlackSim, persist
from storage import Store

log = logging.getLogger(__name__)

DEFAULT_GEMINI_MODEL = "gemini/gemini-2.5-flash"
SEED_USER = "alice"
SEED_CHANNEL = "C0GENERAL"
DEMO_TOKEN = "sandbox-demo"  # the demo application's token names start with this
SEED_COMMANDS = (
    "new tldr Summarize the following for a busy teammate in two sentences: {{text}}",
    'run tldr text="The Q3 offsite moves from Lisbon to Porto because the Lisbon venue '
    "double-booked us. Dates stay the same (Oct 14-16). Flights booked to Lisbon can be "
    'changed for free until Friday; after that, talk to Dana."',
)
# Slack settings of the real deployment must not leak into the sandbox.
DROPPED_ENV: tuple[str, ...] = (
    "SLACK_APP_TOKEN",
    "SLACK_CLIENT_ID",
    "SLACK_CLIENT_SECRET",
    "SLACK_BOT_TOKEN",
)
DROPPED_ENV += ("SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_REDIRECT_URI", "DATABASE_URL")


def sandbox_config(
    sim: SlackSim,
    database_url: str,
    env: Mapping[str, str] | None = None,
    local: Mapping[str, str] | None = None,
) -> Config:
    """The bot's configuration: the person's model settings and keys (from `env`, or the process
    environment over `.env`), the simulator's Slack; `local`: the local model's settings, over
    the person's.

    With a Gemini key and no model chosen, the sandbox uses Gemini; otherwise `offline`."""
    overrides: dict[str, str | None] = {key: None for key in DROPPED_ENV}
    overrides |= {
        "SLACK_BOT_TOKEN": sim.bot_token,
        "SLACK_SIGNING_SECRET": sim.signing_secret,
        "SLACK_API_URL": sim.api_url,
        "DATABASE_URL": database_url,
    }
    overrides |= dict(local or {})
    config = load_config(env, overrides=overrides)
    chosen = config.model_fields_set
    defaults: dict[str, object] = {}
    if "post_interval" not in chosen:
        defaults["post_interval"] = 0.05  # one person's browser, not Slack's limits
    gemini = config.credentials.gemini
    if gemini.api_key or (gemini.vertexai and gemini.project):
        defaults |= {
            name: DEFAULT_GEMINI_MODEL
            for name in ("align_model", "target_model")
            if name not in chosen
        }
    return config.model_copy(update=defaults)


@dataclass
class Sandbox:
    host: str = "127.0.0.1"
    port: int = 0
    database: Path = field(default_factory=lambda: Path(DEFAULT_DB))
    env: Mapping[str, str] | None = None  # default: .env, then the process environment
    seed: bool = True
    scheduler: bool = True
    local_model: Any = None  # a started bot.sandbox.local_model.LocalServer: runs and aligns
    demo_interval: float = 5.0  # seconds between the demo application's outputs

    sim: SlackSim | None = field(default=None, init=False)
    _bot: Any = field(default=None, init=False, repr=False)
    _bot_server: Any = field(default=None, init=False, repr=False)
    _scheduler: Any = field(default=None, init=False, repr=False)
    _store: Store | None = field(default=None, init=False, repr=False)
    _autosave: Any = field(default=None, init=False, repr=False)
    _demo: Any = field(default=None, init=False, repr=False)  # bot.sandbox.demo_app.DemoApp
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def url(self) -> str:
        assert self.sim is not None, "start() first"
        return self.sim.url

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def store(self) -> Store:
        assert self._store is not None, "start() first"
        return self._store

    @property
    def bot(self) -> Any:
        return self._bot

    # -- lifecycle ----------------------------------------------------------------------------
    @property
    def slack_file(self) -> Path:
        """Where the simulated channel is kept between runs, next to the database."""
        return slack_file(self.database)

    def start(self) -> Sandbox:
        """Starts the page and simulator, then the bot; seeds on a fresh database, or shows the
        channel as it was when the database is not new."""
        self.sim = SlackSim(host=self.host, port=self.port)
        self.sim.extra_routes += demo_routes(lambda: self._demo)
        if self.database.exists():
            persist.load_file(self.sim.state, self.slack_file)
        else:
            self.slack_file.unlink(missing_ok=True)  # belongs to a database that is gone
        self.sim.start()
        self.sim.on_reset = self.reset
        try:
            self._start_bot()
        except BaseException:
            self.sim.stop()
            raise
        self._autosave = persist.Autosave(self.sim.state, self.slack_file).start()
        return self

    def stop(self) -> None:
        self._stop_bot()
        if self._autosave is not None:
            self._autosave.stop()  # a last save, after the bot's last message
            self._autosave = None
        if self.sim is not None:
            self.sim.stop()

    def reset(self) -> None:
        """Starts over: a new database, an empty channel, the example seeded again."""
        with self._lock:
            self._stop_bot()
            delete_database(self.database)
            assert self.sim is not None
            self.sim.state.clear()
            self.sim.deliverer.log.clear()  # "Requests to the app" starts empty too
            self.sim.web_api.calls.clear()
            # Open pages see a new sandbox: they show the tour again and drop what they held.
            self.sim.instance = uuid.uuid4().hex
            self._start_bot()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the bot --------------------------------------------------------------------------------
    def _start_bot(self) -> None:
        from bot.app import create_app
        from bot.server import BackgroundServer, bind
        from storage.migrate import upgrade

        assert self.sim is not None
        local = local_model_env(self.local_model) if self.local_model is not None else {}
        config = sandbox_config(self.sim, self.database_url, self.env, local)  # before any file
        fresh = not self.database.exists()
        upgrade(self.database_url)
        self._store = Store.from_url(self.database_url)
        self._bot = create_app(config, self._store).start()
        sock = bind("127.0.0.1", 0)
        self._bot_server = BackgroundServer(self._bot.asgi(), sock).start()
        self.sim.set_app_url(f"{self._bot_server.url}/slack/events")
        if self.scheduler and config.scheduler_enabled:
            from bot.background.scheduler import jobs_for, start_scheduler

            self._scheduler = start_scheduler(jobs_for(self._bot))
        self.sim.info = {
            "model": _model_label(config.target_model, config.align_model)
            + (f" · {self.local_model.model.title}, local" if self.local_model else ""),
            "target_model": config.target_model,
            "align_model": config.align_model,
            "model_note": _model_note(config.align_model, self.local_model),
            "database": str(self.database),
            "fresh": fresh,  # a new database (first start or reset): the page shows its tour
            "app_url": self._bot_server.url,
        }
        if fresh and self.seed:
            self.seed_example()
        self._start_demo()

    def _start_demo(self) -> None:
        """The demo application, with a token of its own made through the real service."""
        from bot.sandbox.demo_app import DemoApp
        from bot.services import Actor

        assert self.sim is not None
        api = self._bot.services.api
        actor = Actor(self.sim.state.team.id, self.sim.user_id(SEED_USER))
        for old in api.list_tokens(actor):
            if old.name.startswith(DEMO_TOKEN) and old.revoked_at is None:
                api.revoke_token(actor, old.name)  # its secret died with the last process
        made = api.create_token(actor, f"{DEMO_TOKEN}-{secrets.token_hex(3)}", ())
        models = self._bot.services.models
        self._demo = DemoApp(
            self._bot_server.url,
            made.secret,
            lambda: models.target(None),
            interval=self.demo_interval,
        ).start()

    @property
    def demo(self) -> Any:
        return self._demo

    def _stop_bot(self) -> None:
        if self._demo is not None:
            self._demo.stop()
            self._demo = None
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self._bot_server is not None:
            self._bot_server.stop()
            self._bot_server = None
        if self._bot is not None:
            self._bot.stop(wait=True)
            self._bot = None
        if self._store is not None:
            self._store.close()
            self._store = None

    def seed_example(self) -> None:
        """Types the example `/align` commands as alice, in #general, each after the last one's
        work is done (the bot works after its ack)."""
        assert self.sim is not None
        new, run = SEED_COMMANDS
        team = self.sim.state.team.id
        name = new.split()[1]
        self._seed(new)
        try:
            store = self.store
            self.sim.wait_for(lambda: store.get_template(team, name), timeout=15)
        except TimeoutError:
            log.warning("sandbox: the example template was not created; not running it")
            return
        self._seed(run)

    def _seed(self, text: str) -> None:
        assert self.sim is not None
        result = self.sim.slash_command(SEED_USER, SEED_CHANNEL, "/align", text)
        if result.status != 200:
            log.warning("sandbox: seeding `/align %s` got HTTP %s", text, result.status)


def slack_file(database: Path) -> Path:
    return database.with_name(f"{database.stem}.slack.db")


def delete_database(path: Path) -> None:
    """Removes the sandbox's database and its saved channel."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    slack_file(path).unlink(missing_ok=True)


def local_model_env(server: Any) -> dict[str, str]:
    """Both models on the local llama.cpp server."""
    return {
        "OPENAI_BASE_URL": server.base_url,
        "ALIGNBOT_ALIGN_MODEL": server.model_name,
        "ALIGNBOT_TARGET_MODEL": server.model_name,
    }


def _model_note(align: str, local: Any) -> str:
    if local is not None:
        return f"a real local model: {local.model.title} on llama.cpp's server at {local.base_url}"
    if align == "offline":
        return "offline: a deterministic stand-in that needs no keys"
    return "a real model: outputs come from the provider"


def _model_label(target: str, align: str) -> str:
    return target if target == align else f"{target} (runs) · {align} (alignment)"
