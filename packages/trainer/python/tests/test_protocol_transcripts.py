"""The transcript fixtures (packages/trainer/fixtures/transcripts), replayed against the real worker.

The TS driver's tests replay the same files against a fake worker, so these files are the contract
both sides are checked against. `blend-step.jsonl` needs a model and is replayed in
test_blending_transcript.py.
"""

from __future__ import annotations

import pytest

from _protocol_helpers import WILDCARDS, WorkerProcess, load_transcript, match, replay, transcript_names

PROTOCOL_TRANSCRIPTS = ["errors.jsonl", "handshake.jsonl", "shutdown-train.jsonl", "train-cancel.jsonl"]


def test_the_expected_transcripts_exist():
    assert set(PROTOCOL_TRANSCRIPTS + ["blend-step.jsonl"]) <= set(transcript_names())


@pytest.mark.parametrize("name", transcript_names())
def test_transcripts_are_well_formed(name):
    entries = load_transcript(name)
    assert entries[0]["dir"] == "out" and entries[0]["message"]["method"] == "ready"
    assert entries[0]["message"]["params"]["protocol"] == 1
    ids = []
    for entry in entries:
        assert set(entry) == {"dir", "message"} and entry["dir"] in ("in", "out")
        message = entry["message"]
        assert isinstance(message, dict)
        if entry["dir"] == "in":
            assert isinstance(message["id"], int) and isinstance(message["method"], str)
            ids.append(message["id"])
            # A driver message is concrete: wildcards only describe what the worker sends.
            assert not any(wildcard in str(message) for wildcard in WILDCARDS)
        elif "error" in message:
            assert set(message["error"]) == {"code", "message", "python_type", "traceback"}
    assert len(ids) == len(set(ids)), "request ids are unique within a transcript"
    # Every request is answered exactly once.
    answered = [entry["message"]["id"] for entry in entries if entry["dir"] == "out" and "id" in entry["message"]]
    assert sorted(answered) == sorted(ids)


@pytest.mark.parametrize("name", PROTOCOL_TRANSCRIPTS)
def test_the_worker_replays_the_transcript(name):
    entries = load_transcript(name)
    with WorkerProcess() as worker:
        replay(worker, entries)
        last_request = [entry for entry in entries if entry["dir"] == "in"][-1]["message"]
        assert last_request["method"] == "shutdown"
        # After answering `shutdown` the worker exits 0 and sends nothing else.
        assert worker.receive_line(timeout=30) is None
        assert worker.wait(timeout=30) == 0
        # The fake training's prints reached stderr, never the channel.
        if "train" in {entry["message"]["method"] for entry in entries if entry["dir"] == "in"}:
            assert "fake training: step 1 (print)" in worker.stderr
            assert "fake training: step 1 (fd 1)" in worker.stderr


def test_the_matcher_rejects_what_does_not_match():
    assert match({"a": "<number>"}, {"a": 1.5}) == []
    assert match({"a": "<number>"}, {"a": "1"}) != []
    assert match({"a": "<number>"}, {"a": True}) != []
    assert match({"a": "<string>"}, {"a": None}) != []
    assert match({"a": "<any>"}, {"a": None}) == []
    assert match({"a": 1}, {"a": 1, "b": 2}) != []
    assert match({"a": 1, "b": 2}, {"a": 1}) != []
    assert match([1, 2], [1, 2, 3]) != []
    assert match({"x": None}, {"x": False}) != []
    assert match({"x": 0}, {"x": False}) != []
    assert match({"x": 2.5}, {"x": 2.5}) == []
