"""The exit statuses of `geekai-admin`, in one table: every exit of the command uses these names.

The command's --help (EPILOG in `parser`) documents them; scripts and monitoring depend on them.
"""

from __future__ import annotations

from typing import Final

__all__ = ["API_ERROR", "HANGUP", "INTERRUPTED", "OK", "PROBLEMS", "QUIT", "TERMINATED", "USAGE"]

OK: Final = 0
"""Success."""
API_ERROR: Final = 1
"""The API or the network failed, or a key of a bulk run did, or a step the command explains."""
USAGE: Final = 2
"""Bad input or usage: nothing was sent (an unconfirmed `keys delete` included)."""
PROBLEMS: Final = 3
"""`check` found something that needs attention."""
HANGUP: Final = 129
"""Stopped by SIGHUP (the terminal or SSH session closed), handled as Ctrl-C is (128 + 1)."""
INTERRUPTED: Final = 130
"""Interrupted (Ctrl-C), as a shell reports SIGINT."""
QUIT: Final = 131
"""Stopped by SIGQUIT (Ctrl-\\), handled as Ctrl-C is (128 + 3)."""
TERMINATED: Final = 143
"""Stopped by SIGTERM, handled as Ctrl-C is (128 + 15, as a shell reports it)."""
