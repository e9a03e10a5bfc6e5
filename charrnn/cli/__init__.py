"""The `charrnn` command group. Each command lives in a module of this package named for it;
the modules import only click at the top, so `charrnn --help` stays fast."""

import errno
import os
import signal
import sys

import click

from charrnn import __version__
from charrnn.errors import UserError

# Commands register themselves here: name -> "module:function". Listed, not imported,
# so a command's module is only loaded when that command (or the command list) is needed.
COMMANDS = {
    "abc2midi": "charrnn.cli.abc2midi:abc2midi",
    "train": "charrnn.cli.train:train",
    "sample": "charrnn.cli.sample:sample",
    "plot": "charrnn.cli.plot:plot",
    "eval": "charrnn.cli.evaluate:eval_command",
    "export": "charrnn.cli.export:export",
    "models": "charrnn.cli.models:models",
    "info": "charrnn.cli.info:info",
    "gradients": "charrnn.cli.gradients:gradients",
    "experiment": "charrnn.cli.experiment:experiment",
    "corpus": "charrnn.cli.music:corpus",
    "abc-check": "charrnn.cli.music:abc_check",
    "tune-report": "charrnn.cli.report:tune_report",
}


class CommandGroup(click.Group):
    """Loads commands lazily and turns a UserError into one line on stderr, no traceback."""

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        if name not in COMMANDS:
            return None
        module_name, attr = COMMANDS[name].split(":")
        module = __import__(module_name, fromlist=[attr])
        return getattr(module, attr)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as error:
            raise click.ClickException(str(error)) from None
        except click.UsageError as error:
            error.ctx = None  # one line, like every other error, without the usage block
            raise
        except BrokenPipeError:
            # `charrnn sample ... | head` closes our stdout early; that is not an error.
            sys.stderr.close()
            sys.exit(0)

    def main(self, *args, **kwargs):
        try:
            return super().main(*args, **kwargs)
        except OSError as error:
            # Files are written through charrnn.disk.files, which says which one failed; what is
            # left is standard output sent to a full or broken disk (`> /dev/full`).
            if error.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EROFS):
                raise
            discard_stdout()
            click.echo(f"Error: cannot write the output: {error.strerror}", err=True)
            sys.exit(1)


def discard_stdout():
    """What is still buffered for stdout goes nowhere, or Python's own try at exit would
    print a second error."""
    with open(os.devnull, "wb") as devnull:
        os.dup2(devnull.fileno(), sys.stdout.fileno())


@click.group(cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="charrnn")
def main():
    """Train character-level LSTM, GRU and vanilla RNN models on text or folk tunes,
    then sample from them.

    \b
    Examples:
      charrnn sample folk --abc -n 5 --out tunes     # tunes now, from the shipped model
      charrnn train                                  # folk tunes, a few minutes on a CPU
      charrnn sample runs/oneills1850 --abc -n 5 --out tunes --midi
      charrnn train --corpus my.txt --out runs/mine --max-time 10m
      charrnn sample runs/mine --prime "The " --temperature 0.8 --length 500
    """
    # Die quietly on a closed pipe rather than with a traceback.
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
