"""Running training in one process, or in several under torchrun with DistributedDataParallel.

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; each rank then takes its own share of the
batch streams, gradients are averaged by DDP, and rank 0 alone writes checkpoints and logs.
"""

import os


def world():
    """(rank, local_rank, world_size) from torchrun's environment; (0, 0, 1) otherwise."""
    return (int(os.environ.get("RANK", 0)), int(os.environ.get("LOCAL_RANK", 0)),
            int(os.environ.get("WORLD_SIZE", 1)))


def train(config, run_dir, resume_payload, progress):
    """Train and return the Outcome (None on ranks other than 0)."""
    from charrnn.training import Trainer

    rank, _, size = world()
    if size == 1:
        return Trainer(config, run_dir, resume_payload, progress).run()
    raise NotImplementedError("multi-process training")
