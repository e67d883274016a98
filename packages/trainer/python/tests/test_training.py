"""End-to-end runs on the tiny Llama (fp32, CPU): learning, resume, saved artifacts, events."""

from __future__ import annotations

import json
import threading

import pytest
import torch
from conftest import QA_PAIRS, conversation, write_jsonl
from safetensors.torch import load_file

from tonekit_worker.errors import WorkerFailure
from tonekit_worker.training import run_training
from tonekit_worker.training.loop import Trainer
from tonekit_worker.training.params import parse_train_params


def make_params(tiny_llama_dir, train, output_dir, validation=None, **hyperparameters):
    options = {"rank": 8, "epochs": 2, "micro_batch_size": 3, "gradient_accumulation_steps": 2, "device": "cpu", "precision": "fp32"}
    options.update(hyperparameters)
    params = {
        "base_model": str(tiny_llama_dir),
        "train_file": str(train),
        "validation_file": None if validation is None else str(validation),
        "output_dir": str(output_dir),
        "export_gguf": False,
        "hyperparameters": options,
    }
    return params


def collect(stop_after=None):
    events = []
    stop = threading.Event()

    def emit(kind, fields):
        json.dumps(fields, allow_nan=False)  # every event must be sendable as strict JSON
        events.append((kind, dict(fields)))
        if kind == "step-end" and stop_after is not None and fields["step"] == stop_after:
            stop.set()

    return events, emit, stop


def of_type(events, kind):
    return [fields for event_kind, fields in events if event_kind == kind]


def test_loss_decreases_on_a_repeated_example(tiny_llama_dir, tmp_path):
    train = write_jsonl(tmp_path / "train.jsonl", [conversation(*QA_PAIRS[0])] * 8)
    events, emit, stop = collect()
    params = make_params(tiny_llama_dir, train, tmp_path / "out", epochs=3, micro_batch_size=4, gradient_accumulation_steps=1,
                         learning_rate=2e-2, dropout=0.0)
    result = run_training(params, emit, stop)
    losses = [event["loss"] for event in of_type(events, "step-end")]
    assert len(losses) == 6 and result["steps"] == 6
    # Measured: 6.25 → 5.09 over the 6 steps (the first steps run at max_lr / 25, OneCycle's warm-up).
    assert all(later < earlier for earlier, later in zip(losses, losses[1:])), losses
    assert losses[-1] < losses[0] - 0.5, losses
    assert result["final_loss"] == losses[-1]


def test_resume_continues_bit_for_bit(tiny_llama_dir, chat_files, tmp_path):
    train, validation = chat_files
    # 9 examples, micro 3 × accumulation 2 → 2 steps per epoch, 3 epochs → 6 steps; checkpoints at epoch
    # ends (2, 4, 6) and, for the interrupted run, at the cancel after step 3 (mid-epoch).
    options = {"epochs": 3, "dropout": 0.2}
    full_events, emit, stop = collect()
    full = run_training(make_params(tiny_llama_dir, train, tmp_path / "full", validation, **options), emit, stop)

    first_events, emit, stop = collect(stop_after=3)
    first = run_training(make_params(tiny_llama_dir, train, tmp_path / "resumed", validation, **options), emit, stop)
    assert first["status"] == "cancelled" and first["steps"] == 3
    assert of_type(first_events, "checkpoint-save")[-1]["step"] == 3
    assert first["adapter_dir"].endswith("step-3")

    params = make_params(tiny_llama_dir, train, tmp_path / "resumed", validation, **options)
    params["resume"] = True
    second_events, emit, stop = collect()
    second = run_training(params, emit, stop)
    assert second["status"] == "succeeded" and second["steps"] == 6
    assert of_type(second_events, "train-start")[0]["start_step"] == 3

    full_steps = [(event["step"], event["loss"]) for event in of_type(full_events, "step-end")]
    resumed_steps = [(event["step"], event["loss"]) for event in of_type(first_events + second_events, "step-end")]
    assert resumed_steps == full_steps  # exact float equality
    assert of_type(second_events, "eval-end") == of_type(full_events, "eval-end")[1:]
    assert second["final_loss"] == full["final_loss"] and second["validation_loss"] == full["validation_loss"]
    full_weights = load_file(f"{full['adapter_dir']}/adapter_model.safetensors")
    resumed_weights = load_file(f"{second['adapter_dir']}/adapter_model.safetensors")
    assert full_weights.keys() == resumed_weights.keys()
    assert all(torch.equal(full_weights[key], resumed_weights[key]) for key in full_weights)
    # Only the newest two checkpoints are kept.
    assert sorted(path.name for path in (tmp_path / "resumed" / "checkpoints").iterdir()) == ["step-4", "step-6"]


def test_events_artifacts_and_reload(tiny_llama_dir, chat_files, tmp_path):
    from gguf import GGUFReader
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    train, validation = chat_files
    events, emit, stop = collect()
    params = make_params(tiny_llama_dir, train, tmp_path / "out", validation, epochs=2, learning_rate=1e-2)
    params["export_gguf"] = True
    params["save_merged"] = True
    parsed, _ = parse_train_params(params)
    trainer = Trainer(parsed, emit, stop)
    result = trainer.run()

    assert [kind for kind, _ in events][:2] == ["train-start", "step-end"]
    start = of_type(events, "train-start")[0]
    assert start == {"total_steps": 4, "steps_per_epoch": 2, "start_step": 0, "train_examples": 9, "validation_examples": 3,
                     "train_tokens": sum(example.length for example in trainer.train_examples)}
    steps = of_type(events, "step-end")
    assert [event["step"] for event in steps] == [1, 2, 3, 4]
    assert [event["epoch"] for event in steps] == [0.5, 1.0, 1.5, 2.0]
    # tokens count non-padding tokens: one epoch's steps add up to every example's length.
    assert sum(event["tokens"] for event in steps[:2]) == start["train_tokens"]
    assert all(event["tokens_per_second"] > 0 for event in steps)
    assert [(event["step"], event["epoch"]) for event in of_type(events, "eval-end")] == [(2, 1.0), (4, 2.0)]
    assert [event["step"] for event in of_type(events, "checkpoint-save")] == [2, 4]
    assert result["status"] == "succeeded" and result["steps"] == 4
    assert result["validation_loss"] == of_type(events, "eval-end")[-1]["validation_loss"]
    assert result["peak_memory_bytes"] is None  # CPU

    # The saved PEFT adapter reloads to the very logits of the trained model in memory.
    ids = torch.tensor([trainer.train_examples[0].input_ids])
    trainer.peft_model.eval()
    with torch.no_grad():
        trained_logits = trainer.peft_model(input_ids=ids).logits
        base = AutoModelForCausalLM.from_pretrained(str(tiny_llama_dir), dtype=torch.float32)
        reloaded = PeftModel.from_pretrained(base, result["adapter_dir"]).eval()
        assert torch.equal(reloaded(input_ids=ids).logits, trained_logits)
        merged = AutoModelForCausalLM.from_pretrained(result["merged_dir"], dtype=torch.float32).eval()
        torch.testing.assert_close(merged(input_ids=ids).logits, trained_logits, rtol=1e-4, atol=1e-4)
        base_logits = AutoModelForCausalLM.from_pretrained(str(tiny_llama_dir), dtype=torch.float32)(input_ids=ids).logits
    assert (base_logits - trained_logits).abs().max() > 1e-3  # the adapter did change the model

    # The GGUF LoRA adapter parses and holds lora_a [rank, in] / lora_b [out, rank] for q, k, v.
    reader = GGUFReader(result["gguf_adapter_path"])
    fields = {name: field.contents() for name, field in reader.fields.items() if not name.startswith("GGUF.")}
    assert fields["general.architecture"] == "llama" and fields["general.type"] == "adapter"
    assert fields["adapter.type"] == "lora" and fields["adapter.lora.alpha"] == 8.0
    config = trainer.peft_model.base_model.model.config
    head_dim = config.hidden_size // config.num_attention_heads
    outputs = {"attn_q": config.num_attention_heads * head_dim, "attn_k": config.num_key_value_heads * head_dim, "attn_v": config.num_key_value_heads * head_dim}
    expected = {}
    for layer in range(config.num_hidden_layers):
        for name, out in outputs.items():
            expected[f"blk.{layer}.{name}.weight.lora_a"] = (8, config.hidden_size)
            expected[f"blk.{layer}.{name}.weight.lora_b"] = (out, 8)
    assert {tensor.name: tuple(tensor.data.shape) for tensor in reader.tensors} == expected


def test_bad_params_and_data_are_reported(tiny_llama_dir, tmp_path, chat_files):
    train, _ = chat_files
    events, emit, stop = collect()
    with pytest.raises(WorkerFailure) as error:
        run_training(make_params(tiny_llama_dir, train, tmp_path / "out", micro_batch_size=0), emit, stop)
    assert error.value.code == "invalid_params" and "micro_batch_size" in error.value.message
    with pytest.raises(WorkerFailure) as error:
        run_training(make_params(tiny_llama_dir, train, tmp_path / "out", bias="some"), emit, stop)
    assert error.value.code == "invalid_params"
    with pytest.raises(WorkerFailure) as error:
        run_training(make_params(tiny_llama_dir, tmp_path / "missing.jsonl", tmp_path / "out"), emit, stop)
    assert error.value.code == "dataset_error"
    with pytest.raises(WorkerFailure) as error:
        run_training(make_params(tiny_llama_dir, train, tmp_path / "out", target_modules=["nope_proj"]), emit, stop)
    assert error.value.code == "invalid_params"
    with pytest.raises(WorkerFailure) as error:
        run_training(make_params(tmp_path / "no-model", train, tmp_path / "out"), emit, stop)
    assert error.value.code == "not_found"


def test_unknown_keys_are_logged_not_fatal():
    params, warnings = parse_train_params(
        {"base_model": "m", "train_file": "t", "output_dir": "o", "future_option": 1, "hyperparameters": {"new_knob": True}}
    )
    assert params.base_model == "m"
    assert warnings == ['unknown train parameter "future_option" ignored', 'unknown hyperparameter "new_knob" ignored']
