"""The palindrome experiment: how far back can each kind of recurrent network remember?

A random palindrome of L digits is read one digit at a time, and the network must predict
the last digit from the first L - 1. The last digit equals the first and no other digit
tells what it is, so the answer lies L - 1 steps back. A vanilla RNN, whose gradient
vanishes geometrically with distance (Bengio, Simard & Frasconi 1994), learns this only for
short L; gated cells (LSTM, Hochreiter & Schmidhuber 1997; GRU, Cho et al. 2014) keep it
much further, once their gates start out keeping the state (Settings.forget_bias). The
task is the palindrome problem of the University of Amsterdam deep-learning course's
RNN assignment (assignment 2).

Each (model, length) pair is a fresh model trained with Adam on a stream of random
palindromes, the loss on the final digit only, until its validation accuracy reaches
`target` or `steps` run out, then scored on palindromes it never saw. All randomness comes
from seeded generators, so a run gives the same table every time.
"""

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from charrnn.experiments.gradients import set_forget_bias

DIGITS = 10
CHANCE = 1.0 / DIGITS


@dataclass
class Settings:
    hidden: int = 64
    embedding: int = 10
    batch_size: int = 128
    steps: int = 1500  # most optimizer steps per (model, length)
    lr: float = 5e-3
    clip: float = 1.0  # global gradient norm; a vanilla RNN's gradient can explode
    eval_every: int = 100
    eval_size: int = 1000
    target: float = 0.995  # stop a pair early once validation accuracy reaches this
    # Bias of the LSTM forget and GRU update gates (charrnn.experiments.gradients.set_forget_bias);
    # None keeps torch's init, where they start near 1/2 and the first digit fades as
    # 2^-L. sigmoid(2) = 0.88 keeps a memory of about 1 / (1 - 0.88) = 8 steps from the
    # start; chrono initialisation (Tallec & Ollivier 2018, arXiv:1804.11188) draws
    # log(U(1, T - 1)) for dependencies up to T steps, around 2 to 4 for these lengths.
    forget_bias: float | None = 2.0
    seed: int = 0


DEFAULT_LENGTHS = (5, 10, 20, 30, 40, 50)
QUICK_LENGTHS = (5, 10, 20, 30)
QUICK = dict(steps=600)


@dataclass
class Result:
    model: str
    length: int
    accuracy: float  # on fresh test palindromes
    steps: int  # optimizer steps taken
    seconds: float


def palindromes(count, length, generator=None):
    """(count, length) random digit palindromes: a random first half, then its mirror."""
    if length < 2:
        raise ValueError(f"a palindrome for this task needs length >= 2; got {length}")
    half = torch.randint(0, DIGITS, (count, (length + 1) // 2), generator=generator)
    return torch.cat([half, half[:, : length // 2].flip(1)], dim=1)


def split(sequences):
    """Inputs (the first L - 1 digits) and the target (the last digit)."""
    return sequences[:, :-1], sequences[:, -1]


def build_model(kind, settings):
    from charrnn.run.config import ModelConfig
    from charrnn.model.model import CharRNN

    config = ModelConfig(model=kind, layers=1, hidden=settings.hidden,
                         embedding=settings.embedding, dropout=0.0)
    model = CharRNN(DIGITS, config)
    if settings.forget_bias is not None:
        set_forget_bias(model, settings.forget_bias)
    return model


def last_logits(model, inputs):
    logits, _ = model(inputs)
    return logits[:, -1]


@torch.no_grad()
def accuracy(model, sequences):
    inputs, targets = split(sequences)
    model.eval()
    right = (last_logits(model, inputs).argmax(-1) == targets).float().mean().item()
    model.train()
    return right


def generators(seed, length):
    """Train, validation and test generators for one length: every model kind sees the
    same palindromes, and the three sets never share a stream."""
    return [torch.Generator().manual_seed(seed * 1_000_003 + length * 101 + part)
            for part in range(3)]


def train_one(kind, length, settings):
    """Train a fresh model of `kind` on palindromes of `length`; its test accuracy."""
    started = time.monotonic()
    train_gen, val_gen, test_gen = generators(settings.seed, length)
    torch.manual_seed(settings.seed)
    model = build_model(kind, settings)
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    validation = palindromes(settings.eval_size, length, val_gen)
    step = 0
    while step < settings.steps:
        train_step(model, optimizer, palindromes(settings.batch_size, length, train_gen),
                   settings.clip)
        step += 1
        if step % settings.eval_every == 0 and accuracy(model, validation) >= settings.target:
            break
    score = accuracy(model, palindromes(settings.eval_size, length, test_gen))
    return Result(kind, length, score, step, time.monotonic() - started)


def train_step(model, optimizer, sequences, clip):
    inputs, targets = split(sequences)
    loss = F.cross_entropy(last_logits(model, inputs), targets)
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return loss.item()


def measured_threads(kinds, lengths, settings):
    """`--threads auto`: time a few training steps of the longest task on each thread count
    (charrnn.model.threads.Trial), on a model thrown away after; the Trial, its best kept."""
    from charrnn.model import threads

    trial = threads.Trial(threads.candidates())
    with torch.random.fork_rng():  # the experiment's own draws stay as they were
        model = build_model(kinds[0], settings)
        optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
        batch = palindromes(settings.batch_size, max(lengths), torch.Generator().manual_seed(0))
        train_step(model, optimizer, batch, settings.clip)  # kernels and buffers set up
        while trial.count is not None:
            threads.use(trial.count)
            started = time.monotonic()
            train_step(model, optimizer, batch, settings.clip)
            trial.add(time.monotonic() - started)
    threads.use(trial.best())
    return trial


def run(kinds, lengths, settings, on_result=None):
    """Every kind at every length; {kind: [Result per length]}. on_result(result) is
    called as each pair finishes, for progress output."""
    table = {kind: [] for kind in kinds}
    for length in lengths:
        for kind in kinds:
            result = train_one(kind, length, settings)
            table[kind].append(result)
            if on_result:
                on_result(result)
    return table
