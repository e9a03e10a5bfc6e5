"""Ctrl-C and SIGTERM during training: the first ends the run in order (the step finished,
a final evaluation, the last checkpoint), the second stops it at once. Checkpoints are
written atomically, so a run stopped at once leaves nothing half-written.
"""

import signal


class StopOnSignal:
    """While entered: a first Ctrl-C or SIGTERM sets `trainer.stop_signal` (its name), which
    the trainer's limits read after the step; a second raises KeyboardInterrupt."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, trainer):
        self.trainer, self.previous = trainer, {}

    def __enter__(self):
        try:
            for sig in self.SIGNALS:
                self.previous[sig] = signal.signal(sig, self.handle)
        except ValueError:  # not the main thread: leave signals alone
            self.previous = {}
        return self

    def handle(self, signum, frame):
        if self.trainer.stop_signal:
            raise KeyboardInterrupt
        self.trainer.stop_signal = signal.Signals(signum).name

    def __exit__(self, *exc):
        for sig, handler in self.previous.items():
            signal.signal(sig, handler)
        return False
