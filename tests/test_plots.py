"""Tests for charrnn.plots: valid images drawn headlessly, written atomically."""

import json

import pytest

from charrnn import plots
from charrnn.errors import UserError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def record(step, val=2.0, train=2.5, elapsed=None, **extra):
    out = {"step": step, "epoch": 0, "elapsed": elapsed if elapsed is not None else step / 10}
    if val is not None:
        out.update(val_loss=val, val_bpc=val / 0.6931471805599453, val_accuracy=0.3)
    if train is not None:
        out["train_loss"] = train
    return {**out, **extra}


def write_metrics(directory, records):
    directory.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(r) if isinstance(r, dict) else r for r in records]
    (directory / "metrics.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def assert_png(path):
    data = path.read_bytes()
    assert len(data) > 1000 and data.startswith(PNG_MAGIC)


@pytest.mark.parametrize("axes", [("step",), ("time",), ("step", "time")])
def test_curves_are_a_png(tmp_path, axes):
    runs = {"a": [record(s, val=3 - s / 100) for s in (10, 20, 30)], "b": [record(5)]}
    out = plots.plot_curves(runs, tmp_path / "sub" / "curves.png", axes)
    assert out == tmp_path / "sub" / "curves.png"
    assert_png(out)


def test_curves_cope_with_missing_training_or_validation_values(tmp_path):
    """A run without a validation split logs no val_*; a final evaluation right after a
    scheduled one has no train_loss."""
    runs = {"no-val": [record(10, val=None), record(20, val=None)],
            "no-train": [record(10, train=None)]}
    assert_png(plots.plot_curves(runs, tmp_path / "c.png"))


def test_series_keeps_points_with_both_values_in_x_order():
    records = [{"step": 30, "v": 1.0}, {"step": 10, "v": 3.0}, {"step": 20}, {"step": 40, "v": None}]
    assert plots.series(records, "step", "v") == ([10, 30], [3.0, 1.0])


@pytest.mark.parametrize("seconds, unit", [(0, "s"), (299, "s"), (300, "min"), (7200, "h")])
def test_time_unit(seconds, unit):
    assert plots.time_unit(seconds)[1] == unit


def test_run_labels_fall_back_to_paths_when_names_repeat(tmp_path):
    assert plots.run_labels([tmp_path / "x" / "run", tmp_path / "y" / "other"]) == ["run", "other"]
    paths = [tmp_path / "x" / "run", tmp_path / "y" / "run"]
    assert plots.run_labels(paths) == [str(p) for p in paths]


def test_gradient_plot_handles_underflow(tmp_path):
    norms = {"rnn": [0.0, 1e-30, 1e-3, 1.0], "lstm": [0.1, 0.2, 0.4, 1.0]}
    styles = {"rnn": {"color": "C2", "linestyle": "--"}}
    assert_png(plots.plot_gradient_norms(norms, tmp_path / "g.png", "title", styles))


def test_accuracy_plot(tmp_path):
    table = {"rnn": [1.0, 0.5, 0.1], "lstm": [1.0, 1.0, 0.9]}
    assert_png(plots.plot_accuracy(table, [5, 10, 20], tmp_path / "a.png", 0.1, "title"))


@pytest.mark.parametrize("suffix, magic", [(".svg", b"<?xml")])
def test_other_formats_by_suffix(tmp_path, suffix, magic):
    out = plots.plot_accuracy({"rnn": [1.0]}, [5], tmp_path / f"a{suffix}", 0.1, "t")
    assert out.read_bytes().startswith(magic)


def test_unwritable_output_is_a_user_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(UserError, match="cannot write"):
        plots.plot_accuracy({"rnn": [1.0]}, [5], blocker / "a.png", 0.1, "t")
