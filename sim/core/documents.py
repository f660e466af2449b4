"""Dotted keys in a scenario document (a nested dict as TOML gives it): `"logistics.customs.officers"` names
the key `officers` in the table `logistics.customs`. One home for reading and setting them, used by `--set`,
sweeps, calibration and tests."""

from __future__ import annotations

from typing import Any

__all__ = ["KeyPathError", "get_key_path", "set_key_path"]


class KeyPathError(ValueError):
    """A dotted key that cannot be set or read: `path` and what is wrong with it."""

    def __init__(self, path: str, message: str):
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


def get_key_path(document: dict[str, Any], path: str) -> Any:
    """The value at the dotted key `path`; KeyPathError when a table or the key is missing."""
    node: Any = document
    parts = path.split(".")
    for depth, part in enumerate(parts):
        if not isinstance(node, dict) or part not in node:
            raise KeyPathError(path, f"{'.'.join(parts[: depth + 1])} is not in the document")
        node = node[part]
    return node


def set_key_path(document: dict[str, Any], path: str, value: Any) -> None:
    """Set the dotted key `path` to `value` in `document`, in place: missing tables are created (the schema
    then rejects unknown keys); a scalar on the way, or replacing a whole table with a scalar, is a
    KeyPathError."""
    parts = path.split(".")
    table = document
    for depth, part in enumerate(parts[:-1]):
        child = table.get(part)
        if child is None:
            child = table[part] = {}
        elif not isinstance(child, dict):
            raise KeyPathError(path, f"{'.'.join(parts[: depth + 1])} is not a table")
        table = child
    if isinstance(table.get(parts[-1]), dict) and not isinstance(value, dict):
        raise KeyPathError(path, "is a table; set one of its keys")
    table[parts[-1]] = value
