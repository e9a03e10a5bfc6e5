"""Pictures of what a network learns: training curves, gradient flow through time, and
accuracy against dependency length. Headless: figures are drawn on matplotlib's Agg canvas,
with no pyplot and no display, so they work on a server or in a test.
"""

import io
import math
from pathlib import Path

from charrnn.errors import UserError, WriteError
from charrnn.disk.files import check_writable, write_atomic

# (metrics key, y label) per row of the curves figure. Bits per character is the loss
# over ln 2, so it is the loss panel's right-hand axis rather than a panel of its own.
CURVE_ROWS = (("val_loss", "loss (nats/char)"), ("val_accuracy", "next-char accuracy"))
X_AXES = {"step": ("step", "optimizer step"), "time": ("elapsed", "training time")}
DPI = 90


def run_labels(run_dirs):
    """Short legend names: the directory names, or the paths as given when names repeat."""
    names = [Path(d).resolve().name or str(d) for d in run_dirs]
    return names if len(set(names)) == len(names) else [str(d) for d in run_dirs]


def series(records, x_key, y_key):
    """(xs, ys) of the records that have both keys, ordered by x."""
    points = sorted((r[x_key], r[y_key]) for r in records
                    if r.get(x_key) is not None and r.get(y_key) is not None)
    return [p[0] for p in points], [p[1] for p in points]


def training_value(record, key):
    """The training-set counterpart of a validation metric, where the log has one."""
    return record.get("train_loss") if key == "val_loss" else None


def time_unit(seconds):
    """A unit that keeps elapsed-time tick labels short: (divisor, name)."""
    if seconds >= 2 * 3600:
        return 3600.0, "h"
    if seconds >= 300:
        return 60.0, "min"
    return 1.0, "s"


def new_figure(rows, cols, width, height):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(width * cols, height * rows), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, cols, squeeze=False)
    return figure, axes


def output_path(path):
    """Where a figure will go, checked before any work: its directory made if need be, and
    a UserError now if it cannot be written there or matplotlib cannot draw its format."""
    path = Path(path)
    if not path.parent.exists():
        try:
            path.parent.mkdir(parents=True)
        except OSError as error:
            raise WriteError(f"cannot write {path}: {error.strerror}") from None
    figure_format(path)
    return check_writable(path)


def figure_format(path):
    """The image format a path's suffix names (PNG when it has none)."""
    from matplotlib.backend_bases import FigureCanvasBase

    kind = path.suffix[1:].lower() or "png"
    known = FigureCanvasBase.get_supported_filetypes()
    if kind not in known:
        raise UserError(f"cannot write {path}: figures are written as "
                        f"{', '.join('.' + k for k in sorted(known))}")
    return kind


def save(figure, path):
    """Write a figure atomically, drawn whole before anything is written."""
    path = output_path(path)
    image = io.BytesIO()
    figure.savefig(image, format=figure_format(path), dpi=DPI)
    return write_atomic(path, image.getvalue())


def plot_curves(runs, out, x_axes=("step", "time")):
    """Loss (nats, and bits per char on the right) and accuracy against step and/or wall
    time, one colour per run.

    runs: {label: metrics records}. Validation solid, training dashed.
    """
    figure, axes = new_figure(len(CURVE_ROWS), len(x_axes), 5.4, 3.0)
    colours = [f"C{i % 10}" for i in range(len(runs))]
    longest = max((r.get("elapsed") or 0 for records in runs.values() for r in records), default=0)
    scale, unit = time_unit(longest)
    for col, axis_name in enumerate(x_axes):
        x_key, x_label = X_AXES[axis_name]
        divisor = scale if axis_name == "time" else 1.0
        for row, (y_key, y_label) in enumerate(CURVE_ROWS):
            ax = axes[row][col]
            for colour, records in zip(colours, runs.values()):
                draw_run(ax, records, x_key, y_key, colour, divisor)
            ax.set_ylabel(y_label)
            ax.grid(True, alpha=0.3)
            if y_key == "val_loss":
                add_bits_axis(ax)
        axes[-1][col].set_xlabel(x_label + (f" ({unit})" if axis_name == "time" else ""))
    add_curve_legend(axes[0][0], list(runs), colours)
    return save(figure, out)


def draw_run(ax, records, x_key, y_key, colour, divisor):
    xs, ys = series(records, x_key, y_key)
    ax.plot([x / divisor for x in xs], ys, color=colour, marker="." if len(xs) < 30 else None)
    train = [{x_key: r.get(x_key), "y": training_value(r, y_key)} for r in records]
    xs, ys = series(train, x_key, "y")
    ax.plot([x / divisor for x in xs], ys, color=colour, linestyle="--", alpha=0.8)


def add_bits_axis(ax):
    bits = ax.secondary_yaxis("right", functions=(lambda nats: nats / math.log(2),
                                                  lambda b: b * math.log(2)))
    bits.set_ylabel("bits per character")


def add_curve_legend(ax, labels, colours):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=c, label=label) for label, c in zip(labels, colours)]
    handles += [Line2D([], [], color="0.4", label="validation"),
                Line2D([], [], color="0.4", linestyle="--", label="training")]
    ax.legend(handles=handles, fontsize="small")


def plot_gradient_norms(norms, out, title, styles=None):
    """||dL_T/dh_k|| against the distance T - k on a log scale, one line per model.

    norms: {label: [norm for h_1, ..., norm for h_T]}; styles: {label: Line2D keywords}.
    """
    figure, axes = new_figure(1, 1, 6.4, 4.0)
    ax = axes[0][0]
    for label, values in norms.items():
        distances = range(len(values))
        # A norm that underflows to 0 has no logarithm; draw it at the smallest float.
        ax.semilogy(distances, [max(v, 1e-300) for v in reversed(values)], label=label,
                    **(styles or {}).get(label, {}))
    ax.set_xlabel("distance T - k (steps back from the loss)")
    ax.set_ylabel("||dL_T / dh_k||")
    ax.set_title(title, fontsize="medium")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return save(figure, out)


def plot_accuracy(table, lengths, out, chance, title):
    """Accuracy against sequence length, one line per model; table: {label: [acc per length]}."""
    figure, axes = new_figure(1, 1, 6.4, 4.0)
    ax = axes[0][0]
    for label, accuracies in table.items():
        ax.plot(lengths, [100 * a for a in accuracies], marker="o", label=label)
    ax.axhline(100 * chance, color="0.5", linestyle=":", label="chance")
    ax.set_xlabel("palindrome length L (the answer is L - 1 steps back)")
    ax.set_ylabel("accuracy on the last digit (%)")
    ax.set_ylim(0, 105)
    ax.set_title(title, fontsize="medium")
    ax.grid(True, alpha=0.3)
    ax.legend()
    return save(figure, out)
