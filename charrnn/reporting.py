"""What a training run shows while it trains. A Trainer tells its Reporter each step;
the plain Reporter shows nothing (a library caller, a test, torchrun's other processes),
and ProgressBar draws the step, the loss, the last validation loss, characters a second
and the time left with tqdm."""


class Reporter:
    """Shows nothing. `with reporter.start(total, step):` around the loop, `update` each step."""

    def start(self, total, step):
        """total: the run's length in steps (0: unknown); step: where it starts (a resume)."""
        return self

    def update(self, loss, last_eval, chars_per_second):
        """After a step: its loss (None if skipped), the last evaluation's record."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class ProgressBar(Reporter):
    def __init__(self):
        self.bar = None

    def start(self, total, step):
        from tqdm.auto import tqdm

        self.bar = tqdm(total=total or None, initial=step, unit="step", dynamic_ncols=True,
                        desc="train")
        return self

    def update(self, loss, last_eval, chars_per_second):
        self.bar.update(1)
        self.bar.set_postfix(postfix(loss, last_eval, chars_per_second), refresh=False)

    def __exit__(self, *exc):
        self.bar.close()
        return False


def postfix(loss, last_eval, chars_per_second):
    out = {"loss": f"{loss:.3f}" if loss is not None else "nan"}
    if "val_loss" in last_eval:
        out["val"] = f"{last_eval['val_loss']:.3f}"
    out["chars/s"] = f"{chars_per_second:,.0f}"
    return out
