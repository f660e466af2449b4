"""Scenario loading: extends, overrides, validation errors that name file, key and value, round trip."""

from pathlib import Path

import pytest

import sim
from sim.scenario import (ScenarioError, apply_override, dump_config, get_model, load_scenario, merge_documents,
                          model_names)

from tests.conftest import SCENARIOS


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_extends_merges_tables_key_by_key(scenario_dir):
    loaded = load_scenario(scenario_dir / "customs_clearance_six_officers.toml")
    assert loaded.config.customs.officers == 6
    assert loaded.config.customs.arrivals_per_hour == 32.0  # inherited
    assert [p.name for p in loaded.source_files] == ["customs_clearance.toml", "customs_clearance_six_officers.toml"]


def test_arrays_are_replaced_whole():
    merged = merge_documents({"a": {"x": [1, 2, 3], "y": 1}}, {"a": {"x": [9]}})
    assert merged == {"a": {"x": [9], "y": 1}}


@pytest.mark.parametrize(
    "body, key, fragment",
    [
        ('[customs]\narrivals_per_hour = -3.0\n', "customs.arrivals_per_hour", "greater than 0"),
        ('[customs]\nofficers = "four"\n', "customs.officers", "'four'"),
        ('[customs]\nofficers = 2.5\n', "customs.officers", "2.5"),
        ('[customs]\nofficerz = 5\n', "customs.officerz", "unknown key"),
        ('[customs]\nofficers = 3\n', "customs", "must be below 1"),
        ('[run]\nreplications = 0\n', "run.replications", "greater than or equal to 1"),
        ('[run]\nwarmup_days = "soon"\n', "run.warmup_days", "'soon'"),
    ],
)
def test_bad_values_name_file_key_and_value(scenario_dir, body, key, fragment):
    path = write(scenario_dir / "bad.toml", 'description = "bad"\nextends = "customs_clearance.toml"\n' + body)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert str(path) in message
    assert caught.value.key == key
    assert fragment in message


def test_malformed_toml(scenario_dir):
    path = write(scenario_dir / "broken.toml", 'description = "x"\n[customs\n')
    with pytest.raises(ScenarioError, match="malformed TOML") as caught:
        load_scenario(path)
    assert str(path) in str(caught.value)


def test_missing_and_circular_extends(scenario_dir):
    missing = write(scenario_dir / "missing.toml", 'description = "x"\nextends = "nowhere.toml"\n')
    with pytest.raises(ScenarioError, match="file not found") as caught:
        load_scenario(missing)
    assert caught.value.key == "extends" and caught.value.value == "nowhere.toml"
    write(scenario_dir / "a.toml", 'description = "a"\nextends = "b.toml"\n')
    write(scenario_dir / "b.toml", 'description = "b"\nextends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="circular extends: a.toml -> b.toml -> a.toml"):
        load_scenario(scenario_dir / "a.toml")


def test_unknown_model(scenario_dir):
    path = write(scenario_dir / "m.toml", 'description = "x"\nmodel = "teleport"\n[run]\nhorizon_days = 1.0\n')
    with pytest.raises(ScenarioError, match="unknown model") as caught:
        load_scenario(path)
    assert caught.value.key == "model" and caught.value.value == "teleport"
    assert "known models: cainiao, cloud, customs, customs_classes, ishigami, logistics" in str(caught.value)


def test_the_registry_lists_and_loads_every_model():
    assert model_names() == ["cainiao", "cloud", "customs", "customs_classes", "ishigami", "logistics", "marketplace"]
    assert [get_model(name).name for name in model_names()] == model_names()


def test_overrides_keep_the_path_a_path_and_name_them_in_the_label(scenario_dir, tmp_path):
    path = scenario_dir / "customs_clearance.toml"
    plain = load_scenario(path)
    assert plain.path == path and plain.label == str(path)
    loaded = load_scenario(path, ["run.horizon_days=2.0", "customs.officers=6"])
    assert loaded.path == path and loaded.path.is_file()
    assert loaded.label == f"{path} with --set run.horizon_days=2.0 customs.officers=6"
    assert loaded.overrides == ("run.horizon_days=2.0", "customs.officers=6")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, ["customs.officers=2"])
    assert caught.value.source == f"{path} with --set customs.officers=2"  # messages name the overrides
    result = sim.run(path, reps=1, overrides=["run.horizon_days=0.5", "run.warmup_days=0.0"], out=tmp_path / "run")
    assert result.manifest["scenario_file"] == str(path)  # the file itself; the overrides are recorded apart
    assert result.manifest["overrides"] == ["run.horizon_days=0.5", "run.warmup_days=0.0"]


def test_overrides_parse_toml_literals(scenario_dir):
    loaded = load_scenario(scenario_dir / "customs_clearance.toml", ["customs.officers=6", "run.warmup_days=2.5"])
    assert loaded.config.customs.officers == 6 and loaded.config.run.warmup_days == 2.5
    assert apply_override({"a": {"b": 1}}, 'a.c="text"') == {"a": {"b": 1, "c": "text"}}


@pytest.mark.parametrize(
    "override, fragment",
    [
        ("customs.officers", "expected KEY.PATH=VALUE"),
        ("customs.officers=six", "not a TOML literal"),
        ("run.seed.deeper=1", "run.seed is not a table"),
        ("customs=3", "is a table"),
        ("customs.oficers=6", "unknown key"),
    ],
)
def test_bad_overrides(scenario_dir, override, fragment):
    with pytest.raises(ScenarioError, match=fragment) as caught:
        load_scenario(scenario_dir / "customs_clearance.toml", [override])
    assert "--set" in str(caught.value)


def test_resolved_config_round_trips(tmp_path):
    for path in sorted(SCENARIOS.glob("*.toml")):
        loaded = load_scenario(path)
        dumped = write(tmp_path / f"resolved_{path.name}", dump_config(loaded.config))
        again = load_scenario(dumped)
        assert again.config == loaded.config, path.name


def test_every_scenario_file_starts_with_a_description():
    for path in sorted(SCENARIOS.glob("*.toml")) + sorted((SCENARIOS / "sweeps").glob("*.toml")):
        first = next(line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#"))
        assert first.startswith("description = "), path.name
