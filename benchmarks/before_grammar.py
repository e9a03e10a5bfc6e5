"""`charrnn sample --abc` as it was before the grammar, for timing side by side with today's.

The sampler before the grammar drew one tune at a time, freely, and checked each afterwards.
That tree (commit BEFORE_GRAMMAR) is copied out of the repository's history into a scratch
directory and run as its own `python -m charrnn`. Its checkpoints know fewer config keys,
so the run it samples from is a copy of ours with the keys it does not know left out.
"""

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEFORE_GRAMMAR = "a378cda"  # the last commit before charrnn/music/grammar.py

# Run in the old tree: its config dataclasses name the keys it knows.
_PRUNE = """
import dataclasses, sys, torch
from charrnn.run import config
known = {name: {f.name for f in dataclasses.fields(kind)} for name, kind in
         (("model", config.ModelConfig), ("data", config.DataConfig), ("train", config.TrainConfig))}
for path in sys.argv[1:]:
    state = torch.load(path, weights_only=True)
    state["config"] = {part: {k: v for k, v in values.items() if k in known.get(part, values)}
                       for part, values in state["config"].items()}
    torch.save(state, path)
"""


class OldSampler:
    """The old tree and a run it can read, in a scratch directory removed on exit."""

    def __init__(self, run: Path):
        self.scratch = Path(tempfile.mkdtemp(prefix="charrnn-before-grammar-"))
        self.tree, self.run = self.scratch / "tree", self.scratch / "run"
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", BEFORE_GRAMMAR, "charrnn"],
                                 check=True, capture_output=True).stdout
        with tarfile.open(fileobj=BytesIO(archive)) as tar:
            tar.extractall(self.tree, filter="data")
        self.run.mkdir()
        for name in ("best.pt", "last.pt"):
            shutil.copy2(run / name, self.run / name)
        self.python(["-c", _PRUNE, str(self.run / "best.pt"), str(self.run / "last.pt")])

    def python(self, args, **options):
        env = {**os.environ, "PYTHONPATH": str(self.tree)}
        return subprocess.run([sys.executable, *args], cwd=self.tree, check=True,
                              capture_output=True, text=True, env=env, **options)

    def close(self):
        shutil.rmtree(self.scratch, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.close()
