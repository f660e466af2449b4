"""What the marketplace tests share: a bad scenario refused through the CLI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sim.cli import app


def refusal(tmp_path: Path, base: Path, body: str) -> str:
    """Run a scenario that extends `base` with the TOML `body` through `sim run`; assert it exits 2 with no
    traceback, names the file and writes no output folder; return the error message as one line."""
    path = tmp_path / "bad.toml"
    path.write_text(f'extends = "{base}"\n{body}')
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out"), "--no-progress"])
    assert result.exit_code == 2, result.stdout
    message = " ".join(result.stderr.split())
    assert "Traceback" not in message and "bad.toml" in message, message
    assert not (tmp_path / "out").exists()
    return message


def assert_key_refused(tmp_path: Path, base: Path, key: str, value: str, shown: str | None = None) -> None:
    """`key = value` (a dotted `table.name`) on top of `base` is refused by a message naming the key and the
    value (`shown`, where the message prints the value differently from the TOML text)."""
    table, name = key.split(".")
    message = refusal(tmp_path, base, f"[{table}]\n{name} = {value}\n")
    assert key in message and (value if shown is None else shown) in message, message
