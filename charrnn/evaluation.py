"""Scoring a model on text: loss in nats, bits per character, perplexity, accuracy."""

import math

import torch
import torch.nn.functional as F


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
