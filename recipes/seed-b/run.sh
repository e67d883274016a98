#!/usr/bin/env bash
# Seed B ("Steering Conversations via Logit Bias in LLMs") end to end: two LoRA adapters of one base,
# blended at five α, evaluated into the paper's Tables 1–4. Run from the repository root; see README.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
tonekit() { npx tonekit "$@"; }

# 1. Datasets by Hub id → chat training data + test prompts.
tonekit dialogues --source 'hf://datasets/facebook/empathetic_dialogues@refs%2Fconvert%2Fparquet/default/' \
  --format empathetic-dialogues --out data/ed
tonekit dialogues --source "${WOW_SOURCE:-hf://datasets/chujiezheng/wizard_of_wikipedia}" \
  --format wizard-of-wikipedia --out data/wow

# 2. One adapter per dataset (resumable: rerun after an interruption).
tonekit train --config recipes/seed-b/train-ed.yaml
tonekit train --config recipes/seed-b/train-wow.yaml

# 3. The five mixes on both test sets; α = weight of the ED adapter. Both adapters run in ONE batched
#    forward per token in the Python worker (a GPU makes this fast; see `tonekit trainer doctor`).
BASE=recipes/seed-b/models/Llama-3.2-1B-Instruct
for test_set in ed wow; do
  tonekit blend --backend worker --model "$BASE" \
    --lora runs/seed-b/ed/adapter --lora runs/seed-b/wow/adapter \
    --alphas 0,0.25,0.5,0.75,1 --prompts "data/$test_set/test.jsonl" --out "blends/seed-b/$test_set" \
    --temperature 0 --max-tokens 128
done

# 4. Tables 1–4: WER, ARL (mean response length), BLEU, BERTScore (roberta-large, layer 17), lexical diversity.
tonekit eval --sweep blends/seed-b/ed --blend-name "1B ED×WoW" --test-set ED --no-similarity \
  --bertscore-model "${BERTSCORE_MODEL:-./models/roberta-large-L17}" --out evals/seed-b/ed
tonekit eval --sweep blends/seed-b/wow --blend-name "1B ED×WoW" --test-set WoW --no-similarity \
  --bertscore-model "${BERTSCORE_MODEL:-./models/roberta-large-L17}" --out evals/seed-b/wow
tonekit report evals/seed-b --references ../shared/data --out report/seed-b
