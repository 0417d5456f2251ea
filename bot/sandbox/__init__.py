"""The local sandbox: a Slack simulator, its page, and the runner that starts everything."""

DEFAULT_DB = "alignbot-sandbox.db"  # here, so `alignbot --help` needs no runner
