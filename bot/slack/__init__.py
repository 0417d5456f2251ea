"""The Slack edge: listeners parse payloads into typed commands, call services, and render the
results with views; `webapi` is the only code that calls Slack's Web API."""
