"""Block Kit views: pure functions from view models to Slack messages, modals and Home tabs."""
