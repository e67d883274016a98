"""The protocol layer: the private channel, `ready`, end of input, malformed lines, error payloads."""

from __future__ import annotations

import importlib.metadata
import json
import sys
import textwrap
import time

import pytest

from _protocol_helpers import PYTHON_DIR, WorkerProcess, wait_for, worker_env
from tonekit_worker import __version__
from tonekit_worker.capabilities import DEPENDENCIES
from tonekit_worker.errors import WorkerFailure, missing_dependency
from tonekit_worker.protocol import MalformedRequest, encode_message, parse_request
from tonekit_worker.server import error_payload, qualified_type_name

CAPABILITY_KEYS = {
    "torch",
    "cuda",
    "cuda_devices",
    "bf16",
    "transformers",
    "peft",
    "accelerate",
    "safetensors",
    "bitsandbytes",
    "gguf",
    "tokenizers",
}

TRAIN = {"method": "train", "params": {"output_dir": "run", "fake": {"steps": 3, "pause_after_step": 1}}}


def _version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def test_ready_comes_first_with_protocol_1_and_installed_versions():
    with WorkerProcess() as worker:
        ready = worker.receive()
        assert ready["method"] == "ready"
        params = ready["params"]
        assert params["protocol"] == 1
        assert params["worker_version"] == __version__ == "0.1.0"
        assert params["python"] == ".".join(str(part) for part in sys.version_info[:3])
        assert set(params["capabilities"]) == CAPABILITY_KEYS
        for name in DEPENDENCIES:
            assert params["capabilities"][name] == _version(name), name
        import torch

        assert params["capabilities"]["cuda_devices"] == torch.cuda.device_count()
        assert params["capabilities"]["cuda"] == (torch.version.cuda if torch.cuda.is_available() else None)
        worker.send({"id": 1, "method": "ping"})
        assert worker.receive() == {"id": 1, "result": {"pong": True}}


def test_end_of_input_ends_the_worker():
    with WorkerProcess() as worker:
        assert worker.receive()["method"] == "ready"
        worker.close_stdin()
        assert worker.wait(timeout=20) == 0
        assert worker.receive_line(timeout=5) is None


def test_end_of_input_during_training_cancels_it_with_a_checkpoint():
    with WorkerProcess() as worker:
        assert worker.receive()["method"] == "ready"
        worker.send({"id": 1, **TRAIN})
        assert worker.receive()["params"]["type"] == "train-start"
        assert worker.receive()["params"]["type"] == "step-end"
        worker.close_stdin()
        checkpoint = worker.receive()
        assert checkpoint["params"] == {
            "request_id": 1,
            "type": "checkpoint-save",
            "step": 1,
            "path": "run/checkpoints/step-1",
        }
        response = worker.receive()
        assert response["id"] == 1 and response["result"]["status"] == "cancelled"
        assert worker.wait(timeout=20) == 0


def test_library_output_goes_to_stderr_and_every_channel_line_is_json():
    with WorkerProcess() as worker:
        assert worker.receive()["method"] == "ready"
        worker.send({"id": 1, "method": "train", "params": {"fake": {"steps": 2}}})
        lines = []
        while (line := worker.receive_line()) is not None:
            lines.append(line)
            if json.loads(line).get("id") == 1:
                worker.send({"id": 2, "method": "shutdown"})
        assert worker.wait() == 0
    messages = [json.loads(line) for line in lines]  # any stray print would fail here
    assert [message.get("id") for message in messages if "id" in message] == [1, 2]
    assert [message["params"]["type"] for message in messages if "id" not in message] == [
        "train-start",
        "step-end",
        "step-end",
        "checkpoint-save",
    ]
    for step in (1, 2):
        assert f"fake training: step {step} (print)" in worker.stderr
        assert f"fake training: step {step} (fd 1)" in worker.stderr


def test_malformed_lines_are_answered_when_they_have_an_id_and_never_stop_the_reader():
    with WorkerProcess() as worker:
        assert worker.receive()["method"] == "ready"
        worker.send_raw(b"this is not json\n")
        worker.send_raw(b"\n")
        worker.send_raw(b'{"id": true, "method": "ping"}\n')
        worker.send_raw(b'{"id": 5, "method": "ping", "params": "x"}\n')
        worker.send_raw(b'{"id": 6}\n')
        worker.send_raw('{"id": 7, "method": "ping", "params": {"note": "é ✓"}}\n'.encode())
        first = worker.receive()
        assert first["id"] == 5 and first["error"]["code"] == "invalid_params"
        assert "params" in first["error"]["message"]
        second = worker.receive()
        assert second["id"] == 6 and second["error"]["code"] == "invalid_params"
        assert worker.receive() == {"id": 7, "result": {"pong": True}}
        assert wait_for(lambda: "ignored a malformed line" in worker.stderr)


def test_cancel_of_a_finished_or_unknown_request_answers_false():
    with WorkerProcess() as worker:
        assert worker.receive()["method"] == "ready"
        worker.send({"id": 1, "method": "cancel", "params": {"request_id": 99}})
        assert worker.receive() == {"id": 1, "result": {"cancelling": False}}


def test_the_worker_starts_and_answers_without_torch(tmp_path):
    # A bootstrap that makes torch, transformers and peft look uninstalled, then runs the real worker.
    bootstrap = tmp_path / "no_torch.py"
    bootstrap.write_text(
        textwrap.dedent(
            """
            import importlib.abc, importlib.metadata, sys
            HIDDEN = {"torch", "transformers", "peft", "accelerate", "bitsandbytes"}
            real_version = importlib.metadata.version
            def version(name):
                if name in HIDDEN:
                    raise importlib.metadata.PackageNotFoundError(name)
                return real_version(name)
            importlib.metadata.version = version
            class Hide(importlib.abc.MetaPathFinder):
                def find_spec(self, name, path=None, target=None):
                    if name.split(".")[0] in HIDDEN:
                        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
                    return None
            sys.meta_path.insert(0, Hide())
            from tonekit_worker.server import main
            sys.exit(main())
            """
        )
    )
    started = time.monotonic()
    with WorkerProcess(argv=[sys.executable, str(bootstrap)], env=worker_env()) as worker:
        ready = worker.receive(timeout=10)
        elapsed = time.monotonic() - started
        capabilities = ready["params"]["capabilities"]
        assert capabilities["torch"] is None and capabilities["transformers"] is None and capabilities["peft"] is None
        assert capabilities["cuda"] is None and capabilities["cuda_devices"] == 0 and capabilities["bf16"] is False
        assert capabilities["tokenizers"] == _version("tokenizers")
        assert elapsed < 5.0, f"ready took {elapsed:.2f} s without torch"
        worker.send({"id": 1, "method": "load_model", "params": {"model": str(tmp_path)}})
        error = worker.receive()["error"]
        assert error["code"] == "missing_dependency"
        assert "pip install torch" in error["message"]
        # `train` answers too (an error of the training code's choosing), and the worker stays up.
        worker.send({"id": 2, "method": "train", "params": {}})
        assert "error" in worker.receive()
        worker.send({"id": 3, "method": "shutdown"})
        assert worker.receive() == {"id": 3, "result": {}}
        assert worker.wait() == 0


# --- in-process units -------------------------------------------------------------------------


def test_parse_request_checks_the_envelope():
    assert parse_request(b'{"id": 3, "method": "train"}').params == {}
    request = parse_request('{"id": "a", "method": "ping", "params": {"x": 1}}')
    assert (request.id, request.method, request.params) == ("a", "ping", {"x": 1})
    with pytest.raises(MalformedRequest) as caught:
        parse_request(b'{"id": 1.5, "method": "ping"}')
    assert caught.value.request_id is None
    with pytest.raises(MalformedRequest) as caught:
        parse_request(b'{"id": 4, "method": "ping", "params": [1]}')
    assert caught.value.request_id == 4
    with pytest.raises(MalformedRequest):
        parse_request(b"[1, 2]")


def test_encode_message_writes_one_compact_line_and_never_nan():
    assert encode_message({"a": 1, "b": "é"}) == '{"a":1,"b":"é"}\n'.encode()
    line = encode_message({"loss": float("nan"), "nested": [float("inf"), 1.0]})
    assert json.loads(line) == {"loss": None, "nested": [None, 1.0]}
    assert line.count(b"\n") == 1 and line.endswith(b"\n")
    import torch

    assert json.loads(encode_message({"loss": torch.tensor(2.5), "ids": torch.tensor([1, 2])})) == {
        "loss": 2.5,
        "ids": [1, 2],
    }


def test_error_payload_codes_types_and_tracebacks():
    def fail():
        raise RuntimeError("boom")

    try:
        fail()
    except RuntimeError as error:
        payload = error_payload(error)
    assert payload["code"] == "internal" and payload["message"] == "boom"
    assert payload["python_type"] == "RuntimeError"
    assert "in fail" in payload["traceback"] and "RuntimeError: boom" in payload["traceback"]

    try:
        try:
            fail()
        except RuntimeError as cause:
            raise WorkerFailure("dataset_error", "bad line 3") from cause
    except WorkerFailure as error:
        payload = error_payload(error)
    assert (payload["code"], payload["message"], payload["python_type"]) == (
        "dataset_error",
        "bad line 3",
        "RuntimeError",
    )

    payload = error_payload(missing_dependency("gguf", "GGUF export"))
    assert payload["code"] == "missing_dependency" and payload["python_type"] == "tonekit_worker.errors.WorkerFailure"

    payload = error_payload(ModuleNotFoundError("No module named 'peft'", name="peft"), "load_model")
    assert payload["code"] == "missing_dependency" and "pip install peft" in payload["message"]

    import torch

    payload = error_payload(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert payload["code"] == "cuda_oom" and payload["python_type"] == qualified_type_name(torch.OutOfMemoryError())


def test_worker_package_is_importable_from_the_python_dir():
    # The driver sets PYTHONPATH to this folder; the package must not depend on anything else.
    assert (PYTHON_DIR / "tonekit_worker" / "__main__.py").is_file()
