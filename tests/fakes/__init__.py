"""Local stand-ins for external servers (they speak the real wire formats on 127.0.0.1)."""
