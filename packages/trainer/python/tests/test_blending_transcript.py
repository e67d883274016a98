"""blend-step.jsonl replayed against the real worker, and its log-probabilities checked off the wire."""

from __future__ import annotations

import base64

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("peft")

from _protocol_helpers import WorkerProcess, load_transcript, replay, worker_env, write_tiny_models  # noqa: E402


def test_the_worker_replays_blend_step_and_sends_exact_log_probs(tmp_path):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    # The transcript names the model and adapters by paths relative to the worker's folder.
    models = write_tiny_models(tmp_path)
    entries = load_transcript("blend-step.jsonl")
    with WorkerProcess(cwd=tmp_path, env=worker_env(), fake_training=False) as worker:
        received = replay(worker, entries)
        assert worker.receive_line(timeout=30) is None
        assert worker.wait(timeout=30) == 0

    requests = {entry["message"]["id"]: entry["message"] for entry in entries if entry["dir"] == "in"}
    answers = {message["id"]: message for message in received if "id" in message}
    loaded = answers[1]["result"]
    size = loaded["vocabulary_size"]
    assert size == 461 and loaded["eos"] == [2, 4] and loaded["bos"] is None

    def base():
        return AutoModelForCausalLM.from_pretrained(models["model"], dtype=torch.float32).eval()

    # open_sequences named ["ed", "wow", null] = adapter-a, adapter-b, the base model.
    row_models = [
        PeftModel.from_pretrained(base(), models["adapter-a"]).eval(),
        PeftModel.from_pretrained(base(), models["adapter-b"]).eval(),
        base(),
    ]
    histories = [[], [], []]
    for step_id in (5, 6):
        rows = answers[step_id]["result"]["log_probs"]
        for row, model in enumerate(row_models):
            histories[row] += requests[step_id]["params"]["tokens"][row]
            got = np.frombuffer(base64.b64decode(rows[row]), dtype="<f4")
            assert got.shape == (size,)
            with torch.inference_mode():
                logits = model(input_ids=torch.tensor([histories[row]])).logits
            want = logits[0, -1].log_softmax(-1).numpy()
            np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)

    prompt = requests[3]["params"]["text"]
    assert answers[2]["result"]["text"] == f"<|im_start|>user\n{prompt}<|im_end|>\n<|im_start|>assistant\n"
    tokens = answers[3]["result"]["tokens"]
    assert isinstance(tokens, list) and tokens and all(isinstance(token, int) for token in tokens)
    assert isinstance(answers[7]["result"]["text"], str) and answers[7]["result"]["text"]
