"""Samples as a run trains (--sample-every): at evenly spaced steps, a short greedy sample
and random ones at a few temperatures, every one from the same seed, so that from one
step to the next only the model changes. The evolving samples of Karpathy's "The
Unreasonable Effectiveness of Recurrent Neural Networks" (2015) and the greedy and
temperature rows of Karpathy, Johnson and Fei-Fei, "Visualizing and Understanding
Recurrent Networks" (2015, arXiv:1506.02078).

Sampling uses its own seeded generator and an evaluation-mode model (no dropout), so a
run's own random numbers, and with them exact resume, are untouched.
"""

from charrnn.data.corpus import sample_prime

TEMPERATURES = (0.0, 0.5, 1.0, 2.0)  # 0: greedy
LENGTH = 200  # characters per sample


def record(model, vocab, config, progress):
    """The samples of a run at `progress`, primed from its corpus, as the run directory
    keeps them: {"step", "epoch", "prime", "samples": draw(...)}."""
    prime = sample_prime(config.data.corpus)
    return {"step": progress.step, "epoch": progress.epoch, "prime": prime,
            "samples": draw(model, vocab, prime, config.train.seed)}


def draw(model, vocab, prime, seed):
    """[{"temperature": T, "text": ...}] for each of TEMPERATURES; the model is left in
    the mode (training or evaluation) it was in."""
    from charrnn.sample.sampling import SampleSettings, generate

    was_training = model.training
    try:
        return [{"temperature": t,
                 "text": generate(model, vocab, SampleSettings(length=LENGTH, temperature=t, seed=seed,
                                                               prime=prime, unknown="skip"))[0]}
                for t in TEMPERATURES]
    finally:
        model.train(was_training)


def label(temperature):
    return "greedy" if temperature == 0 else f"T={temperature:g}"
