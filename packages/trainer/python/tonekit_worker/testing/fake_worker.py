"""`python -m tonekit_worker.testing.fake_worker`: the worker with `fake_run_training` as its `train`."""

from ..entry import run_until_exit
from ..server import LongMethod, default_long_methods, main
from .fake_training import fake_run_training


def _fake_train(call) -> dict:
    return fake_run_training(call.params, call.emit, call.stop_event)


if __name__ == "__main__":
    methods = default_long_methods()
    methods["train"] = LongMethod(run=_fake_train, cancellable=True)
    run_until_exit(lambda: main(long_methods=methods))
