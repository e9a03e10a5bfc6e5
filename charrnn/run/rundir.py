"""A run directory: the one module that knows the files of a run and their names.

    config.toml        the resolved config, reusable with --config
    metrics.jsonl      one JSON line per evaluation, appended as the run trains
    samples.jsonl      one JSON line per --sample-every step: the samples drawn there
    idiom.json         what the corpus's tunes write (charrnn.music.abc.idiom), for an ABC corpus
    last.pt, best.pt   the latest checkpoint, and the one with the best validation loss
    step-NNNNNNNN.pt   numbered checkpoints (--save-every), the newest --keep of them
    .lock              there while a training process writes the run (charrnn.disk.lock)
    titles.json        the corpus's tune titles, for sampled tunes' titles (charrnn.music.abc.titles)
    corpus-form.json   the corpus's skeletons and cadences, learned when first sampled
                       with a form plan (charrnn.music.steer.form)

One training process writes a run at a time, holding the lock for its whole life. Readers
(sample, eval, info, plot) take no lock and never see half a file: checkpoints and the
config are replaced atomically, and metrics lines are appended whole and read whole
(charrnn.disk.files). A write that fails says what the run still has. This module also holds
the resume policy: what a resumed run may change.
"""

import contextlib
import json
import math
from pathlib import Path

from charrnn.run.config import RunConfig, apply_overrides, section_of, to_toml, validate
from charrnn.errors import UserError, WriteError
from charrnn.disk.files import append_line, write_atomic
from charrnn.disk.lock import FileLock

CONFIG, METRICS, LAST, BEST, LOCK = "config.toml", "metrics.jsonl", "last.pt", "best.pt", ".lock"
SAMPLES, IDIOM = "samples.jsonl", "idiom.json"
TITLES = "titles.json"  # written when tunes are first sampled, not by training
CORPUS_FORM = "corpus-form.json"  # likewise, with a form plan
RUN_FILES = (LAST, BEST, METRICS, SAMPLES, IDIOM, TITLES, CORPUS_FORM, CONFIG)
LOGS = (METRICS, SAMPLES)  # appended as the run trains, one JSON record with its step a line
CHECKPOINTS = {"last": LAST, "best": BEST}  # --checkpoint last|best
NUMBERED = "step-*.pt"
PARTIAL_SAVES = ".*.pt.*.tmp"  # charrnn.disk.files.write_atomic's temporary files

# Keys that fix the model's shape, the data layout or the optimizer: a resumed run cannot
# change them. (The optimizer's and the schedule's restored state_dicts carry their own lr,
# momentum, decay and milestones, so a new value would be silently ignored.)
FROZEN_ON_RESUME = ("model", "nonlinearity", "layers", "hidden", "embedding", "tie_weights",
                    "corpus", "val_fraction", "batch_size", "seq_len",
                    "optimizer", "lr", "momentum", "weight_decay", "schedule", "warmup_steps",
                    "decay_every", "decay_rate", "min_lr_ratio")


def numbered_name(step):
    return f"step-{step:08d}.pt"


def is_run(path):
    """A run directory (one holding a checkpoint) or a checkpoint file."""
    path = Path(path)
    return RunDir(path).has_checkpoint() if path.is_dir() else path.is_file() and path.suffix == ".pt"


def run_directory(path):
    """The run directory a path names: the directory itself, or a checkpoint file's."""
    path = Path(path)
    return path if path.is_dir() else path.parent


def checkpoint_file(path, which="best"):
    """The checkpoint file a path names: the file itself, or a run directory's `which`
    checkpoint (`best` or `last`), else its other one."""
    path = Path(path)
    if path.is_dir():
        return RunDir(path).checkpoint(which)
    if not path.exists():
        raise UserError(f"no such checkpoint or run directory: {path}")
    return path


def load(path, which="best"):
    """The checkpoint a path names (see checkpoint_file), loaded and checked."""
    from charrnn.run import checkpoint

    return checkpoint.load(checkpoint_file(path, which))


def learned_entry(corpus, key, value):
    """What is kept of a corpus spec `corpus` under one name (TITLES, CORPUS_FORM)."""
    return {"corpus": corpus, key: value}


class Learned:
    """Reading and keeping what sampling learns of a corpus, through a store's own
    `kept(name)` (what it holds under a name, or None) and `write_learned`: a run
    directory's files, or an exported model's (charrnn.run.modelfile)."""

    def read_learned(self, name, corpus, key):
        """What sampling learned of the corpus spec `corpus` and kept under `name` (TITLES,
        CORPUS_FORM: {"corpus": spec, key: value}); None when nothing is kept, or it is
        another corpus's or unreadable (it is learned again)."""
        data = self.kept(name)
        if not isinstance(data, dict) or data.get("corpus") != corpus:
            return None
        return data.get(key)

    def read_titles(self, corpus):
        """The titles kept for the corpus spec `corpus`, or None."""
        titles = self.read_learned(TITLES, corpus, "titles")
        return titles if isinstance(titles, list) and all(isinstance(t, str) for t in titles) else None

    def write_titles(self, corpus, titles):
        return self.write_learned(TITLES, corpus, "titles", titles)


class RunDir(Learned):
    """The files of one run, read by anyone and written by the one process holding it."""

    def __init__(self, path):
        self.path = Path(path)
        self.saved = {}  # "last"/"best" -> the step of the checkpoint this process holds there

    def __str__(self):
        return str(self.path)

    # ---- reading -----------------------------------------------------------------------

    def checkpoint(self, which="best"):
        for name in (CHECKPOINTS[which], LAST, BEST):
            if (self.path / name).is_file():
                return self.path / name
        raise self.no_checkpoint()

    def no_checkpoint(self):
        return UserError(f"{self.path} holds no checkpoint ({LAST} or {BEST}); is it a run directory?")

    def has_checkpoint(self):
        return any((self.path / name).is_file() for name in CHECKPOINTS.values())

    def present(self):
        """The names of the run's files that are there."""
        return [name for name in RUN_FILES if (self.path / name).exists()]

    def numbered(self):
        return sorted(self.path.glob(NUMBERED))

    def read_metrics(self):
        return read_metrics(self.path)

    def read_samples(self):
        """The --sample-every records, in step order."""
        path = self.path / SAMPLES
        if not path.is_file():
            raise UserError(f"{self.path} holds no samples ({SAMPLES}); train with "
                            "--sample-every N to write them")
        return read_records(path)

    def kept(self, name):
        """The JSON the run keeps as file `name`, or None where it is missing or unreadable."""
        try:
            return json.loads((self.path / name).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def write_learned(self, name, corpus, key, value):
        """Keep what was learned of a corpus (see read_learned); False where the run
        directory cannot be written (a shared, read-only run), which costs only learning
        it again next time."""
        text = json.dumps(learned_entry(corpus, key, value), indent=0, ensure_ascii=False)
        try:
            write_atomic(self.path / name, text.encode("utf-8"))
        except (OSError, UserError, WriteError):
            return False
        return True

    # ---- resuming ----------------------------------------------------------------------

    def check_resumable(self):
        """Raise unless the directory holds a checkpoint to continue from."""
        if not self.path.is_dir():
            raise UserError(f"no such run directory: {self.path}")
        if self.has_checkpoint():
            return
        if (self.path / CONFIG).exists():
            raise UserError(f"{self.path} stopped before its first checkpoint, so there is nothing "
                            f"to resume; start it again with --out {self.path} --overwrite")
        raise self.no_checkpoint()

    def load_last(self):
        """The checkpoint a resumed run continues from: last.pt, else best.pt."""
        from charrnn.run import checkpoint

        self.check_resumable()
        path = self.checkpoint("last")
        payload = checkpoint.load(path)
        self.saved["last" if path.name == LAST else "best"] = payload.get("progress", {}).get("step")
        return payload

    def resumed_config(self, overrides):
        """(config, payload) of the run resumed with the flags `overrides`."""
        payload = self.load_last()
        return resumed_config(payload, overrides, self.path), payload

    # ---- holding the run ---------------------------------------------------------------

    @contextlib.contextmanager
    def writing(self, fresh, overwrite=False, writer=True):
        """Hold the run for this training process: make the directory (fresh) or check there
        is something to resume, take the lock, and refuse to clobber an earlier run unless
        overwrite. Under torchrun only process 0 is the writer; the others hold nothing."""
        if not writer:
            yield self
            return
        created = fresh and not self.path.exists()
        if fresh:
            self.create()
        elif not (self.path / LOCK).exists():  # no one holds it: refuse a non-run before
            self.check_resumable()             # a lock file lands in it
        try:
            with self.lock():
                if fresh:
                    self.refuse_earlier_run(overwrite)
                else:
                    self.check_resumable()
                yield self
        except BaseException:
            if created:  # a run that never started leaves no empty directory behind
                with contextlib.suppress(OSError):
                    self.path.rmdir()
            raise

    def lock(self):
        return FileLock(self.path / LOCK, busy=self.busy_message)

    def busy_message(self, pid):
        holder = f"training process {pid}" if pid else "another training process"
        return f"{self.path} is in use: {holder} is writing to it; let it finish or stop it first"

    def create(self):
        if self.path.exists() and not self.path.is_dir():
            raise UserError(f"--out {self.path} is a file, not a directory")
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WriteError(f"cannot write to run directory {self.path}: {error.strerror}") from None

    def refuse_earlier_run(self, overwrite):
        """With --overwrite the new run clears the old files itself (begin), once its data
        and model have loaded, so a mistake in the new run's options leaves the old run intact."""
        if self.present() and not overwrite:
            raise UserError(f"{self.path} already holds a run; continue it with --resume "
                            f"{self.path}, choose another --out, or pass --overwrite")

    # ---- writing -----------------------------------------------------------------------

    def begin(self, config, resumed_step=None):
        """Ready the directory for a run about to train: clear what killed saves left, drop
        the old run's files (a fresh run) or the metrics and samples logged after the step
        resumed (a run killed between logging and saving logged steps it will log again),
        and write the config."""
        self.guarded(self.create)
        self.remove(sorted(self.path.glob(PARTIAL_SAVES)))
        if resumed_step is None:
            self.remove([self.path / name for name in (LAST, BEST, IDIOM, TITLES, CORPUS_FORM, *LOGS)] + self.numbered())
        else:
            for name in LOGS:
                self.trim_log(name, resumed_step)
        self.write_config(config)

    def write_config(self, config):
        self.guarded(lambda: write_atomic(self.path / CONFIG, to_toml(config).encode("utf-8")))

    def read_idiom(self):
        """The run's idiom (charrnn.music.abc.idiom.Idiom), or None when it has none."""
        from charrnn.music.abc.idiom import Idiom

        path = self.path / IDIOM
        if not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise UserError(f"cannot read {path} ({error}); delete it and sample again to "
                            "learn it anew from the corpus") from None
        return Idiom.from_dict(data, source=str(path))

    @property
    def idiom_file(self):
        return self.path / IDIOM

    def has_idiom(self):
        return self.idiom_file.is_file()

    def write_idiom(self, idiom):
        text = json.dumps(idiom.to_dict(), indent=1, ensure_ascii=False) + "\n"
        self.guarded(lambda: write_atomic(self.path / IDIOM, text.encode("utf-8")))

    def save(self, kind, payload):
        """Write the `last` or `best` checkpoint, or (kind `numbered`) the numbered one of its step."""
        from charrnn.run import checkpoint

        step = payload["progress"]["step"]
        name = numbered_name(step) if kind == "numbered" else CHECKPOINTS[kind]
        self.guarded(lambda: checkpoint.save(payload, self.path / name))
        if kind in CHECKPOINTS:
            self.saved[kind] = step

    def prune(self, keep):
        """Delete the oldest numbered checkpoints so at most `keep` remain."""
        numbered = self.numbered()
        self.remove(numbered[: max(0, len(numbered) - keep)])

    def log(self, record, name=METRICS):
        """Append a record to metrics.jsonl (an evaluation) or samples.jsonl. NaN and
        infinity are not JSON: a diverged value is logged as null."""
        record = {k: None if isinstance(v, float) and not math.isfinite(v) else v
                  for k, v in record.items()}
        line = json.dumps(record, allow_nan=False, ensure_ascii=False) + "\n"
        self.guarded(lambda: append_line(self.path / name, line.encode("utf-8")))

    def log_samples(self, record):
        self.log(record, SAMPLES)

    def trim_log(self, name, step):
        """Keep only the records of a log up to `step`."""
        path = self.path / name
        if path.exists():
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            kept = "".join(line + "\n" for line in lines if logged_step(line) <= step)
            self.guarded(lambda: write_atomic(path, kept.encode("utf-8")))

    def remove(self, paths):
        for path in paths:
            self.guarded(lambda: unlink(path))

    def guarded(self, write):
        """Do a write; its failure becomes one line that also says what the run still has."""
        try:
            return write()
        except WriteError as error:
            raise WriteError(f"{error}; {self.remaining()}") from None

    # ---- what a failure leaves -----------------------------------------------------------

    def kept_step(self, kind):
        """The step of the `last` or `best` checkpoint on disk, or None when there is none."""
        if not (self.path / CHECKPOINTS[kind]).is_file():
            return None
        if kind not in self.saved:
            with contextlib.suppress(UserError, KeyError):
                self.saved[kind] = load(self.path / CHECKPOINTS[kind])["progress"]["step"]
        return self.saved.get(kind, "unknown")

    def remaining(self):
        if not self.path.is_dir():
            return "nothing of the run is left to resume"
        kept = [f"{CHECKPOINTS[kind]} from step {step}" for kind in CHECKPOINTS
                if (step := self.kept_step(kind)) is not None]
        if not kept:
            return "no checkpoint was saved before that"
        return (f"{self.path} still holds {' and '.join(kept)}; once it can be written, "
                f"continue with: charrnn train --resume {self.path}")


def unlink(path):
    try:
        Path(path).unlink(missing_ok=True)
    except OSError as error:
        raise WriteError(f"cannot remove {path}: {error.strerror}") from None


def resumed_config(payload, overrides, run_dir):
    """The run's own config, with only the keys that may change on resume overridden."""
    config = RunConfig.from_dict(payload["config"])
    # A cosine schedule's length was fixed when the run began; torch's cosine rises again
    # past it, so a resumed cosine run keeps its length.
    frozen = FROZEN_ON_RESUME + (("max_steps", "max_epochs") if config.train.schedule == "cosine" else ())
    changed = sorted(key for key in overrides if key in frozen
                     and overrides[key] != getattr(getattr(config, section_of(key)), key))
    if changed:
        raise UserError(f"cannot change {', '.join(changed)} when resuming {run_dir}: the model "
                        "shape, the data layout, the optimizer and its schedule are fixed by "
                        "the run; start a new run instead")
    apply_overrides(config, overrides)
    validate(config)
    return config


def read_metrics(path):
    """The evaluation records of a run directory (or of its metrics.jsonl), in the order
    they were logged."""
    path = Path(path)
    path = path / METRICS if path.is_dir() else path
    if not path.is_file():
        raise UserError(f"no {METRICS} in {path.parent}; is it a run directory?")
    records = read_records(path)
    if not records:
        raise UserError(f"{path} holds no evaluations yet; train longer than --eval-every steps")
    return records


def read_records(path):
    """The JSON records of a log file (metrics.jsonl, samples.jsonl)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror}") from None
    return metrics_records(text, path)


def metrics_records(text, path):
    """The records of whole lines. A last line without its newline is one being written as
    we read (or one a crash cut short): it counts only if it is a whole record already."""
    lines = text.split("\n")
    records = [record(line, number, path) for number, line in enumerate(lines[:-1], 1)
               if line.strip()]
    if lines[-1].strip():
        with contextlib.suppress(ValueError):
            records.append(json.loads(lines[-1]))
    return records


def record(line, number, path):
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        raise UserError(f"{path} line {number} is not JSON; the file is damaged") from None


def logged_step(line):
    """The step of a metrics line; infinity for a line that is not a whole JSON record."""
    try:
        return json.loads(line)["step"]
    except (ValueError, TypeError, KeyError):
        return math.inf
