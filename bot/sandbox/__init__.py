"""The local sandbox: a Slack simulator, its page, and the runner that starts everything."""
