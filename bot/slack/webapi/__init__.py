"""Talking to Slack's Web API: retrying clients, paced posting, acknowledgement reactions."""

from bot.slack.webapi.client import ClientProvider, backoff_from, make_web_client
from bot.slack.webapi.pacer import ChannelPacer
from bot.slack.webapi.poster import Posted, PosterProvider, SlackPoster

__all__ = [
    "ChannelPacer",
    "ClientProvider",
    "Posted",
    "PosterProvider",
    "SlackPoster",
    "backoff_from",
    "make_web_client",
]
