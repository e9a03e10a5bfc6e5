"""Scoring a model on text: loss in nats, bits per character, perplexity, accuracy."""

import math

import torch
import torch.nn.functional as F

from charrnn.data.batches import validation_stream
from charrnn.model.device import resolve_device
from charrnn.errors import UserError
from charrnn.data.vocab import describe


@torch.no_grad()
def evaluate(model, stream, device, max_batches=0):
    """Mean next-character loss over a BatchStream, the hidden state carried across windows."""
    was_training = model.training
    model.eval()
    state, total_loss, correct, count = None, 0.0, 0, 0
    for index, (inputs, targets) in enumerate(stream):
        if max_batches and index >= max_batches:
            break
        inputs, targets = inputs.to(device), targets.to(device)
        logits, state = model(inputs, state)
        logits = logits.float().flatten(0, 1)
        total_loss += F.cross_entropy(logits, targets.flatten(), reduction="sum").item()
        correct += (logits.argmax(-1) == targets.flatten()).sum().item()
        count += targets.numel()
    model.train(was_training)
    return scores(total_loss / count, correct / count, count)


def scores(loss, accuracy, chars):
    return {"loss": loss, "bpc": loss / math.log(2), "perplexity": math.exp(min(loss, 700)),
            "accuracy": accuracy, "chars": chars}


def encode_text(vocab, text, unknown, source):
    """Token ids of text and how many characters were skipped; unknown ones named."""
    missing = vocab.unknown(text)
    if missing and unknown == "error":
        shown = describe(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        raise UserError(f"{source} has characters the model's vocabulary lacks: {shown}; "
                        "pass --unknown skip to leave them out")
    kept = vocab.without_unknown(text) if missing else text
    if len(kept) < 2:
        raise UserError(f"{source} is too short to score: it needs at least 2 known characters")
    return vocab.encode(kept), len(text) - len(kept)


def score_ids(model, ids, batch_size, seq_len, device, max_batches):
    """evaluate over the text laid out as validation streams."""
    if batch_size < 1 or seq_len < 1 or max_batches < 0:
        raise UserError("--batch-size and --seq-len must be at least 1, --max-batches 0 or more")
    stream = validation_stream(torch.tensor(ids, dtype=torch.long), batch_size, seq_len)
    return evaluate(model, stream, resolve_device(device), max_batches)
