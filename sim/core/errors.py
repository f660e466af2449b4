"""The one base class of input the user can fix: a scenario, a sweep file, an option, a path to read or
write. Its message names the file, the key or path and the value; the command line reports it in one line
with exit code 2. Anything else that escapes a command is a fault of the machine (exit 3) or a bug (70)."""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(Exception):
    """Bad input: the message says where (file, key path), which value, and what was expected."""
