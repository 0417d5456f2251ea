"""The event inbox: every event is stored before it is acknowledged and processed after.

`Inbox.put` is what listeners call inside the request (before the ack); `InboxWorker` drains the
stored rows in the background, including rows a crashed process left behind; `Router` sends each
row's typed job (`bot.background.jobs`) to the processor registered for its type.
"""

from bot.background.inbox.gate import Inbox
from bot.background.inbox.router import Attempt, Router, UnknownKind
from bot.background.inbox.worker import InboxWorker

__all__ = ["Attempt", "Inbox", "InboxWorker", "Router", "UnknownKind"]
