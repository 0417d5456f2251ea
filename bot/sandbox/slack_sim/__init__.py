"""A local Slack-compatible server: Web API, signed event delivery, and the sandbox page.

See README.md in this folder for how tests and the sandbox use it.
"""

from bot.sandbox.slack_sim.actions import ActionResult
from bot.sandbox.slack_sim.delivery import Delivery, DeliveryOptions
from bot.sandbox.slack_sim.server import SlackSim
from bot.sandbox.slack_sim.state import SimError, Team

__all__ = ["ActionResult", "Delivery", "DeliveryOptions", "SimError", "SlackSim", "Team"]
