"""Click options made from the config dataclasses, so every config key is also a flag."""

import dataclasses

import click

from charrnn import config as cfg

CHOICES = {
    "model": cfg.MODEL_KINDS, "nonlinearity": ("tanh", "relu"), "optimizer": cfg.OPTIMIZERS,
    "schedule": cfg.SCHEDULES, "device": cfg.DEVICES, "precision": cfg.PRECISIONS,
    "encoding_errors": ("strict", "replace"),
}

HELP = {
    "model": "Recurrent cell: torch's fused lstm, gru, rnn, or the peephole / phased LSTM.",
    "nonlinearity": "Activation of the vanilla rnn.",
    "layers": "Stacked recurrent layers.",
    "hidden": "Units per recurrent layer.",
    "embedding": "Size of the character embedding.",
    "dropout": "Dropout between layers and before the output.",
    "tie_weights": "Share the embedding and output matrices (needs embedding == hidden).",
    "corpus": "Text file, directory, comma-separated list, .abc file, or music21:NAME "
              "(see `charrnn corpus`).",
    "val_fraction": "Last fraction of the corpus held out for validation.",
    "batch_size": "Parallel streams per batch.",
    "seq_len": "Characters per stream per step (truncated BPTT length).",
    "encoding_errors": "Invalid UTF-8 in the corpus: stop (strict) or replace with U+FFFD.",
    "optimizer": "torch optimizer.",
    "lr": "Peak learning rate.",
    "momentum": "SGD momentum.",
    "weight_decay": "Weight decay.",
    "schedule": "Learning-rate schedule.",
    "warmup_steps": "Linear warm-up steps before the schedule.",
    "decay_every": "step schedule: decay the learning rate every N steps.",
    "decay_rate": "step schedule: multiply the learning rate by this.",
    "min_lr_ratio": "cosine schedule: final learning rate as a fraction of --lr.",
    "clip": "Clip the global gradient norm to this (0: off).",
    "max_steps": "Stop after N optimizer steps (0: no limit).",
    "max_epochs": "Stop after N passes over the corpus (0: no limit).",
    "max_time": "Stop after this much training time, like 90s, 3m or 1h.",
    "eval_every": "Validate (and save last/best) every N steps.",
    "eval_batches": "Validation batches per evaluation (0: the whole split).",
    "patience": "Stop after N evaluations without improvement (0: never).",
    "save_every": "Also keep a numbered checkpoint every N steps (0: never).",
    "save_minutes": "Also save the last checkpoint every M minutes (0: never).",
    "keep": "Numbered checkpoints kept on disk.",
    "seed": "Random seed: the same seed gives the same run.",
    "device": "auto picks CUDA, then MPS, then the CPU.",
    "precision": "Autocast precision: bf16 on CPUs and GPUs, fp16 on CUDA only.",
    "sample_length": "Print a sample this long when training ends (0: none).",
}


def config_options(command):
    """Decorate a command with one option per config key (default None: not given)."""
    defaults = cfg.RunConfig().to_dict()
    for section in reversed(dataclasses.fields(cfg.RunConfig)):
        for field in reversed(dataclasses.fields(section.type)):
            command = option_for(field, defaults[section.name][field.name])(command)
    return command


def option_for(field, default):
    flag = "--" + field.name.replace("_", "-")
    shown = f" [default: {default}]" if default not in ("", None) else ""
    help_text = HELP[field.name] + shown
    if field.type is bool:
        return click.option(f"{flag}/--no-{flag[2:]}", field.name, default=None, help=help_text)
    if field.name in CHOICES:
        return click.option(flag, field.name, type=click.Choice(CHOICES[field.name]),
                            default=None, help=help_text)
    metavar = {int: "N", float: "X", str: "TEXT"}[field.type]
    return click.option(flag, field.name, type=field.type, default=None, help=help_text,
                        metavar=metavar)


def given(flags):
    """The config flags the user actually gave."""
    return {key: value for key, value in flags.items() if value is not None}
