"""Beam search over characters: the most likely continuation a beam of W hypotheses finds.

At each step every live hypothesis is extended by every character, the extensions are
scored by their summed log-probability, and the W best are kept; one that completes the
stop string is finished and leaves the beam, which narrows. The live hypotheses are the rows
of one batch that the fast Stepper advances, each row's recurrent state reordered to follow
its hypothesis. The result is the finished or final hypothesis with the highest mean
log-probability per character, so a text that stops early is not favoured for being short.
(Asked for in karpathy/char-rnn#138 and jcjohnson/torch-rnn#113.)

Beam search is not monotone in its width: a wider beam can prune the path a narrower one
keeps. So the greedy continuation (a beam of 1) is searched too and returned when it scores
higher: a beam never finds less than greedy decoding does.
"""

from dataclasses import dataclass

import torch

from charrnn.model.model import map_state
from charrnn.model import threads
from charrnn.sample.sampling import clean_prime, start_ids
from charrnn.sample.stepper import Stepper


@dataclass
class Found:
    """A continuation and its score under the model."""

    text: str  # without the prime and without the stop string
    log_prob: float  # summed natural-log probability of its characters, the stop string's too
    length: int  # characters scored, the stop string's included
    stopped: bool  # the stop string ended it (else the length ran out)

    @property
    def score(self):
        """Mean log-probability per character: the length-normalised score beams compete on."""
        return self.log_prob / self.length


@dataclass
class Beam:
    """The live hypotheses, one per row: their characters so far, their summed
    log-probabilities, and the end of each text that could begin the stop string."""

    ids: torch.Tensor  # (rows, steps)
    log_probs: torch.Tensor  # (rows,) float64
    tails: list


def search(model, vocab, width, length, prime="", stop="", cpu_threads="auto"):
    """The best continuation of `prime`, at most `length` characters, that a beam of `width`
    finds (or greedy decoding, where it scores higher); it ends early at `stop`.
    `cpu_threads`: as --threads (charrnn.model.threads.inference)."""
    model.eval()
    device = next(model.parameters()).device
    with torch.inference_mode():
        # The greedy run under the threads a beam of 1 gets, so it is bit for bit `--beam 1`.
        with threads.inference(cpu_threads, device, 1):
            greedy = run_beam(model, vocab, 1, length, prime, stop)
        if width == 1:
            return greedy
        with threads.inference(cpu_threads, device, width):
            found = run_beam(model, vocab, width, length, prime, stop)
    return greedy if greedy.score > found.score else found


def run_beam(model, vocab, width, length, prime, stop):
    """One beam search of `width`: the best Found among those it finishes and ends with."""
    device = next(model.parameters()).device
    tokens = torch.tensor([start_ids(vocab, clean_prime(vocab, prime))], device=device)
    logits, state = model(tokens, None)
    logits, stepper, done = logits[:, -1], Stepper(model), []
    beam = Beam(tokens.new_zeros(1, 0), torch.zeros(1, dtype=torch.float64, device=device), [""])
    for step in range(length):
        parents, chars, totals = best_extensions(logits, beam.log_probs, width)
        beam, kept, finished = extend(beam, parents, chars, totals, vocab, stop)
        done += finished
        if not kept.rows.numel():  # every hypothesis ended at the stop string
            break
        if step + 1 < length:
            logits, state = stepper.step(chars[kept.rows], select_rows(state, kept.parents))
    done += [finish(vocab, ids, total, False, stop)
             for ids, total in zip(beam.ids.tolist(), beam.log_probs.tolist())]
    return max(done, key=lambda f: f.score)


def best_extensions(logits, log_probs, width):
    """(row, character, summed log-probability) of the `width` best one-character extensions
    of the rows, best first."""
    per_row = min(width, logits.shape[-1])
    # Each row's characters ranked by their logits, ties to the lower id as argmax breaks
    # them, so a beam of 1 takes exactly the character greedy decoding takes.
    top = torch.sort(logits, dim=-1, descending=True, stable=True).indices[:, :per_row]
    step = torch.log_softmax(logits.double(), dim=-1).gather(1, top)
    totals = (log_probs[:, None] + step).flatten()
    order = torch.sort(totals, descending=True, stable=True).indices[:width]
    return order // per_row, top.flatten()[order], totals[order]


@dataclass
class Kept:
    rows: torch.Tensor  # the extensions that stay in the beam
    parents: torch.Tensor  # the row of the old beam each of those extends


def extend(beam, parents, chars, totals, vocab, stop):
    """The new beam, which extensions it kept, and a Found for each that ended at `stop`."""
    ids = torch.cat([beam.ids[parents], chars[:, None]], 1)
    pairs = zip(parents.tolist(), chars.tolist())
    texts = [beam.tails[p] + vocab.chars[c] for p, c in pairs] if stop else [""] * len(chars)
    ends = [bool(stop) and text.endswith(stop) for text in texts]
    finished = [finish(vocab, ids[i].tolist(), totals[i].item(), True, stop)
                for i, end in enumerate(ends) if end]
    kept = [i for i, end in enumerate(ends) if not end]
    tails = [texts[i][-(len(stop) - 1):] if len(stop) > 1 else "" for i in kept]
    kept = torch.tensor(kept, dtype=torch.long, device=ids.device)
    return Beam(ids[kept], totals[kept], tails), Kept(kept, parents[kept]), finished


def finish(vocab, ids, log_prob, stopped, stop):
    """A Found for a hypothesis of these ids; the stop string is scored but not shown."""
    text = vocab.decode(ids)
    return Found(text[: len(text) - len(stop)] if stopped else text, log_prob, len(ids), stopped)


def select_rows(state, rows):
    """The recurrent state of the given rows, in that order (every state is (layers, B, .))."""
    return map_state(state, lambda part: part.index_select(1, rows))
