"""One rank of a torchrun launch (see `distributed.py`): `--params params.json --events events.jsonl`."""

from __future__ import annotations

import argparse
import json
import os
import traceback
from pathlib import Path


class FileStopSignal:
    """`stop_event` for a rank: set once the worker has created the cancel file."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def is_set(self) -> bool:
        return self.path.exists()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="tonekit distributed training rank (started by torchrun)")
    parser.add_argument("--params", required=True)
    parser.add_argument("--events", required=True)
    args = parser.parse_args(argv)

    import torch
    import torch.distributed as dist

    from ..errors import WorkerFailure
    from .distributed import EventWriter
    from .loop import Trainer
    from .params import parse_train_params
    from .run import OOM_ADVICE
    from .world import World

    world = World(rank=int(os.environ["RANK"]), world_size=int(os.environ["WORLD_SIZE"]), local_rank=int(os.environ["LOCAL_RANK"]))
    torch.cuda.set_device(world.local_rank)
    dist.init_process_group(backend="nccl")
    writer = EventWriter(args.events) if world.is_main else None
    emit = writer.emit if writer is not None else (lambda event_type, fields: None)
    status = 0
    try:
        params, _ = parse_train_params(json.loads(Path(args.params).read_text()))
        result = Trainer(params, emit, FileStopSignal(Path(args.events).with_name("cancel")), world).run()
        if writer is not None:
            writer.write({"type": "result", "result": result})
    except WorkerFailure as error:
        status = 1
        if writer is not None:
            writer.write({"type": "error", "code": error.code, "message": error.message})
    except torch.cuda.OutOfMemoryError:
        status = 1
        if writer is not None:
            writer.write({"type": "error", "code": "cuda_oom", "message": OOM_ADVICE})
    except Exception as error:  # reported to the worker as `internal`, with the traceback
        status = 1
        if writer is not None:
            writer.write({"type": "error", "code": "internal", "message": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()})
        raise
    finally:
        if writer is not None:
            writer.close()
        dist.destroy_process_group()
    return status


if __name__ == "__main__":
    raise SystemExit(main())
