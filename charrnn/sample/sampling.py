"""Sampling text from a trained model, one character at a time.

The prime runs through the model in one call; after that the recurrent state is carried
step to step (the context is never re-run), with the fast `Stepper` for the fused kinds.
Several samples are generated together as one batch; a seeded generator makes them repeatable.
"""

from dataclasses import dataclass

import torch

from charrnn.model import threads
from charrnn.errors import UserError
from charrnn.sample.stepper import Stepper



@dataclass
class SampleSettings:
    length: int = 500
    temperature: float = 1.0  # 0: greedy
    top_k: int = 0  # 0: off
    top_p: float = 1.0  # 1: off
    seed: int | None = None
    num_samples: int = 1
    stop: str = ""  # a sample ends where this appears (it is not printed)
    prime: str = ""
    unknown: str = "error"  # prime characters outside the vocabulary: "error" or "skip"
    threads: int | str = "auto"  # CPU threads, as --threads (charrnn.model.threads.inference)


def pick_next(logits, temperature, top_k=0, top_p=1.0, generator=None):
    """Next token per row of logits (batch, vocab): greedy at temperature 0, else a draw
    from the softmax at that temperature, optionally cut to the top k or the nucleus p
    (Holtzman et al. 2019, arXiv:1904.09751)."""
    noise = None
    if temperature:
        noise = torch.empty(logits.shape, device=logits.device).exponential_(generator=generator)
    return race_scores(logits, temperature, top_k, top_p, noise).argmax(-1)


def race_noise(generators, size, device):
    """One row of Exp(1) noise per generator, for `race_scores`: a row's draws then do not
    depend on how many rows are drawn beside it."""
    return torch.stack([torch.empty(size, device=device).exponential_(generator=g)
                        for g in generators])


def race_scores(logits, temperature, top_k, top_p, noise):
    """Each row's scores in the exponential race: argmax p_i / E_i with E_i ~ Exp(1) is a
    draw from p (the Gumbel-max trick in another form, about 3x cheaper per step than
    torch.multinomial), and the highest among any subset of tokens is a draw from the
    distribution cut to that subset. At temperature 0 (no noise) the logits: greedy."""
    if temperature == 0:
        return logits.float()
    return distribution(logits, temperature, top_k, top_p) / noise


def distribution(logits, temperature, top_k=0, top_p=1.0):
    """The softmax at `temperature`, cut to the top k and the nucleus p; logits set to
    -inf beforehand (a constraint's) stay at probability zero."""
    logits = logits.float() / temperature
    if top_k and top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        logits = nucleus(logits, top_p)
    return torch.softmax(logits, dim=-1)


def nucleus(logits, top_p):
    """Keep the smallest set of most likely tokens whose probability reaches top_p."""
    sorted_logits, order = torch.sort(logits, descending=True, dim=-1)
    cumulative = torch.softmax(sorted_logits, dim=-1).cumsum(-1)
    # Drop a token when the tokens before it already reach top_p; the first always stays.
    drop = (cumulative - torch.softmax(sorted_logits, dim=-1)) >= top_p
    sorted_logits = sorted_logits.masked_fill(drop, float("-inf"))
    return torch.full_like(logits, float("-inf")).scatter(-1, order, sorted_logits)


def clean_prime(vocab, prime, unknown="error"):
    """The prime with characters outside the vocabulary skipped, or a UserError naming them."""
    missing = vocab.unknown(prime)
    if missing and unknown != "skip":
        from charrnn.data.vocab import describe

        raise UserError(f"the prime has characters the model never saw: {describe(missing)}; "
                        "remove them or pass --unknown skip")
    return vocab.without_unknown(prime)


def start_ids(vocab, prime):
    """The ids the model reads before generating. With no prime, start as a document
    starts: after a newline where the corpus has one."""
    return vocab.encode(prime) if prime else [vocab.index.get("\n", 0)]


@dataclass
class Sample:
    text: str  # without the prime and without the stop string
    stopped: bool  # True when the stop string ended it, False when the length ran out


def generate(model, vocab, settings, on_text=None):
    """Generate settings.num_samples texts; on_text(i, piece) streams each sample's new text.
    Returns the texts (without the prime, without the stop string)."""
    return [s.text for s in generate_samples(model, vocab, settings, on_text)]


@torch.inference_mode()
def generate_samples(model, vocab, settings, on_text=None):
    """As generate, returning Samples that also say whether the stop string ended them."""
    model.eval()
    device = next(model.parameters()).device
    with threads.inference(settings.threads, device, settings.num_samples):
        return run_samples(model, vocab, settings, device, on_text)


def run_samples(model, vocab, settings, device, on_text):
    generator = torch.Generator(device=device)
    generator.manual_seed(settings.seed if settings.seed is not None else torch.seed())
    ids = start_ids(vocab, clean_prime(vocab, settings.prime, settings.unknown))
    tokens = torch.tensor([ids] * settings.num_samples, device=device)
    logits, state = model(tokens, None)
    logits = logits[:, -1]
    stepper = Stepper(model)
    stops = [StopFilter(settings.stop) for _ in range(settings.num_samples)]
    for _ in range(settings.length):
        nxt = pick_next(logits, settings.temperature, settings.top_k, settings.top_p, generator)
        emit_step(vocab, nxt.tolist(), stops, on_text)
        if all(s.done for s in stops):
            break
        logits, state = stepper.step(nxt, state)
    return [Sample(s.finish(on_text, i), s.done) for i, s in enumerate(stops)]


def emit_step(vocab, next_ids, stops, on_text):
    for i, (token, stop) in enumerate(zip(next_ids, stops)):
        if not stop.done:
            piece = stop.feed(vocab.chars[token])
            if piece and on_text:
                on_text(i, piece)


class StopFilter:
    """Holds back text that might be the start of the stop string, so a streamed sample
    never shows part of it."""

    def __init__(self, stop):
        self.stop, self.pending, self.text, self.done = stop, "", [], False

    def feed(self, ch):
        if not self.stop:
            self.text.append(ch)
            return ch
        self.pending += ch
        if self.pending.endswith(self.stop):
            self.pending, self.done = self.pending[: -len(self.stop)], True
            return self.release(len(self.pending))
        keep = longest_prefix_suffix(self.pending, self.stop)
        return self.release(len(self.pending) - keep)

    def release(self, count):
        out, self.pending = self.pending[:count], self.pending[count:]
        self.text.append(out)
        return out

    def finish(self, on_text, index):
        """The whole sample; flushes held-back text when the sample ended without the stop."""
        if self.pending:
            tail = self.release(len(self.pending))
            if on_text:
                on_text(index, tail)
        return "".join(self.text)


def longest_prefix_suffix(text, stop):
    """Length of the longest end of text that is a beginning of stop."""
    for size in range(min(len(text), len(stop) - 1), 0, -1):
        if stop.startswith(text[-size:]):
            return size
    return 0
