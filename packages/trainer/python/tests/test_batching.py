"""Padding-free packing gives the same loss as padded batches; the epoch plan is deterministic."""

from __future__ import annotations

import threading

import torch
from conftest import QA_PAIRS, conversation, write_jsonl

from tonekit_worker.training.batching import collate_packed, collate_padded, packing_support, plan_epoch
from tonekit_worker.training.data import tokenize_conversation


def test_packed_and_padded_batches_have_the_same_loss(tiny_llama_dir, tiny_tokenizer):
    from tonekit_worker.modeling import load_base_model

    model, _ = load_base_model(str(tiny_llama_dir), "fp32", "cpu")
    supported, reason = packing_support(model)
    assert supported, reason
    examples = [tokenize_conversation(tiny_tokenizer, conversation(q, a)["messages"], 1024) for q, a in QA_PAIRS[:4]]
    assert len({example.length for example in examples}) > 1  # padding really happens

    def loss_sum(batch):
        keep = (batch.targets != -100).any(dim=0).nonzero().squeeze(1)
        kwargs = {"input_ids": batch.input_ids, "logits_to_keep": keep, "use_cache": False}
        if batch.attention_mask is not None:
            kwargs["attention_mask"] = batch.attention_mask
        if batch.position_ids is not None:
            kwargs["position_ids"] = batch.position_ids
        logits = model(**kwargs).logits
        targets = batch.targets.index_select(1, keep)
        return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), reduction="sum")

    padded, packed = collate_padded(examples, pad_id=4), collate_packed(examples)
    assert padded.tokens == packed.tokens == sum(example.length for example in examples)
    assert padded.input_ids.numel() > packed.input_ids.numel()
    assert padded.loss_tokens == packed.loss_tokens == (packed.targets != -100).sum().item()
    with torch.no_grad():
        torch.testing.assert_close(loss_sum(packed), loss_sum(padded), rtol=1e-5, atol=1e-4)
        # And both equal the examples run one at a time.
        separate = sum(loss_sum(collate_padded([example], pad_id=4)) for example in examples)
        torch.testing.assert_close(loss_sum(packed), separate, rtol=1e-5, atol=1e-4)


def test_plan_is_a_function_of_seed_and_epoch_and_groups_lengths():
    lengths = [((index * 37) % 101) + 1 for index in range(200)]
    plan = plan_epoch(lengths, 8, 2, seed=713, epoch=0)
    assert plan == plan_epoch(lengths, 8, 2, seed=713, epoch=0)
    assert plan != plan_epoch(lengths, 8, 2, seed=713, epoch=1)
    assert plan != plan_epoch(lengths, 8, 2, seed=714, epoch=0)
    # Length grouping: far less padding than a random split into micro-batches of the same size.
    def padding(plan):
        return sum(len(batch) * max(lengths[i] for i in batch) - sum(lengths[i] for i in batch) for step in plan for batch in step)

    assert padding(plan) * 4 < padding(plan_epoch(lengths, 8, 2, seed=713, epoch=0, group_by_length=False))


def test_padding_free_training_run(tiny_llama_dir, tmp_path):
    from tonekit_worker.training import run_training

    train = write_jsonl(tmp_path / "train.jsonl", [conversation(q, a) for q, a in QA_PAIRS[:6]])
    events = []
    result = run_training(
        {"base_model": str(tiny_llama_dir), "train_file": str(train), "output_dir": str(tmp_path / "out"), "export_gguf": False,
         "hyperparameters": {"rank": 4, "epochs": 1, "micro_batch_size": 3, "gradient_accumulation_steps": 1, "device": "cpu",
                             "batching": "padding-free"}},
        lambda kind, fields: events.append((kind, fields)),
        threading.Event(),
    )
    assert result["status"] == "succeeded" and result["steps"] == 2
    logs = [fields["message"] for kind, fields in events if kind == "log"]
    assert any("padding-free batches: packing with position_ids" in message for message in logs)
