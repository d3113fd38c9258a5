#!/usr/bin/env python3
"""Golden fixtures for the Prompts module (Tests/Fixtures/prompts/).

Builds a tiny random T5 and, next to it, a tasks directory holding one artifact of every kind Album loads:
  peft-pt/       a PEFT PROMPT_TUNING adapter saved by PEFT itself (2·l rows, no task.json)
  peft-mpt/      a PEFT MULTITASK_PROMPT_TUNING adapter saved by PEFT (+ task.json choosing task 1)
  t5x/           a T5X-style prompt.npy (no task.json)
  static-a/      an Album static prompt (task.json + prompt.safetensors) with template and labels
  album-a/       an SPE album (M, l, d) with its content hash
  spe-a/         an SPE task, default mode (album-only softmax, masked max pooling)
  spe-attempt/   an SPE task in ATTEMPT mode (P_task is a candidate, pad row joins the max-pool)
and golden.json with, per case, the input/target ids, the expected prompt rows, SPE attention weights and summed
target log-likelihoods (teacher forcing) and greedy tokens. PEFT cases are computed by PEFT's own forward/generate;
the SPE reference below is written from the method spec (docs/task-format.md, spe-method §7), not from Album's code.

Run from the repository root:  python3 Tests/Fixtures/make_prompt_fixtures.py
"""
import hashlib
import json
import math
import os
import shutil

import numpy as np
import peft
import safetensors.torch
import torch
import torch.nn.functional as F
import transformers
from peft import (MultitaskPromptTuningConfig, PeftModel, PromptTuningConfig, TaskType, get_peft_model)
from transformers import T5Config, T5ForConditionalGeneration

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prompts")
MODEL_DIR = os.path.join(ROOT, "model")
TASKS_DIR = os.path.join(ROOT, "tasks")
VOCAB, D = 64, 16
torch.manual_seed(1234)
np.random.seed(1234)


def fingerprint(embedding: torch.Tensor) -> str:
    """sha256("album-model-fingerprint/1 d_model=<d> vocab=<V>\\n" ++ float32-LE bytes of the (V, d) table)."""
    v, d = embedding.shape
    h = hashlib.sha256(f"album-model-fingerprint/1 d_model={d} vocab={v}\n".encode())
    h.update(embedding.detach().to(torch.float32).numpy().astype("<f4").tobytes())
    return "sha256:" + h.hexdigest()


def album_hash(prompts: torch.Tensor) -> str:
    return "sha256:" + hashlib.sha256(prompts.detach().numpy().astype("<f4").tobytes()).hexdigest()


def floats(t: torch.Tensor):
    return [float(x) for x in t.detach().reshape(-1).tolist()]


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def build_model():
    config = T5Config(vocab_size=VOCAB, d_model=D, d_kv=8, d_ff=32, num_layers=2, num_decoder_layers=2, num_heads=2,
                      relative_attention_num_buckets=8, relative_attention_max_distance=16, dropout_rate=0.0,
                      feed_forward_proj="relu", tie_word_embeddings=True, decoder_start_token_id=0,
                      pad_token_id=0, eos_token_id=1)
    model = T5ForConditionalGeneration(config).eval()
    with torch.no_grad():  # HF's init leaves a tiny model nearly constant; widen it so prompts matter.
        for name, p in model.named_parameters():
            if "layer_norm" not in name:
                p.normal_(0.0, 0.5 if name == "shared.weight" else 0.3)
    model.save_pretrained(MODEL_DIR, safe_serialization=True)
    return model


@torch.no_grad()
def log_likelihood_embeds(model, embeds: torch.Tensor, target: list) -> float:
    """Sum of log p(target | [P; X]) with teacher forcing; encoder mask all ones."""
    labels = torch.tensor([target])
    out = model(inputs_embeds=embeds[None], attention_mask=torch.ones(1, embeds.shape[0], dtype=torch.long), labels=labels)
    logp = F.log_softmax(out.logits.double(), dim=-1)[0]
    return float(logp.gather(1, labels[0][:, None]).sum())


@torch.no_grad()
def greedy_embeds(model, embeds: torch.Tensor, steps: int) -> list:
    out = model.generate(inputs_embeds=embeds[None], attention_mask=torch.ones(1, embeds.shape[0], dtype=torch.long),
                         max_new_tokens=steps, do_sample=False, num_beams=1)
    return [int(t) for t in out[0].tolist()[1:]]  # drop the decoder start token


def spe_reference(X, album, task_prompt, down, up, ln, temperature, attempt, pad_row=None, max_len=None):
    """SPE instance prompt straight from the spec: x̂ = max_i X_i (masked: X has no padding), the pad row joins the max
    in ATTEMPT-parity pooling when the input is shorter than max_len; candidates C = album (+ P_task in ATTEMPT mode);
    k_j = max over the rows of C_j; h = LayerNorm(W_up SiLU(W_down x̂)); s = K h / T; a = softmax(s);
    P = P_task + Σ_j a_j C_j."""
    xhat = X.max(dim=0).values
    if pad_row is not None and X.shape[0] < max_len:
        xhat = torch.maximum(xhat, pad_row)
    C = torch.cat([album, task_prompt[None]], 0) if attempt else album
    K = C.max(dim=1).values
    h = ln(up(F.silu(down(xhat))))
    a = torch.softmax(K @ h / temperature, dim=0)
    return task_prompt + (a[:, None, None] * C).sum(0), a


def main():
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(TASKS_DIR)
    model = build_model()
    E = model.shared.weight.detach()
    fp = fingerprint(E)
    base = {"fingerprint": fp, "dModel": D}
    rng = torch.Generator().manual_seed(7)
    inputs = [[5, 9, 17, 3, 1], [22, 1], [40, 41, 42, 43, 44, 45, 46, 47, 48, 1], [12, 30, 7, 1]]
    targets = [[8, 1], [3, 14, 1], [60, 1], [2, 2, 9, 1]]
    cases = []

    def add_case(task, idx, prompt, ll, greedy, weights=None):
        case = {"task": task, "input": inputs[idx], "target": targets[idx], "prompt": floats(prompt),
                "promptShape": list(prompt.shape), "logLikelihood": ll, "greedy": greedy}
        if weights is not None:
            case["weights"] = floats(weights)
        cases.append(case)

    # PEFT PROMPT_TUNING, saved by PEFT (num_transformer_submodules defaults to 2 → 2·l rows stored).
    l_pt = 4
    pt = get_peft_model(model, PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=l_pt,
                                                  prompt_tuning_init="RANDOM")).eval()
    pt.save_pretrained(os.path.join(TASKS_DIR, "peft-pt"), safe_serialization=True)
    pt_prompt = pt.get_prompt(batch_size=1)[0, :l_pt].detach()
    for i in range(len(inputs)):
        ids = torch.tensor([inputs[i]])
        with torch.no_grad():
            out = pt(input_ids=ids, attention_mask=torch.ones_like(ids), labels=torch.tensor([targets[i]]))
            logp = F.log_softmax(out.logits.double(), dim=-1)[0]
            ll = float(logp.gather(1, torch.tensor(targets[i])[:, None]).sum())
            gen = pt.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=5, do_sample=False, num_beams=1)
        add_case("peft-pt", i, pt_prompt, ll, [int(t) for t in gen[0].tolist()[1:]])
    model = pt.unload() if hasattr(pt, "unload") else pt.base_model

    # PEFT MULTITASK_PROMPT_TUNING (2 tasks, rank 2, encoder-only prompt), parameters randomised so P_t is not tiny.
    mpt = get_peft_model(model, MultitaskPromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=3,
                                                            num_tasks=2, num_ranks=2, num_transformer_submodules=1,
                                                            prompt_tuning_init="RANDOM")).eval()
    with torch.no_grad():
        enc = mpt.prompt_encoder["default"]
        enc.prefix_task_cols.normal_(0, 1.0, generator=rng)
        enc.prefix_task_rows.normal_(0, 1.0, generator=rng)
    mpt.save_pretrained(os.path.join(TASKS_DIR, "peft-mpt"), safe_serialization=True)
    write_json(os.path.join(TASKS_DIR, "peft-mpt", "task.json"),
               {"format": "album.task/1", "kind": "static", "promptFormat": "peft", "peftTaskId": 1, "baseModel": base})
    task_ids = torch.tensor([1])
    mpt_prompt = mpt.get_prompt(batch_size=1, task_ids=task_ids)[0, :3].detach()
    ids = torch.tensor([inputs[0]])
    with torch.no_grad():
        out = mpt(input_ids=ids, attention_mask=torch.ones_like(ids), labels=torch.tensor([targets[0]]), task_ids=task_ids)
        ll = float(F.log_softmax(out.logits.double(), dim=-1)[0].gather(1, torch.tensor(targets[0])[:, None]).sum())
    add_case("peft-mpt", 0, mpt_prompt, ll, greedy_embeds(model, torch.cat([mpt_prompt, E[inputs[0]]]), 5))
    model = mpt.unload() if hasattr(mpt, "unload") else mpt.base_model
    model = model.eval()
    # The PEFT wrappers must have left the base model untouched: compare with a fresh load from disk.
    fresh = T5ForConditionalGeneration.from_pretrained(MODEL_DIR).eval()
    probe = torch.cat([torch.randn(2, D, generator=torch.Generator().manual_seed(0)), E[inputs[0]]])
    assert abs(log_likelihood_embeds(model, probe, targets[0]) - log_likelihood_embeds(fresh, probe, targets[0])) < 1e-9

    # T5X .npy prompt (no manifest).
    t5x_prompt = torch.randn(3, D, generator=rng)
    os.makedirs(os.path.join(TASKS_DIR, "t5x"))
    np.save(os.path.join(TASKS_DIR, "t5x", "prompt.npy"), t5x_prompt.numpy().astype("<f4"))
    X = E[inputs[1]]
    add_case("t5x", 1, t5x_prompt, log_likelihood_embeds(model, torch.cat([t5x_prompt, X]), targets[1]),
             greedy_embeds(model, torch.cat([t5x_prompt, X]), 5))

    # Album static prompt with template and labels.
    static_prompt = torch.randn(3, D, generator=rng)
    os.makedirs(os.path.join(TASKS_DIR, "static-a"))
    safetensors.torch.save_file({"prompt": static_prompt.contiguous()}, os.path.join(TASKS_DIR, "static-a", "prompt.safetensors"))
    write_json(os.path.join(TASKS_DIR, "static-a", "task.json"), {
        "format": "album.task/1", "name": "static-a", "kind": "static", "version": "1.0", "baseModel": base,
        "promptLength": 3, "template": "premise: {premise} hypothesis: {hypothesis}",
        "labels": ["entailment", "not_entailment"], "decoding": {"mode": "rank", "maxNewTokens": 4},
        "maxInputTokens": 32})
    for i in (0, 2):
        Z = torch.cat([static_prompt, E[inputs[i]]])
        add_case("static-a", i, static_prompt, log_likelihood_embeds(model, Z, targets[i]), greedy_embeds(model, Z, 5))

    # Album (M=4 snapshots of 2 source tasks, l=5) and two SPE tasks trained against it.
    M, L, R = 4, 5, 6
    album = torch.randn(M, L, D, generator=rng) * 1.5 + torch.randn(M, 1, D, generator=rng)
    os.makedirs(os.path.join(TASKS_DIR, "album-a"))
    safetensors.torch.save_file({"prompts": album.contiguous()}, os.path.join(TASKS_DIR, "album-a", "album.safetensors"))
    entries = [{"sourceTask": t, "fraction": f, "step": int(f * 100)} for t in ("mnli", "sst2") for f in (0.6, 1.0)]
    write_json(os.path.join(TASKS_DIR, "album-a", "task.json"), {
        "format": "album.task/1", "kind": "album", "baseModel": base, "promptLength": L,
        "album": {"hash": album_hash(album), "entries": entries}})

    for name, attempt, temperature, pooling in (("spe-a", False, 8.0, "max"), ("spe-attempt", True, 4.0, "max-with-pad")):
        down = torch.nn.Linear(D, R, bias=False)
        up = torch.nn.Linear(R, D, bias=False)
        ln = torch.nn.LayerNorm(D, eps=1e-5)
        with torch.no_grad():
            down.weight.normal_(0, 0.5, generator=rng)
            up.weight.normal_(0, 0.5, generator=rng)
            ln.weight.copy_(1 + 0.3 * torch.randn(D, generator=rng))
            ln.bias.copy_(0.2 * torch.randn(D, generator=rng))
        task_prompt = torch.randn(L, D, generator=rng)
        os.makedirs(os.path.join(TASKS_DIR, name))
        safetensors.torch.save_file({"task_prompt": task_prompt.contiguous(), "down.weight": down.weight.detach().contiguous(),
                                     "up.weight": up.weight.detach().contiguous(), "layer_norm.weight": ln.weight.detach().contiguous(),
                                     "layer_norm.bias": ln.bias.detach().contiguous()}, os.path.join(TASKS_DIR, name, "spe.safetensors"))
        max_len = 10
        write_json(os.path.join(TASKS_DIR, name, "task.json"), {
            "format": "album.task/1", "kind": "spe", "baseModel": base, "promptLength": L, "maxInputTokens": max_len,
            "spe": {"album": "album-a", "albumHash": album_hash(album), "temperature": temperature, "pooling": pooling,
                    "includeTaskInAttention": attempt}})
        for i in range(len(inputs)):
            X = E[inputs[i]]
            with torch.no_grad():
                P, a = spe_reference(X, album, task_prompt, down, up, ln, temperature, attempt,
                                     pad_row=E[0] if pooling == "max-with-pad" else None, max_len=max_len)
            Z = torch.cat([P, X])
            add_case(name, i, P, log_likelihood_embeds(model, Z, targets[i]), greedy_embeds(model, Z, 5), weights=a)

    write_json(os.path.join(ROOT, "golden.json"), {
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "fingerprint": fp, "albumHash": album_hash(album), "dModel": D, "vocab": VOCAB, "cases": cases})
    print(f"wrote {len(cases)} cases to {ROOT}")


if __name__ == "__main__":
    main()
