"""Run configuration: typed defaults, overridden by a TOML preset, overridden by flags.

Every field name is unique across the three sections, so a TOML key, a flag and a field
are the same word (`hidden` is `[model] hidden = 256` and `--hidden 256`).
"""

import dataclasses
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from charrnn.errors import UserError

MODEL_KINDS = ("lstm", "gru", "rnn", "peephole", "phased")
OPTIMIZERS = ("sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta")
SCHEDULES = ("auto", "constant", "step", "cosine", "plateau")
AUTO = "auto"  # a key charrnn settles when the run starts (charrnn.train.sizing)
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16", "fp16")
DEFAULT_CORPUS = "music21:oneills1850"
MAX_SEED = 2**64 - 1  # torch.manual_seed takes an unsigned 64-bit integer
EVAL_EVERY_MOST = 250  # eval_every auto: steps between evaluations on a large corpus


@dataclass(frozen=True)
class Spec:
    """What a config key accepts, declared once beside its default: the flag's help, its
    choices or its bounds. `charrnn train`'s options and `validate` both read it."""

    help: str
    choices: tuple = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # (low, ... rather than [low, ...
    high_open: bool = False
    auto: bool = False  # also takes "auto", settled when the run starts (charrnn.train.sizing)

    def problem(self, value):
        """Why value is not allowed, or None."""
        if self.auto and value == AUTO:
            return None
        if self.choices and value not in self.choices:
            return f"must be one of {', '.join(self.choices)}; got {value!r}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"must be a finite number; got {value}"
        if not self.within(value):
            return f"must be {self.describe()}; got {value}"
        return None

    def within(self, value):
        if isinstance(value, (str, bool)):
            return True
        above = self.low is None or (value > self.low if self.low_open else value >= self.low)
        below = self.high is None or (value < self.high if self.high_open else value <= self.high)
        return above and below

    def describe(self):
        """The bounds in words: 'at least 1', 'more than 0', 'in [0, 1)'."""
        low, high = (f"{x:g}" if isinstance(x, float) else str(x) for x in (self.low, self.high))
        if self.low is not None and self.high is not None:
            return f"in {'(' if self.low_open else '['}{low}, {high}{')' if self.high_open else ']'}"
        if self.low is not None:
            return f"{'more than' if self.low_open else 'at least'} {low}"
        return f"{'less than' if self.high_open else 'at most'} {high}"


def setting(default, help, **accepts):
    """A config field with its Spec (see Spec for what `accepts` may say)."""
    return field(default=default, metadata={"spec": Spec(help, **accepts)})


POSITIVE = {"low": 0, "low_open": True}  # for floats; an int that must be positive has low=1
FRACTION = {"low": 0, "high": 1, "high_open": True}


@dataclass
class ModelConfig:
    model: str = setting("lstm", "Recurrent cell: torch's fused lstm, gru, rnn, or the "
                         "peephole / phased LSTM.", choices=MODEL_KINDS)
    nonlinearity: str = setting("tanh", "Activation of the vanilla rnn.", choices=("tanh", "relu"))
    layers: int = setting(2, "Stacked recurrent layers.", low=1)
    hidden: int = setting(256, "Units per recurrent layer.", low=1)
    embedding: int = setting(64, "Size of the character embedding.", low=1)
    dropout: float = setting(0.3, "Dropout between layers and before the output.", **FRACTION)
    tie_weights: bool = setting(False, "Share the embedding and output matrices "
                                "(needs embedding == hidden).")


@dataclass
class DataConfig:
    corpus: str = setting(DEFAULT_CORPUS, "Text file, directory, comma-separated list, .abc "
                          "file, or music21:NAME (see `charrnn corpus`).")
    val_fraction: float = setting(0.1, "Last fraction of the corpus held out for validation.",
                                  **FRACTION)
    batch_size: int = setting(32, "Parallel streams per batch.", low=1)
    seq_len: int = setting(100, "Characters per stream per step (truncated BPTT length).", low=1)
    encoding_errors: str = setting("strict", "Invalid UTF-8 in the corpus: stop (strict) or "
                                   "replace it with U+FFFD.", choices=("strict", "replace"))


@dataclass
class TrainConfig:
    optimizer: str = setting("adam", "torch optimizer.", choices=OPTIMIZERS)
    lr: float = setting(3e-3, "Peak learning rate.", **POSITIVE)
    momentum: float = setting(0.9, "SGD momentum.", **FRACTION)
    weight_decay: float = setting(0.0, "Weight decay.", low=0)
    schedule: str = setting(AUTO, "Learning-rate schedule. auto: with --max-time (and no "
                            "--max-steps), a cosine sized to end with it; else plateau: "
                            "lowered by --decay-rate whenever validation stalls.",
                            choices=SCHEDULES)
    warmup_steps: int = setting(50, "Linear warm-up steps before the schedule.", low=0)
    decay_every: int = setting(1000, "step schedule: decay the learning rate every N steps.", low=1)
    decay_rate: float = setting(0.5, "step and plateau schedules: multiply the learning rate "
                                "by this.", low=0, high=1, low_open=True)
    min_lr_ratio: float = setting(0.1, "cosine and plateau schedules: the lowest learning "
                                  "rate, as a fraction of --lr.", low=0, high=1)
    clip: float = setting(5.0, "Clip the global gradient norm to this (0: off).", low=0)
    max_steps: int = setting(AUTO, "Stop after N optimizer steps (0: no limit). auto: with "
                             "--max-time and a cosine, the steps a short probe of this "
                             "machine says fit in it; else no limit.", low=0, auto=True)
    max_epochs: int = setting(0, "Stop after N passes over the corpus (0: no limit).", low=0)
    max_time: str = setting("", "Stop after this much training time, like 90s, 3m or 1h "
                            "(none or 0: no limit).")
    eval_every: int = setting(AUTO, "Validate (and save last/best) every N steps. auto: twice "
                              f"a pass over the training text, at most every {EVAL_EVERY_MOST} "
                              "steps.", low=1, auto=True)
    eval_batches: int = setting(20, "Validation batches per evaluation (0: the whole split).",
                                low=0)
    patience: int = setting(4, "Stop after N evaluations without improvement, keeping the "
                            "best checkpoint (0: never).", low=0)
    save_every: int = setting(0, "Also keep a numbered checkpoint every N steps (0: never).", low=0)
    save_minutes: float = setting(0.0, "Also save the last checkpoint every M minutes (0: never).",
                                  low=0)
    keep: int = setting(3, "Numbered checkpoints kept on disk.", low=1)
    seed: int = setting(1337, "Random seed: the same seed gives the same run.", low=0, high=MAX_SEED)
    device: str = setting("auto", "auto picks CUDA, then MPS, then the CPU.", choices=DEVICES)
    threads: int = setting(AUTO, "CPU threads for torch. auto: time a few training steps on "
                           "1 thread and on more, up to the cores this process may use, keep "
                           "the fastest, and time them again if the step rate falls far below "
                           "(the count may change, and with it the last bits of the sums); "
                           "for sampling and scoring, 1 thread below 16 streams, else every "
                           "core. N: always N, so a run with --seed repeats bit for bit.",
                           low=1, auto=True)
    precision: str = setting("fp32", "Autocast precision: bf16 on CPUs and GPUs, fp16 on CUDA "
                             "only.", choices=PRECISIONS)
    sample_length: int = setting(0, "Print a sample this long when training ends (0: none).", low=0)
    sample_every: int = setting(0, "Every N steps, write a greedy sample and samples at a few "
                                "temperatures, all from one seed, to the run (see `charrnn "
                                "info RUN --samples`), and show the latest (0: never).", low=0)


@dataclass
class RunConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def to_dict(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, raw):
        config = cls()
        apply_overrides(config, flatten(raw))
        return config


def section_of(key):
    """The section ("model", "data" or "train") holding a key, or a UserError."""
    for section, f in config_fields():
        if f.name == key:
            return section
    raise UserError(f"unknown config key {key!r}; keys are: {', '.join(all_keys())}")


def all_keys():
    return [f.name for _, f in config_fields()]


def flatten(raw):
    """Accept both sectioned TOML ([model] hidden = 1) and flat keys (hidden = 1)."""
    flat = {}
    for key, value in raw.items():
        if isinstance(value, dict):
            if key not in {"model", "data", "train"}:
                raise UserError(f"unknown config section [{key}]; sections are [model], [data], [train]")
            for inner, inner_value in value.items():
                if section_of(inner) != key:
                    raise UserError(f"config key {inner!r} belongs in [{section_of(inner)}], not [{key}]")
                flat[inner] = inner_value
        else:
            flat[key] = value
    return flat


def apply_overrides(config, flat):
    """Set each key on its section, coercing ints to floats where a float is expected."""
    for key, value in flat.items():
        section = getattr(config, section_of(key))
        setattr(section, key, typed(key, value))
    return config


def typed(key, value):
    """value as the type key is declared with, or a UserError; "auto" where the key takes it."""
    field = field_of(key)
    if field.metadata["spec"].auto and value == AUTO:
        return value
    if field.type is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if type(value) is not field.type:
        also = ' or "auto"' if field.metadata["spec"].auto else ""
        raise UserError(f"config key {key!r} must be {field.type.__name__}{also}, got {value!r}")
    return value


def load_toml(path):
    """A TOML file as a dict: a path, or a preset as `charrnn.run.presets` finds it."""
    path = Path(path) if isinstance(path, str) else path
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UserError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise UserError(f"config path is a directory: {path}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise UserError(f"config {path} is not valid TOML: {error}") from None


def resolve(config_path=None, overrides=None):
    """Defaults, then the TOML preset, then flags; validated."""
    config = RunConfig()
    if config_path:
        apply_overrides(config, flatten(load_toml(config_path)))
    apply_overrides(config, overrides or {})
    validate(config)
    return config


def to_toml(config):
    """The resolved config as TOML, readable back by --config. (Values are scalars only.)"""
    lines = []
    for section, values in config.to_dict().items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            lines.append(f"{key} = {toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def toml_value(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def parse_duration(text):
    """'90', '90s', '3m', '1.5h' -> seconds; '', 'none' or '0' -> None (no limit)."""
    if not text or text.strip().lower() in ("none", "0", "0s", "0m", "0h"):
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match:
        raise UserError(f"cannot read time {text!r}; use a number with s, m or h, like 90s or 3m")
    scale = {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]
    return float(match.group(1)) * scale


def config_fields():
    """(section name, dataclass field) for every config key, in declaration order."""
    return [(section.name, f) for section in dataclasses.fields(RunConfig)
            for f in dataclasses.fields(section.type)]


def field_of(key):
    """The dataclass field (type, default, Spec) a config key is declared with."""
    return next(f for _, f in config_fields() if f.name == key)


def validate(config):
    """Every key against its Spec, then the rules that tie keys together."""
    for section, f in config_fields():
        problem = f.metadata["spec"].problem(getattr(getattr(config, section), f.name))
        if problem:
            raise UserError(f"{f.name} {problem}")
    m, t = config.model, config.train
    parse_duration(t.max_time)
    if m.tie_weights and m.embedding != m.hidden:
        raise UserError("tie_weights needs embedding == hidden "
                        f"(got embedding {m.embedding}, hidden {m.hidden})")
    check_threads(t.threads, t.device)
    if t.schedule == "cosine" and not has_length(t):
        raise UserError("the cosine schedule needs --max-steps, --max-epochs or --max-time to "
                        "know its length")


def check_threads(threads, device):
    """--threads N sets torch's CPU threads: with --device cuda or mps the model runs
    elsewhere, and N would say nothing (auto leaves the count to torch there)."""
    if threads not in (AUTO, None) and device in ("cuda", "mps"):
        raise UserError(f"--threads {threads} sets CPU threads, but --device {device} runs the "
                        "model on the GPU; leave --threads out (auto)")


def has_length(train):
    """Whether a run's length is known before it starts: a step or epoch limit, or a time
    limit that a probe turns into steps (max_steps auto)."""
    steps = train.max_steps
    return bool(steps if steps != AUTO else parse_duration(train.max_time)) or bool(train.max_epochs)
