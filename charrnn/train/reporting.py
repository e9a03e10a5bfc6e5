"""What a training run shows while it trains. A Trainer tells its Reporter each step;
the plain Reporter shows nothing but a note's line on stderr (a library caller, a test,
torchrun's other processes), and ProgressBar draws the step, the loss, the last validation loss, characters a second
and the time left with tqdm, and under the bar the latest --sample-every sample."""

import shutil
import sys


class Reporter:
    """Shows nothing. `with reporter.start(total, step):` around the loop, `update` each step."""

    def start(self, total, step):
        """total: the run's length in steps (0: unknown); step: where it starts (a resume)."""
        return self

    def resize(self, total):
        """The run's length became known (a probe sized it)."""

    def update(self, loss, last_eval, chars_per_second):
        """After a step: its loss (None if skipped), the last evaluation's record."""

    def sampled(self, record):
        """A --sample-every record: its step and samples (charrnn.train.training_samples)."""

    def note(self, line):
        """A line about the run's course (the thread count chosen), on stderr."""
        print(line, file=sys.stderr, flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class ProgressBar(Reporter):
    def __init__(self):
        self.bar = self.line = None

    def start(self, total, step):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total or None, initial=step, unit="step", dynamic_ncols=True,
                        desc="train")
        return self

    def resize(self, total):
        self.bar.total = total or None
        self.bar.refresh()

    def update(self, loss, last_eval, chars_per_second):
        self.bar.update(1)
        self.bar.set_postfix(postfix(loss, last_eval, chars_per_second), refresh=False)

    def sampled(self, record):
        from tqdm.auto import tqdm

        if self.line is None:  # a second line, under the bar, made at the first sample
            self.line = tqdm(total=0, position=self.bar.pos + 1, bar_format="{desc}", leave=False)
        width = shutil.get_terminal_size().columns
        self.line.set_description_str(sample_line(record, width))

    def note(self, line):
        from tqdm.auto import tqdm

        tqdm.write(line, file=sys.stderr)  # above the bar, which is drawn again under it

    def __exit__(self, *exc):
        if self.line is not None:
            self.line.close()
        self.bar.close()
        return False


def postfix(loss, last_eval, chars_per_second):
    out = {"loss": f"{loss:.3f}" if loss is not None else "nan"}
    if "val_loss" in last_eval:
        out["val"] = f"{last_eval['val_loss']:.3f}"
    out["chars/s"] = f"{chars_per_second:,.0f}"
    return out


def sample_line(record, width):
    """The latest sample at temperature 1 (else the last drawn) on one line of `width`:
    'step 500, T=1: <text, newlines shown as ⏎>'."""
    from charrnn.train.training_samples import label

    chosen = next((s for s in record["samples"] if s["temperature"] == 1.0), record["samples"][-1])
    text = (record["prime"] + chosen["text"]).replace("\n", "⏎")
    line = f"step {record['step']}, {label(chosen['temperature'])}: {text}"
    return line[: max(width - 1, 10)]
