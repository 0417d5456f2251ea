"""alignbot's Python client: fetch approved templates by label, log outputs for review.

Imports only httpx and the standard library, so it can ship as its own small distribution:

    from alignbot_client import Alignbot
    bot = Alignbot("https://alignbot.example.com", token="abt_…")
    prompt = bot.get_template("greet", fallback="Say hello to {{who}}.")
    bot.log_run(prompt, my_model(prompt.render(who="Ann")), inputs={"who": "Ann"})
"""

from alignbot_client.client import Alignbot, TemplateUnavailable
from alignbot_client.sender import Stats
from alignbot_client.template import RenderError, Template

__all__ = ["Alignbot", "RenderError", "Stats", "Template", "TemplateUnavailable"]
