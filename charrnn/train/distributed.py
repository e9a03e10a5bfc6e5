"""Running training in one process, or in several under torchrun with DistributedDataParallel.

torchrun sets RANK, LOCAL_RANK and WORLD_SIZE; each rank then takes its own share of the
batch streams, gradients are averaged by DDP, and rank 0 alone writes checkpoints and logs.

Every decision that shapes or ends a run must come out the same on every rank, or some rank
waits forever in a collective the others never join. So:
- the training loss is averaged over ranks before the finite check: all skip a bad step;
- validation runs on rank 0 alone and its scores are broadcast: best and patience agree
  (evaluating everywhere could differ in the last bit between unlike GPUs);
- the stop reason (Ctrl-C or SIGTERM on any rank, --max-time on any rank's clock) and
  time-based saves are agreed by an all-reduce at each step, and a run's length sized to
  --max-time (charrnn.train.sizing) is rank 0's, broadcast;
- a checkpoint gathers every rank's rows of the carried hidden state, and every rank's RNG
  state, so a resumed run (with any number of processes) continues the same streams.
"""

import os
from datetime import timedelta

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from charrnn.model.device import resolve_device
from charrnn.errors import UserError
from charrnn.model.model import map_state
from charrnn.train.training import Trainer

# Ranks other than 0 wait in a broadcast while rank 0 validates alone: a long validation
# must not trip the collective timeout (NCCL's default is 10 minutes).
TIMEOUT = timedelta(minutes=30)

# Stop reasons in rising precedence: when ranks differ, the all-reduced maximum wins.
REASONS = (None, "max_steps", "max_epochs", "patience", "max_time", "interrupted")


def world():
    """(rank, local_rank, world_size) from torchrun's environment; (0, 0, 1) otherwise."""
    return (int(os.environ.get("RANK", 0)), int(os.environ.get("LOCAL_RANK", 0)),
            int(os.environ.get("WORLD_SIZE", 1)))


def train(config, run_dir, resume_payload=None, reporter=None):
    """Train and return the Outcome (None on ranks other than 0, which report nothing)."""
    rank, local_rank, size = world()
    if size == 1:
        return Trainer(config, run_dir, resume_payload, reporter).run()
    join(config, local_rank)
    try:
        outcome = DistributedTrainer(config, run_dir, resume_payload, reporter if rank == 0 else None,
                                     rank, size).run()
    finally:
        dist.destroy_process_group()
    return outcome if rank == 0 else None


def join(config, local_rank):
    """Join the process group torchrun set up (env://): NCCL between GPUs, one GPU per
    process picked by LOCAL_RANK; gloo between CPU processes."""
    device = resolve_device(config.train.device)
    if device.type == "mps":
        raise UserError("multi-process training runs on CUDA GPUs or CPUs, not MPS; "
                        "pass --device cpu")
    if device.type == "cuda":
        count = torch.cuda.device_count()
        if local_rank >= count:
            raise UserError(f"LOCAL_RANK {local_rank}, but this node has {count} GPU(s); "
                            f"start at most {count} processes per node")
        torch.cuda.set_device(local_rank)  # "cuda" below then means this rank's own GPU
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=TIMEOUT)


def own_rows(batch_size, rank, world_size):
    """This rank's streams of the batch: the same rows BatchStream gives it."""
    return slice(rank * batch_size // world_size, (rank + 1) * batch_size // world_size)


class DistributedTrainer(Trainer):
    """A Trainer whose model is wrapped in DistributedDataParallel and whose every decision
    is agreed across ranks (see the module docstring)."""

    def __init__(self, config, run_dir, resume, reporter, rank, world_size):
        super().__init__(config, run_dir, resume, reporter, rank, world_size)
        if resume is None:
            # Each rank draws its own dropout masks, as the rows of one batch do.
            torch.manual_seed(config.train.seed + rank)
        ids = [torch.cuda.current_device()] if self.device.type == "cuda" else None
        self.model = DistributedDataParallel(self.model, device_ids=ids)
        self.carried = {}

    # ---- agreed decisions ----------------------------------------------------------------

    def batch_loss(self, loss):
        # Equal shares per rank, so the mean of the ranks' means is the whole batch's mean.
        total = loss.clone()
        dist.all_reduce(total)
        return total / self.world

    def validation_scores(self):
        scores = [super().validation_scores() if self.is_main else None]
        dist.broadcast_object_list(scores, src=0)
        return scores[0]

    def agreed(self, value):
        values = [value]
        dist.broadcast_object_list(values, src=0)
        return values[0]

    def stop_reason(self, seconds):
        code = torch.tensor(REASONS.index(super().stop_reason(seconds)), device=self.device)
        dist.all_reduce(code, op=dist.ReduceOp.MAX)
        return REASONS[int(code)]

    def periodic_save_due(self, last_save):
        due = super().periodic_save_due(last_save)
        if not self.config.train.save_minutes:
            return due  # by steps alone: the same on every rank without asking
        flag = torch.tensor(int(due), device=self.device)
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return bool(flag)

    # ---- checkpoints -------------------------------------------------------------------

    def save(self, kind):
        self.carried = {"hidden": map_state(self.gathered_state(), lambda s: s.cpu()),
                        "rank_rng": self.gathered_rng()}
        super().save(kind)

    def payload(self):
        return {**super().payload(), **self.carried}

    def gathered_state(self):
        """The carried hidden state of the whole batch, rows in rank order (as one process
        would hold it)."""
        def gather(part):
            parts = [torch.empty_like(part) for _ in range(self.world)]
            dist.all_gather(parts, part.contiguous())
            return torch.cat(parts, dim=1)

        return map_state(self.state, gather)

    def gathered_rng(self):
        own = {"torch": torch.get_rng_state(),
               "cuda": torch.cuda.get_rng_state() if self.device.type == "cuda" else torch.empty(0)}
        states = [None] * self.world
        dist.all_gather_object(states, own)
        return states

    def restore(self, payload):
        super().restore(payload)
        rows = own_rows(self.config.data.batch_size, self.rank, self.world)
        self.state = map_state(self.state, lambda s: s[:, rows].contiguous())
        states = payload.get("rank_rng", [])
        if len(states) == self.world:
            torch.set_rng_state(states[self.rank]["torch"])
            if self.device.type == "cuda" and len(states[self.rank]["cuda"]):
                torch.cuda.set_rng_state(states[self.rank]["cuda"])
        elif self.rank:
            # Saved by another number of processes: fresh, distinct dropout streams.
            torch.manual_seed(self.config.train.seed + self.rank + self.progress.step)
