"""Scenario files: TOML -> `extends` chain -> `--set` overrides -> the model's typed, frozen config.

A scenario file has a one-line `description`, a `model` key naming the model, a `[run]` table and the
model's parameter tables. `extends = "other.toml"` (relative to the file) starts from another scenario:
tables merge key by key, arrays and scalars are replaced whole. `--set a.b=VALUE` parses VALUE as a TOML
literal. Every problem becomes one `ScenarioError` naming the file, the key path and the value.

This module alone knows the model registry: `model_names()` lists it and `get_model(name)` loads a model.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.core import documents
from sim.core.errors import InputError

# pydantic, tomli_w and the core's config and model classes (which pull in Polars and NumPy) are imported
# where they are needed: `sim list` reads scenario headers without them
if TYPE_CHECKING:
    import pydantic

    from sim.core.config import ScenarioConfig
    from sim.core.model import Model

__all__ = [
    "ScenarioError",
    "Scenario",
    "model_names",
    "get_model",
    "model_module",
    "load_scenario",
    "scenario_from_document",
    "parse_override",
    "apply_override",
    "set_key_path",
    "dump_config",
    "list_scenarios",
    "NO_VALUE",
    "validation_error",
]

#: model name -> module that defines `MODEL`. A new model is a new folder and one line here. Read only
#: through `model_names`, `get_model` and `model_module`; sweep workers are handed the module path.
_MODELS: dict[str, str] = {
    "customs": "sim.models.customs",
    "customs_classes": "sim.models.customs_classes",
    "ishigami": "sim.models.ishigami",
    "logistics": "sim.models.logistics",
    "cloud": "sim.models.cloud",
    "marketplace": "sim.models.marketplace",
    "cainiao": "sim.models.cainiao",
}


class ScenarioError(InputError):
    """Bad scenario input: says where (file), what (key path) and which value, and what was expected."""

    def __init__(self, source: str | Path, key: str | None, value: Any, message: str):
        self.source = str(source)
        self.key = key
        self.value = value
        self.message = message
        super().__init__(self.source, key, value, message)  # the text is built when shown, not per problem

    def __str__(self) -> str:
        where = self.source
        if self.key:
            where += f": {self.key}"
        shown = "" if self.value is NO_VALUE else f" (got {_show(self.value)})"
        return f"{where}: {self.message}{shown}"


class _NoValue:
    def __repr__(self) -> str:
        return "<no value>"


#: marks a ScenarioError with no value to show (e.g. malformed TOML)
NO_VALUE: Any = _NoValue()


def _shorten(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _show(value: Any) -> str:
    return _shorten(repr(value))


@dataclass(frozen=True)
class Scenario:
    """A loaded scenario: the resolved document, its typed config, its model and its provenance.

    `path` is the scenario file (None for a document built in memory); `label` is how messages name the
    scenario: the path, followed by " with --set ..." when overrides were applied."""

    path: Path | None
    name: str
    model: Model
    config: ScenarioConfig
    document: Mapping[str, Any]
    source_files: tuple[Path, ...]
    overrides: tuple[str, ...] = ()
    label: str = "<scenario>"

    @property
    def source_hash(self) -> str:
        """SHA-256 over every file in the `extends` chain (in order) and the overrides."""
        digest = hashlib.sha256()
        for file in self.source_files:
            digest.update(file.read_bytes())
        for override in self.overrides:
            digest.update(override.encode())
        return digest.hexdigest()


def model_names() -> list[str]:
    """The registered models' names, sorted."""
    return sorted(_MODELS)


def model_module(name: Any, source: str | Path = "<scenario>") -> str:
    """The module that defines the registered model `name` as `MODEL` (what a sweep worker imports)."""
    if not isinstance(name, str) or name not in _MODELS:
        raise ScenarioError(source, "model", name, f"unknown model; known models: {', '.join(model_names())}")
    return _MODELS[name]


def get_model(name: Any, source: str | Path = "<scenario>") -> Model:
    """The registered model called `name`."""
    return importlib.import_module(model_module(name, source)).MODEL


def _read_toml(path: Path, referenced_from: tuple[Path, str] | None) -> dict[str, Any]:
    if not path.is_file():
        if referenced_from is not None:
            parent, value = referenced_from
            raise ScenarioError(parent, "extends", value, f"file not found: {path}")
        raise ScenarioError(path, None, NO_VALUE, "scenario file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise ScenarioError(path, None, NO_VALUE, f"malformed TOML: {error}") from None
    except UnicodeDecodeError as error:
        raise ScenarioError(path, None, NO_VALUE, f"not UTF-8 text: {error}") from None
    except RecursionError:
        raise ScenarioError(path, None, NO_VALUE, "malformed TOML: arrays or tables nested too deeply") from None


def merge_documents(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """`override` on top of `base`: tables merge key by key, everything else (arrays included) is replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_documents(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def resolve_extends(path: Path, _chain: tuple[Path, ...] = (), _ref: tuple[Path, str] | None = None):
    """The document of `path` with its `extends` chain applied, and the files read (base first)."""
    path = path.resolve()
    if path in _chain:
        cycle = " -> ".join(p.name for p in (*_chain, path))
        raise ScenarioError(_chain[-1], "extends", _ref[1] if _ref else str(path), f"circular extends: {cycle}")
    document = _read_toml(path, _ref)
    parent_ref = document.pop("extends", None)
    if parent_ref is None:
        return document, (path,)
    if not isinstance(parent_ref, str):
        raise ScenarioError(path, "extends", parent_ref, "must be a path string relative to this file")
    parent_path = path.parent / parent_ref
    base, files = resolve_extends(parent_path, (*_chain, path), (path, parent_ref))
    return merge_documents(base, document), (*files, path)


def parse_override(text: str) -> tuple[list[str], Any]:
    """`a.b=VALUE` -> (["a", "b"], value), VALUE read as a TOML literal (`6`, `0.5`, `"text"`, `[1, 2]`)."""
    source = f"--set {text}"
    if "=" not in text:
        raise ScenarioError(source, None, text, "expected KEY.PATH=VALUE")
    key, raw = (part.strip() for part in text.split("=", 1))
    parts = key.split(".")
    if not key or any(not part for part in parts):
        raise ScenarioError(source, key, raw, "bad key path")
    try:
        value = tomllib.loads(f"value = {raw}")["value"]
    except tomllib.TOMLDecodeError:
        raise ScenarioError(
            source, key, raw, 'VALUE is not a TOML literal (quote strings: --set run.warmup_days="auto")'
        ) from None
    return parts, value


def set_key_path(document: dict[str, Any], path: str, value: Any, source: str | Path) -> None:
    """Set the dotted key `path` to `value` in `document`, in place, as `--set` and sweeps do
    (`sim.core.documents.set_key_path`); a problem is a ScenarioError naming `source`."""
    try:
        documents.set_key_path(document, path, value)
    except documents.KeyPathError as error:
        raise ScenarioError(source, path, value, error.message) from None


def apply_override(document: dict[str, Any], text: str) -> dict[str, Any]:
    """A copy of the document with one `--set KEY.PATH=VALUE` applied."""
    parts, value = parse_override(text)
    document = copy.deepcopy(document)
    set_key_path(document, ".".join(parts), value, f"--set {text}")
    return document


def _format_location(location: Sequence[Any]) -> str:
    return ".".join(str(part) for part in location if not str(part).startswith("function-"))


def _value_at(document: Mapping[str, Any], location: Sequence[Any]) -> Any:
    node: Any = document
    for part in location:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return NO_VALUE
    return node


#: a message lists at most this many problems, then "and N more" (bad input costs bounded work and text)
MAX_PROBLEMS_SHOWN = 5


def validation_error(source: str | Path, document: Mapping[str, Any], error: pydantic.ValidationError):
    """One ScenarioError for a failed validation: the problem itself, or "N problems" listing the first
    `MAX_PROBLEMS_SHOWN` (all of them in `.problems`)."""
    problems: list[ScenarioError] = []
    by_key: dict[str | None, ScenarioError] = {}
    for item in error.errors(include_url=False):
        location = [part for part in item["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
        # pydantic appends the union member's type (e.g. 'float', 'literal[...]') to the location
        while location and _value_at(document, location) is NO_VALUE and item["type"] != "missing" and \
                item["type"] != "extra_forbidden":
            location = location[:-1]
        key = _format_location(location)
        if item["type"] == "extra_forbidden":
            message = "unknown key (check the spelling against `sim show` of a working scenario)"
        elif item["type"] == "missing":
            message = "required key is missing"
        else:
            message = item["msg"].removeprefix("Value error, ")
        value = _value_at(document, location) if item["type"] != "missing" else NO_VALUE
        named = message.split(" ", 1)[0].rstrip(":,")
        named_value = _value_at(document, [*location, *named.split(".")])
        if "." in named and (named_value is not NO_VALUE or "*" in named):
            # a rule of a whole table that names the key it is about ("market.leader must name ...", or a
            # pattern such as "providers.*.initial_share must sum to 1"): that key, and its value if one
            key = _format_location([*location, *named.split(".")])
            value = named_value
            if value is not NO_VALUE:
                message = re.sub(r" \(got .*\)$", "", message[len(named):].lstrip(" :,"))
            else:
                message = message[len(named):].lstrip(" :,")
        elif not location:
            value = NO_VALUE  # a rule of the whole scenario: its message says what; the document is no value
        same_key = by_key.get(key or None)
        if same_key is not None:  # a union type reports one error per member: say them together
            if len(same_key.message) < 400:
                same_key.message += f", or {message[0].lower()}{message[1:]}"
            continue
        by_key[key or None] = problem = ScenarioError(source, key or None, value, message)
        problems.append(problem)
    if len(problems) == 1:
        return problems[0]
    combined = ScenarioError(source, None, NO_VALUE, f"{len(problems)} problems")
    combined.problems = problems  # type: ignore[attr-defined]
    shown = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"and {len(problems) - MAX_PROBLEMS_SHOWN} more")
    combined.message = f"{len(problems)} problems:\n  " + "\n  ".join(shown)
    return combined


def scenario_from_document(
    document: Mapping[str, Any],
    *,
    source: str | Path = "<scenario>",
    name: str = "scenario",
    source_files: Iterable[Path] = (),
    overrides: Sequence[str] = (),
    path: str | Path | None = None,
) -> Scenario:
    """Validate a resolved document (after `extends` and overrides) into a `Scenario`. `source` names it in
    error messages and becomes its `label`; `path` is the scenario file it came from, if any."""
    import pydantic

    model = get_model(document.get("model"), source)
    try:
        config = model.config_type.model_validate(document)
    except pydantic.ValidationError as error:
        raise validation_error(source, document, error) from None
    return Scenario(Path(path) if path is not None else None, name, model, config, document,
                    tuple(source_files), tuple(overrides), str(source))


def load_scenario(path: str | Path, overrides: Sequence[str] = ()) -> Scenario:
    """Read, resolve and validate a scenario file, applying `--set` overrides in order."""
    if isinstance(overrides, (str, bytes)) or not all(isinstance(text, str) for text in overrides):
        raise ScenarioError(path, "overrides", overrides, 'must be a list of "KEY.PATH=VALUE" strings')
    path = Path(path)
    document, files = resolve_extends(path)
    for text in overrides:
        document = apply_override(document, text)
    label = str(path) if not overrides else f"{path} with --set {' '.join(_shorten(text) for text in overrides)}"
    return scenario_from_document(document, source=label, name=path.stem, source_files=files,
                                  overrides=overrides, path=path)


def dump_config(config: ScenarioConfig) -> str:
    """The fully resolved configuration as TOML; loading it back gives an equal config."""
    import tomli_w

    return tomli_w.dumps(config.model_dump(mode="json", exclude_none=True))


def list_scenarios(directory: str | Path = "scenarios") -> list[tuple[Path, str, str]]:
    """(path, model, description) for every scenario file in `directory` (not its `sweeps/` folder)."""
    rows = []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            document, _ = resolve_extends(path)
            rows.append((path, str(document.get("model", "?")), str(document.get("description", ""))))
        except ScenarioError as error:
            rows.append((path, "?", f"(cannot be read: {error.message})"))
    return rows
