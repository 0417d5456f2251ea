import pytest

from alignment.models import GeminiAccess, ModelCredentials, OpenAIAccess
from bot.config import DEFAULT_SCOPES, ConfigError, load_config, load_model_settings

SOCKET = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_APP_TOKEN": "xapp-1-A1-abc"}
HTTP = {"SLACK_BOT_TOKEN": "xoxb-1-2-abc", "SLACK_SIGNING_SECRET": "s3cret"}


def problems(env):
    with pytest.raises(ConfigError) as err:
        load_config(env)
    return err.value.problems


def test_socket_mode_minimal():
    config = load_config(SOCKET)
    assert config.socket_mode and not config.oauth_enabled
    assert config.slack_signing_secret is None
    assert config.align_model == config.target_model == "offline"
    assert config.database_url == "sqlite:///alignbot.db"
    assert config.port == 3000 and config.slack_scopes == DEFAULT_SCOPES


def test_http_mode_needs_the_signing_secret():
    assert not load_config(HTTP).socket_mode
    assert problems({"SLACK_BOT_TOKEN": "xoxb-1"}) == [
        "SLACK_SIGNING_SECRET is missing: it is required in HTTP mode (no SLACK_APP_TOKEN) to "
        "verify requests (Basic Information → Signing Secret)"
    ]


def test_every_problem_is_reported_at_once():
    found = problems(
        {
            "SLACK_BOT_TOKEN": "xoxp-user-token",
            "SLACK_APP_TOKEN": "xoxb-wrong",
            "SLACK_CLIENT_ID": "123.456",
            "SLACK_API_URL": "slack.example",
            "DATABASE_URL": "alignbot.db",
            "ALIGNBOT_ALIGN_MODEL": "gpt-4",
            "ALIGNBOT_TARGET_MODEL": "gemini/gemini-2.5-flash",
            "PORT": "eighty",
            "ALIGNBOT_MODEL_TIMEOUT": "-1",
            "ALIGNBOT_FEEDBACK_BUDGET": "0",
            "ALIGNBOT_SCHEDULER": "maybe",
            "ALIGNBOT_LOG_LEVEL": "loud",
            "ALIGNBOT_SLACK_BACKOFF": "-0.5",
        }
    )
    text = "\n".join(found)
    for needle in [
        "SLACK_APP_TOKEN must be an app-level token starting with `xapp-`",
        "SLACK_CLIENT_SECRET is missing",
        "SLACK_BOT_TOKEN must be a bot token starting with `xoxb-`",
        "SLACK_SIGNING_SECRET is missing: it is required for OAuth install",
        "SLACK_API_URL `slack.example` is not an http(s) URL",
        "DATABASE_URL `alignbot.db` is not a database URL",
        "ALIGNBOT_ALIGN_MODEL: gpt-4 is not a model name",
        "ALIGNBOT_TARGET_MODEL=gemini/gemini-2.5-flash needs GEMINI_API_KEY",
        "PORT `eighty` is not a whole number",
        "ALIGNBOT_MODEL_TIMEOUT=-1 is out of range",
        "ALIGNBOT_FEEDBACK_BUDGET=0 is out of range",
        "ALIGNBOT_SCHEDULER `maybe` is not on/off",
        "ALIGNBOT_LOG_LEVEL `LOUD` is not one of",
        "ALIGNBOT_SLACK_BACKOFF=-0.5 is out of range",
    ]:
        assert needle in text, needle
    assert len(found) == 14


def test_error_message_lists_problems_one_per_line():
    with pytest.raises(ConfigError) as err:
        load_config({})
    assert str(err.value).startswith(
        "alignbot is not configured correctly:\n  - SLACK_BOT_TOKEN is"
    )


def test_oauth_install_without_a_bot_token():
    config = load_config(
        {
            "SLACK_CLIENT_ID": "1.2",
            "SLACK_CLIENT_SECRET": "x",
            "SLACK_SIGNING_SECRET": "s",
            "SLACK_SCOPES": "chat:write, commands",
        }
    )
    assert config.oauth_enabled and config.slack_bot_token is None
    assert config.slack_scopes == ("chat:write", "commands")


def test_models_and_their_credentials():
    config = load_config(
        {
            **SOCKET,
            "ALIGNBOT_ALIGN_MODEL": "gemini/gemini-2.5-pro",
            "GEMINI_API_KEY": "k",
            "ALIGNBOT_TARGET_MODEL": "openai/gemma3:4b",
            "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
            "UNRELATED": "x",
        }
    )
    assert config.align_model == "gemini/gemini-2.5-pro"
    assert config.target_model == "openai/gemma3:4b"
    assert config.credentials == ModelCredentials(
        gemini=GeminiAccess(api_key="k"),
        openai=OpenAIAccess(base_url="http://127.0.0.1:11434/v1"),
    )
    vertex = {**SOCKET, "ALIGNBOT_ALIGN_MODEL": "gemini/x", "GOOGLE_GENAI_USE_VERTEXAI": "true"}
    assert problems(vertex) == [
        "ALIGNBOT_ALIGN_MODEL=gemini/x on Vertex AI needs GOOGLE_CLOUD_PROJECT"
    ]
    on_vertex = load_config(
        {**vertex, "GOOGLE_CLOUD_PROJECT": "p", "GOOGLE_CLOUD_LOCATION": "europe-west4"}
    )
    assert on_vertex.align_model == "gemini/x"
    assert on_vertex.credentials.gemini == GeminiAccess(
        vertexai=True, project="p", location="europe-west4"
    )
    # A base URL alone is not a credential: the client would refuse to start.
    assert (
        "needs GEMINI_API_KEY"
        in problems(
            {**SOCKET, "ALIGNBOT_ALIGN_MODEL": "gemini/x", "GEMINI_BASE_URL": "http://127.0.0.1:1"}
        )[0]
    )
    assert "needs OPENAI_BASE_URL" in problems({**SOCKET, "ALIGNBOT_TARGET_MODEL": "openai/m"})[0]
    assert (
        "`mistral` is not a known model provider"
        not in problems({**SOCKET, "ALIGNBOT_TARGET_MODEL": "mistral/m"})[0]
    )  # config messages carry no markdown
    assert (
        "mistral is not a known model provider"
        in problems({**SOCKET, "ALIGNBOT_TARGET_MODEL": "mistral/m"})[0]
    )


def test_values_are_parsed():
    config = load_config(
        {
            **HTTP,
            "SLACK_API_URL": "http://127.0.0.1:8080/api",
            "PORT": "8000",
            "ALIGNBOT_MODEL_TIMEOUT": "2.5",
            "ALIGNBOT_SCHEDULER": "off",
            "DATABASE_URL": "postgresql+psycopg://u:p@localhost/alignbot",
            "ALIGNBOT_SLACK_BACKOFF": "0.05",
        }
    )
    assert config.slack_backoff == 0.05
    assert config.slack_api_url == "http://127.0.0.1:8080/api/"
    assert config.port == 8000 and config.model_timeout == 2.5 and not config.scheduler_enabled
    assert config.database_url.startswith("postgresql+psycopg://")


def test_dotenv_file_is_read_and_the_environment_wins(tmp_path, monkeypatch):
    dotenv = tmp_path / ".env"
    dotenv.write_text(
        "SLACK_BOT_TOKEN=xoxb-from-file\nSLACK_SIGNING_SECRET=file-secret\nPORT=4000\n"
    )
    for key in (
        "SLACK_APP_TOKEN",
        "SLACK_CLIENT_ID",
        "SLACK_CLIENT_SECRET",
        "PORT",
        "SLACK_BOT_TOKEN",
        "SLACK_SIGNING_SECRET",
        "ALIGNBOT_ALIGN_MODEL",
        "ALIGNBOT_TARGET_MODEL",
        "DATABASE_URL",
        "SLACK_API_URL",
    ):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("PORT", "5000")
    monkeypatch.chdir(tmp_path)
    config = load_config()
    assert config.slack_bot_token == "xoxb-from-file"
    assert config.slack_signing_secret == "file-secret"
    assert config.port == 5000
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN is missing"):
        load_config(dotenv_path=tmp_path / "missing.env")


@pytest.mark.parametrize(
    ("word", "value"),
    [("on", True), ("Yes", True), ("1", True), ("off", False), ("FALSE", False), ("0", False)],
)
def test_one_rule_for_on_and_off(word, value):
    config = load_config({**SOCKET, "ALIGNBOT_SCHEDULER": word, "GOOGLE_GENAI_USE_VERTEXAI": word})
    assert config.scheduler_enabled is value and config.credentials.gemini.vertexai is value


def test_an_unclear_vertex_flag_is_named():
    assert problems({**SOCKET, "GOOGLE_GENAI_USE_VERTEXAI": "maybe"}) == [
        "GOOGLE_GENAI_USE_VERTEXAI `maybe` is not on/off (true/false)"
    ]


def test_credentials_only_in_the_dotenv_file_reach_the_config(tmp_path, monkeypatch):
    for key in ("GEMINI_API_KEY", "GOOGLE_API_KEY", "GOOGLE_GENAI_USE_VERTEXAI", "OPENAI_API_KEY"):
        monkeypatch.delenv(key, raising=False)
    dotenv = tmp_path / ".env"
    dotenv.write_text("GEMINI_API_KEY=from-file\nALIGNBOT_ALIGN_MODEL=gemini/gemini-2.5-pro\n")
    settings = load_model_settings(dotenv_path=dotenv)
    assert settings.align_model == "gemini/gemini-2.5-pro"
    assert settings.credentials.gemini.api_key == "from-file"
    config = load_config(dotenv_path=dotenv, overrides=SOCKET)
    assert config.credentials.gemini.api_key == "from-file" and config.socket_mode


def test_overrides_win_and_none_unsets(monkeypatch):
    monkeypatch.setenv("SLACK_APP_TOKEN", "xapp-real-deployment")
    config = load_config({**HTTP, "SLACK_APP_TOKEN": "xapp-1"}, overrides={"SLACK_APP_TOKEN": None})
    assert not config.socket_mode
    from_environment = load_config(
        overrides={**HTTP, "SLACK_APP_TOKEN": None}, dotenv_path="/nonexistent"
    )
    assert not from_environment.socket_mode and from_environment.slack_signing_secret == "s3cret"
