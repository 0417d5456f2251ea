"""The command line: `main.py` dispatches, one module per subcommand."""

from bot.cli.main import main

__all__ = ["main"]
