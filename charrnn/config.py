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
SCHEDULES = ("constant", "step", "cosine")
DEVICES = ("auto", "cpu", "cuda", "mps")
PRECISIONS = ("fp32", "bf16", "fp16")
DEFAULT_CORPUS = "music21:oneills1850"


@dataclass
class ModelConfig:
    model: str = "lstm"
    nonlinearity: str = "tanh"  # vanilla rnn only
    layers: int = 2
    hidden: int = 256
    embedding: int = 64
    dropout: float = 0.0
    tie_weights: bool = False  # share embedding and output weights (needs embedding == hidden)


@dataclass
class DataConfig:
    corpus: str = DEFAULT_CORPUS
    val_fraction: float = 0.1
    batch_size: int = 32
    seq_len: int = 64
    encoding_errors: str = "strict"  # or "replace": bad UTF-8 bytes become U+FFFD


@dataclass
class TrainConfig:
    optimizer: str = "adam"
    lr: float = 2e-3
    momentum: float = 0.9
    weight_decay: float = 0.0
    schedule: str = "constant"
    warmup_steps: int = 0
    decay_every: int = 1000  # step schedule: multiply lr by decay_rate every N steps
    decay_rate: float = 0.5
    min_lr_ratio: float = 0.1  # cosine: final lr as a fraction of --lr
    clip: float = 5.0  # global gradient norm; 0 turns clipping off
    max_steps: int = 5000  # 0: no step limit
    max_epochs: int = 0  # 0: no epoch limit
    max_time: str = ""  # wall-clock budget such as "90s", "3m", "1h"; empty or 0: none
    eval_every: int = 200
    eval_batches: int = 0  # 0: the whole validation split
    patience: int = 0  # evaluations without improvement before stopping; 0: never
    save_every: int = 0  # also keep a numbered checkpoint every N steps; 0: never
    save_minutes: float = 0.0  # and/or every M minutes; 0: never
    keep: int = 3  # numbered checkpoints kept on disk
    seed: int = 1337
    device: str = "auto"
    precision: str = "fp32"
    sample_length: int = 0  # print a sample of this many characters when training ends


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
    for section in dataclasses.fields(RunConfig):
        if key in {f.name for f in dataclasses.fields(section.type)}:
            return section.name
    raise UserError(f"unknown config key {key!r}; keys are: {', '.join(all_keys())}")


def all_keys():
    return [f.name for s in dataclasses.fields(RunConfig) for f in dataclasses.fields(s.type)]


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
        expected = type(getattr(section, key))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not expected:
            raise UserError(f"config key {key!r} must be {expected.__name__}, got {value!r}")
        setattr(section, key, value)
    return config


def load_toml(path):
    """A TOML file as a dict: a path, or a preset as `charrnn.presets` finds it."""
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
    """'90', '90s', '3m', '1.5h' -> seconds; '' or '0' -> None (no limit)."""
    if not text or text.strip() in ("0", "0s", "0m", "0h"):
        return None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*", text)
    if not match:
        raise UserError(f"cannot read time {text!r}; use a number with s, m or h, like 90s or 3m")
    scale = {"": 1, "s": 1, "m": 60, "h": 3600}[match.group(2)]
    return float(match.group(1)) * scale


def validate(config):
    m, d, t = config.model, config.data, config.train
    choose("model", m.model, MODEL_KINDS)
    choose("nonlinearity", m.nonlinearity, ("tanh", "relu"))
    choose("optimizer", t.optimizer, OPTIMIZERS)
    choose("schedule", t.schedule, SCHEDULES)
    choose("device", t.device, DEVICES)
    choose("precision", t.precision, PRECISIONS)
    choose("encoding_errors", d.encoding_errors, ("strict", "replace"))
    for name in ("layers", "hidden", "embedding", "batch_size", "seq_len", "eval_every", "keep"):
        section = m if hasattr(m, name) else d if hasattr(d, name) else t
        positive(name, getattr(section, name))
    for name in ("max_steps", "max_epochs", "eval_batches", "patience", "save_every",
                 "warmup_steps", "sample_length"):
        non_negative(name, getattr(t, name))
    positive("lr", t.lr)
    positive("decay_every", t.decay_every)
    non_negative("clip", t.clip)
    non_negative("save_minutes", t.save_minutes)
    non_negative("weight_decay", t.weight_decay)
    in_range("dropout", m.dropout, 0.0, 1.0, high_open=True)
    in_range("val_fraction", d.val_fraction, 0.0, 1.0, high_open=True)
    in_range("decay_rate", t.decay_rate, 0.0, 1.0, low_open=True)
    in_range("min_lr_ratio", t.min_lr_ratio, 0.0, 1.0)
    in_range("momentum", t.momentum, 0.0, 1.0, high_open=True)
    parse_duration(t.max_time)
    if m.tie_weights and m.embedding != m.hidden:
        raise UserError("tie_weights needs embedding == hidden "
                        f"(got embedding {m.embedding}, hidden {m.hidden})")
    if t.schedule == "cosine" and not (t.max_steps or t.max_epochs):
        raise UserError("the cosine schedule needs --max-steps or --max-epochs to know its length")


def choose(name, value, choices):
    if value not in choices:
        raise UserError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


def positive(name, value):
    if not (value > 0) or math.isinf(value):
        raise UserError(f"{name} must be positive; got {value}")


def non_negative(name, value):
    if not (value >= 0) or math.isinf(value):
        raise UserError(f"{name} must be zero or more; got {value}")


def in_range(name, value, low, high, low_open=False, high_open=False):
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below):
        brackets = ("(" if low_open else "[") + f"{low}, {high}" + (")" if high_open else "]")
        raise UserError(f"{name} must be in {brackets}; got {value}")
