"""Deterministic fault points, for tests: the environment variable `SIM_FAULT="<action>-<point>:<n>"` (several
separated by commas) makes the process act the n-th time it reaches `<point>` (counted per process).

Actions: `kill` (SIGKILL to itself: no clean-up runs), `interrupt` (KeyboardInterrupt, as Ctrl-C), `enospc`
(OSError: no space left on device).

Points:
  before-rename     a file is written and synced to its temporary name, not yet renamed (`atomic_write_bytes`)
  after-run-file    a sweep's run file has just been renamed into place (the sweep store)
  before-publish    a results folder is complete in its staging folder, not yet renamed (`publish_folder`)

Example: `SIM_FAULT=kill-after-run-file:3 sim sweep ...` dies right after the third run file is saved.
Unset (the normal case), a fault point costs one dictionary look-up.
"""

from __future__ import annotations

import errno
import os
import signal

__all__ = ["fault_point", "FAULT_VARIABLE", "POINTS", "ACTIONS"]

FAULT_VARIABLE = "SIM_FAULT"
POINTS = ("before-rename", "after-run-file", "before-publish")
ACTIONS = ("kill", "interrupt", "enospc")
_reached: dict[str, int] = {}


def fault_point(point: str) -> None:
    """Act as `SIM_FAULT` asks when this is the n-th time `point` is reached; otherwise nothing."""
    wanted = os.environ.get(FAULT_VARIABLE)
    if not wanted:
        return
    _reached[point] = count = _reached.get(point, 0) + 1
    for item in wanted.split(","):
        name, _, number = item.strip().partition(":")
        action, _, where = name.partition("-")
        if where != point or not number.isdigit() or int(number) != count:
            continue
        if action == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        elif action == "interrupt":
            raise KeyboardInterrupt
        elif action == "enospc":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), f"<{FAULT_VARIABLE} {item.strip()}>")
