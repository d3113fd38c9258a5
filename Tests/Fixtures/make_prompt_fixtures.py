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
then the other file encodings Album reads, in encodings/ (kept out of tasks/, which the engine and server tests serve):
  t5x-f16/ (.npy '<f2'), t5x-npy-v2/ and t5x-npy-v3/ (.npy format 2.0 and 3.0), static-f16/ and static-bf16/
  (prompt.safetensors written by torch in F16 / BF16)
and peft-export/: static-a exported by Album itself (`album tasks export`), which PEFT then loads with
PeftModel.from_pretrained to record its log-likelihoods and greedy tokens.
golden.json holds, per case, the input/target ids, the expected prompt rows, SPE attention weights, summed target
log-likelihoods (teacher forcing) and greedy tokens. References run in float64 (prompts and weights are stored as
float32, or F16/BF16, and widened exactly). PEFT cases are computed by PEFT's own forward/generate; the SPE reference
below is written from the method spec (docs/task-format.md, spe-method §7), not from Album's code. Every prompt (and
SPE module) is drawn again until its greedy outputs vary (several distinct tokens, no near-tie) and differ from every
other prompt's output on the same input.

Run from the repository root:  python3 Tests/Fixtures/make_prompt_fixtures.py
(the export step runs `swift run album`; set ALBUM=path/to/album to use a built binary instead).
"""
import copy
import hashlib
import json
import math
import os
import shutil
import subprocess
import tempfile

import numpy as np
import peft
import safetensors.torch
import torch
import torch.nn.functional as F
import transformers
from peft import (MultitaskPromptTuningConfig, PeftModel, PromptTuningConfig, TaskType, get_peft_model)
from transformers import T5Config, T5ForConditionalGeneration

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "prompts")
MODEL_DIR = os.path.join(ROOT, "model")
TASKS_DIR = os.path.join(ROOT, "tasks")
ENCODINGS_DIR = os.path.join(ROOT, "encodings")
EXPORT_DIR = os.path.join(ROOT, "peft-export")
VOCAB, D = 64, 16
PAD, EOS = 0, 1
GREEDY_STEPS = 8
MIN_DISTINCT = 3      # distinct content tokens (not pad, not EOS) in every greedy golden
MIN_MARGIN = 2e-3     # top-1 minus top-2 logit at every greedy step (Album computes in float32)
FIRST_SEED = 1234
MAX_DRAWS = 500       # candidate prompts per task before giving up
# Weight scales (as in make_t5_fixtures.py): HF's init leaves a tiny model nearly constant, so that four different
# prompts gave the same five tokens. embed: shared embedding std; gain: std·sqrt(fan_in) of the value, output and
# feed-forward projections; qk: the same for queries and keys; bias: relative-attention tables; norm: layer-norm spread.
INIT = dict(embed=0.5, gain=3.0, qk=0.7, bias=1.0, norm=0.2)
INPUTS = [[5, 9, 17, 3, 1], [22, 1], [40, 41, 42, 43, 44, 45, 46, 47, 48, 1], [12, 30, 7, 1]]
TARGETS = [[8, 1], [3, 14, 1], [60, 1], [2, 2, 9, 1]]


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
            "numpy": np.__version__, "safetensors": safetensors.__version__}


def fingerprint(embedding: torch.Tensor) -> str:
    """sha256("album-model-fingerprint/1 d_model=<d> vocab=<V>\\n" ++ float32-LE bytes of the (V, d) table)."""
    v, d = embedding.shape
    h = hashlib.sha256(f"album-model-fingerprint/1 d_model={d} vocab={v}\n".encode())
    h.update(embedding.detach().to(torch.float32).numpy().astype("<f4").tobytes())
    return "sha256:" + h.hexdigest()


def album_hash(prompts: torch.Tensor) -> str:
    return "sha256:" + hashlib.sha256(prompts.detach().float().numpy().astype("<f4").tobytes()).hexdigest()


def floats(t: torch.Tensor):
    return [float(x) for x in t.detach().double().reshape(-1).tolist()]


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
        f.write("\n")


def build_model(seed):
    config = T5Config(vocab_size=VOCAB, d_model=D, d_kv=8, d_ff=32, num_layers=2, num_decoder_layers=2, num_heads=2,
                      relative_attention_num_buckets=8, relative_attention_max_distance=16, dropout_rate=0.0,
                      feed_forward_proj="relu", tie_word_embeddings=True, decoder_start_token_id=0,
                      pad_token_id=0, eos_token_id=1)
    torch.manual_seed(seed)
    model = T5ForConditionalGeneration(config).eval()
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g)
            if name == "shared.weight":
                p.copy_(noise * INIT["embed"])
            elif "relative_attention_bias" in name:
                p.copy_(noise * INIT["bias"])
            elif "layer_norm" in name:
                p.copy_(1 + noise * INIT["norm"])
            elif name.endswith((".q.weight", ".k.weight")):
                p.copy_(noise * INIT["qk"] / math.sqrt(p.shape[1]))
            else:
                p.copy_(noise * INIT["gain"] / math.sqrt(p.shape[1]))
    model.save_pretrained(MODEL_DIR, safe_serialization=True)
    return model


def double(module):
    return copy.deepcopy(module).double().eval()


@torch.no_grad()
def log_likelihood_embeds(model, embeds: torch.Tensor, target: list) -> float:
    """Sum of log p(target | [P; X]) with teacher forcing; encoder mask all ones. `model` runs in its own dtype."""
    labels = torch.tensor([target])
    out = model(inputs_embeds=embeds[None].to(model.dtype), attention_mask=torch.ones(1, embeds.shape[0], dtype=torch.long),
                labels=labels)
    logp = F.log_softmax(out.logits.double(), dim=-1)[0]
    return float(logp.gather(1, labels[0][:, None]).sum())


@torch.no_grad()
def greedy_embeds(model, embeds: torch.Tensor, steps: int):
    """Greedy ids after the start token, re-running the decoder each step, and the smallest top-1/top-2 margin."""
    embeds = embeds[None].to(model.dtype)
    encoder_outputs = model.get_encoder()(inputs_embeds=embeds)
    decoded, margin = [model.config.decoder_start_token_id], math.inf
    for _ in range(steps):
        logits = model(encoder_outputs=encoder_outputs, decoder_input_ids=torch.tensor([decoded])).logits[0, -1]
        top = torch.topk(logits, 2).values
        margin = min(margin, float(top[0] - top[1]))
        decoded.append(int(logits.argmax()))
        if decoded[-1] == EOS:
            break
    return decoded[1:], margin


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


class Cases:
    """The golden cases, plus the greedy margins (kept out of golden.json) and, per input, the greedy outputs taken so
    far, so that every new prompt can be drawn until it gives a varied output of its own."""

    def __init__(self, model):
        self.model64 = double(model)
        self.E64 = self.model64.shared.weight.detach()
        self.cases, self.margins = [], []
        self.taken = {i: set() for i in range(len(INPUTS))}

    def acceptable(self, prompt, inputs):
        """Whether [P; E[x]] gives, for each input, a varied greedy output no other prompt gave, with no near-tie."""
        for i in inputs:
            ids, margin = greedy_embeds(self.model64, torch.cat([prompt.double(), self.E64[INPUTS[i]]]), GREEDY_STEPS)
            if margin < MIN_MARGIN or len(set(ids) - {PAD, EOS}) < MIN_DISTINCT or tuple(ids) in self.taken[i]:
                return False
        return True

    def add(self, task, idx, prompt, ll, greedy=None, weights=None, into=None):
        """`prompt` (l, d) as Album must see it; `greedy` from the task's own reference when it has one (PEFT),
        checked against greedy decoding on [P; E[x]] here, as `ll` is checked against teacher forcing on [P; E[x]]."""
        P = prompt.detach().double()
        Z = torch.cat([P, self.E64[INPUTS[idx]]])
        ids, margin = greedy_embeds(self.model64, Z, GREEDY_STEPS)
        assert greedy is None or greedy == ids, f"{task}: reference greedy {greedy} != [P; X] greedy {ids}"
        reference = log_likelihood_embeds(self.model64, Z, TARGETS[idx])
        assert abs(ll - reference) <= 1e-9 * abs(reference), f"{task}: reference {ll} != [P; X] {reference}"
        case = {"task": task, "input": INPUTS[idx], "target": TARGETS[idx], "prompt": floats(P),
                "promptShape": list(P.shape), "logLikelihood": ll, "greedy": ids}
        if weights is not None:
            case["weights"] = floats(weights)
        (self.cases if into is None else into).append(case)
        self.margins.append(margin)
        if into is None:
            self.taken[idx].add(tuple(ids))


def draw_until(c, draw, prompts_of, inputs, what):
    """Draws parameters with `draw()` until the prompt(s) they give (`prompts_of`: per input) are acceptable."""
    for _ in range(MAX_DRAWS):
        params = draw()
        with torch.no_grad():
            if all(c.acceptable(prompt, [i]) for i, prompt in zip(inputs, prompts_of(params, inputs))):
                return params
    raise SystemExit(f"{what}: no acceptable prompt in {MAX_DRAWS} draws; change INIT")


@torch.no_grad()
def peft_reference(peft_model, idx, **kwargs):
    """Log-likelihood and greedy ids from PEFT's own forward and generate, in float64."""
    m = double(peft_model)
    ids = torch.tensor([INPUTS[idx]])
    out = m(input_ids=ids, attention_mask=torch.ones_like(ids), labels=torch.tensor([TARGETS[idx]]), **kwargs)
    logp = F.log_softmax(out.logits.double(), dim=-1)[0]
    ll = float(logp.gather(1, torch.tensor(TARGETS[idx])[:, None]).sum())
    gen = m.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=GREEDY_STEPS, do_sample=False,
                     num_beams=1, **kwargs)
    return ll, [int(t) for t in gen[0].tolist()[1:]]


def build(seed):
    shutil.rmtree(ROOT, ignore_errors=True)
    os.makedirs(TASKS_DIR)
    model = build_model(seed)
    E = model.shared.weight.detach()
    fp = fingerprint(E)
    base = {"fingerprint": fp, "dModel": D}
    rng = torch.Generator().manual_seed(seed + 7)
    c = Cases(model)
    everywhere = list(range(len(INPUTS)))

    # PEFT PROMPT_TUNING, saved by PEFT (num_transformer_submodules defaults to 2 → 2·l rows stored). The rows are
    # drawn like PEFT's RANDOM init (N(0, 1)), until the encoder rows give varied outputs.
    l_pt = 4
    pt = get_peft_model(model, PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=l_pt,
                                                  prompt_tuning_init="RANDOM")).eval()
    table = pt.prompt_encoder["default"].embedding.weight
    rows = draw_until(c, lambda: torch.randn(table.shape, generator=rng), lambda t, ins: [t[:l_pt]] * len(ins),
                      everywhere, "peft-pt")
    with torch.no_grad():
        table.copy_(rows)
    pt.save_pretrained(os.path.join(TASKS_DIR, "peft-pt"), safe_serialization=True)
    pt_prompt = pt.get_prompt(batch_size=1)[0, :l_pt].detach()
    for i in everywhere:
        ll, greedy = peft_reference(pt, i)
        c.add("peft-pt", i, pt_prompt, ll, greedy)
    model = pt.unload() if hasattr(pt, "unload") else pt.base_model

    # PEFT MULTITASK_PROMPT_TUNING (2 tasks, rank 2, encoder-only prompt), parameters randomised so P_t is not tiny.
    mpt = get_peft_model(model, MultitaskPromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=3,
                                                            num_tasks=2, num_ranks=2, num_transformer_submodules=1,
                                                            prompt_tuning_init="RANDOM")).eval()
    enc = mpt.prompt_encoder["default"]
    task_ids = torch.tensor([1])

    def mpt_draw():
        return torch.randn(enc.prefix_task_cols.shape, generator=rng), torch.randn(enc.prefix_task_rows.shape, generator=rng)

    def mpt_prompt_of(params):
        with torch.no_grad():
            enc.prefix_task_cols.copy_(params[0])
            enc.prefix_task_rows.copy_(params[1])
        return mpt.get_prompt(batch_size=1, task_ids=task_ids)[0, :3].detach()

    chosen = draw_until(c, mpt_draw, lambda p, ins: [mpt_prompt_of(p)] * len(ins), [0, 2], "peft-mpt")
    mpt_prompt_of(chosen)
    mpt.save_pretrained(os.path.join(TASKS_DIR, "peft-mpt"), safe_serialization=True)
    write_json(os.path.join(TASKS_DIR, "peft-mpt", "task.json"),
               {"format": "album.task/1", "kind": "static", "promptFormat": "peft", "peftTaskId": 1, "baseModel": base})
    mpt_prompt = double(mpt).get_prompt(batch_size=1, task_ids=task_ids)[0, :3].detach()
    for i in (0, 2):
        ll, _ = peft_reference(mpt, i, task_ids=task_ids)
        c.add("peft-mpt", i, mpt_prompt, ll)  # PEFT's MPT generate() needs task_ids plumbing; greedy on [P_t; X]
    model = mpt.unload() if hasattr(mpt, "unload") else mpt.base_model
    model = model.eval()
    # The PEFT wrappers must have left the base model untouched: compare with a fresh load from disk.
    fresh = T5ForConditionalGeneration.from_pretrained(MODEL_DIR).eval()
    probe = torch.cat([torch.randn(2, D, generator=torch.Generator().manual_seed(0)), E[INPUTS[0]]])
    assert abs(log_likelihood_embeds(model, probe, TARGETS[0]) - log_likelihood_embeds(fresh, probe, TARGETS[0])) < 1e-9

    def static_prompt(rows, inputs, what):
        return draw_until(c, lambda: torch.randn(rows, D, generator=rng), lambda p, ins: [p] * len(ins), inputs, what)

    # T5X .npy prompt (no manifest).
    t5x_prompt = static_prompt(3, [0, 1], "t5x")
    os.makedirs(os.path.join(TASKS_DIR, "t5x"))
    np.save(os.path.join(TASKS_DIR, "t5x", "prompt.npy"), t5x_prompt.numpy().astype("<f4"))
    for i in (0, 1):
        Z = torch.cat([t5x_prompt.double(), c.E64[INPUTS[i]]])
        c.add("t5x", i, t5x_prompt, log_likelihood_embeds(c.model64, Z, TARGETS[i]))

    # Album static prompt with template and labels, on every input (its PEFT export is checked on each).
    static = static_prompt(3, everywhere, "static-a")
    os.makedirs(os.path.join(TASKS_DIR, "static-a"))
    safetensors.torch.save_file({"prompt": static.contiguous()}, os.path.join(TASKS_DIR, "static-a", "prompt.safetensors"))
    write_json(os.path.join(TASKS_DIR, "static-a", "task.json"), {
        "format": "album.task/1", "name": "static-a", "kind": "static", "version": "1.0", "baseModel": base,
        "promptLength": 3, "template": "premise: {premise} hypothesis: {hypothesis}",
        "labels": ["entailment", "not_entailment"], "decoding": {"mode": "rank", "maxNewTokens": 4},
        "maxInputTokens": 32})
    for i in everywhere:
        Z = torch.cat([static.double(), c.E64[INPUTS[i]]])
        c.add("static-a", i, static, log_likelihood_embeds(c.model64, Z, TARGETS[i]))

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
        max_len = 10

        def spe_draw():
            down = torch.nn.Linear(D, R, bias=False)
            up = torch.nn.Linear(R, D, bias=False)
            ln = torch.nn.LayerNorm(D, eps=1e-5)
            with torch.no_grad():
                down.weight.normal_(0, 0.5, generator=rng)
                up.weight.normal_(0, 0.5, generator=rng)
                ln.weight.copy_(1 + 0.3 * torch.randn(D, generator=rng))
                ln.bias.copy_(0.2 * torch.randn(D, generator=rng))
            return down, up, ln, torch.randn(L, D, generator=rng)

        def spe_prompts(params, inputs):
            down, up, ln, task_prompt = params
            return [spe_reference(c.E64[INPUTS[i]], album.double(), task_prompt.double(), double(down), double(up),
                                  double(ln), temperature, attempt,
                                  pad_row=c.E64[0] if pooling == "max-with-pad" else None, max_len=max_len)[0]
                    for i in inputs]

        down, up, ln, task_prompt = draw_until(c, spe_draw, spe_prompts, everywhere, name)
        os.makedirs(os.path.join(TASKS_DIR, name))
        safetensors.torch.save_file({"task_prompt": task_prompt.contiguous(), "down.weight": down.weight.detach().contiguous(),
                                     "up.weight": up.weight.detach().contiguous(), "layer_norm.weight": ln.weight.detach().contiguous(),
                                     "layer_norm.bias": ln.bias.detach().contiguous()}, os.path.join(TASKS_DIR, name, "spe.safetensors"))
        write_json(os.path.join(TASKS_DIR, name, "task.json"), {
            "format": "album.task/1", "kind": "spe", "baseModel": base, "promptLength": L, "maxInputTokens": max_len,
            "spe": {"album": "album-a", "albumHash": album_hash(album), "temperature": temperature, "pooling": pooling,
                    "includeTaskInAttention": attempt}})
        down64, up64, ln64 = double(down), double(up), double(ln)
        for i in everywhere:
            X = c.E64[INPUTS[i]]
            with torch.no_grad():
                P, a = spe_reference(X, album.double(), task_prompt.double(), down64, up64, ln64, temperature, attempt,
                                     pad_row=c.E64[0] if pooling == "max-with-pad" else None, max_len=max_len)
            c.add(name, i, P, log_likelihood_embeds(c.model64, torch.cat([P, X]), TARGETS[i]), weights=a)

    encodings = build_encodings(c, base, rng)
    return c, encodings, fp, album_hash(album)


def build_encodings(c, base, rng):
    """A static prompt in every other encoding Album reads; goldens on the widened values."""
    os.makedirs(ENCODINGS_DIR)
    out = []

    def widened_draw(rows, dtype):
        # The candidate as it will be stored (rounded to F16 / BF16 where the file holds that), widened again.
        return lambda: torch.randn(rows, D, generator=rng).to(dtype).float()

    def case(name, widened, idx):
        Z = torch.cat([widened.double(), c.E64[INPUTS[idx]]])
        c.add(name, idx, widened, log_likelihood_embeds(c.model64, Z, TARGETS[idx]), into=out)
        c.taken[idx].add(tuple(out[-1]["greedy"]))

    same = lambda p, ins: [p] * len(ins)
    for name, dtype, version, idx in (("t5x-f16", torch.float16, (1, 0), 2), ("t5x-npy-v2", torch.float32, (2, 0), 3),
                                      ("t5x-npy-v3", torch.float32, (3, 0), 1)):
        widened = draw_until(c, widened_draw(3, dtype), same, [idx], name)
        values = widened.to(dtype).numpy()
        assert values.dtype.str in ("<f2", "<f4")
        os.makedirs(os.path.join(ENCODINGS_DIR, name))
        with open(os.path.join(ENCODINGS_DIR, name, "prompt.npy"), "wb") as f:
            np.lib.format.write_array(f, values, version=version)
        back = np.load(os.path.join(ENCODINGS_DIR, name, "prompt.npy"))
        assert back.dtype == values.dtype and np.array_equal(back, values)
        case(name, torch.from_numpy(back.astype(np.float32)), idx)
    for name, dtype, idx in (("static-f16", torch.float16, 0), ("static-bf16", torch.bfloat16, 3)):
        widened = draw_until(c, widened_draw(4, dtype), same, [idx], name)
        os.makedirs(os.path.join(ENCODINGS_DIR, name))
        safetensors.torch.save_file({"prompt": widened.to(dtype).contiguous()},
                                    os.path.join(ENCODINGS_DIR, name, "prompt.safetensors"))
        write_json(os.path.join(ENCODINGS_DIR, name, "task.json"), {
            "format": "album.task/1", "name": name, "kind": "static", "baseModel": base, "promptLength": 4})
        stored = safetensors.torch.load_file(os.path.join(ENCODINGS_DIR, name, "prompt.safetensors"))["prompt"]
        assert stored.dtype == dtype
        case(name, stored.float(), idx)
    return out


def album_command():
    if os.environ.get("ALBUM"):
        return [os.environ["ALBUM"]]
    return ["swift", "run", "--package-path", REPO, "album"]


def export_with_album():
    """static-a exported by Album's own `album tasks export` (from a scratch copy: the registry owns its directory)."""
    scratch = tempfile.mkdtemp()
    try:
        tasks = os.path.join(scratch, "tasks")
        shutil.copytree(TASKS_DIR, tasks)
        env = dict(os.environ, ALBUM_MODEL_ONLY="1")
        subprocess.run(album_command() + ["tasks", "export", "static-a", "--tasks", tasks, "--model", MODEL_DIR,
                                          "--out", EXPORT_DIR], check=True, env=env)
    finally:
        shutil.rmtree(scratch)


def peft_export_cases(model, c):
    """PEFT loads Album's export by itself; its log-likelihoods and greedy ids become the golden."""
    exported = PeftModel.from_pretrained(model, EXPORT_DIR).eval()
    assert exported.peft_config["default"].num_virtual_tokens == 3
    prompt = exported.get_prompt(batch_size=1)[0].detach()
    out = []
    for i in range(len(INPUTS)):
        ll, greedy = peft_reference(exported, i)
        c.add("peft-export", i, prompt, ll, greedy, into=out)
    return out


def check_sharp(cases):
    """Every greedy golden varies, no step is a near-tie, and different prompts on one input give different ids."""
    by_input = {}
    for case in cases:
        assert len(set(case["greedy"]) - {PAD, EOS}) >= MIN_DISTINCT, case
        by_input.setdefault(tuple(case["input"]), []).append(tuple(case["greedy"]))
    for outputs in by_input.values():
        assert len(set(outputs)) == len(outputs), outputs


def main():
    seed = FIRST_SEED
    c, encodings, fp, ahash = build(seed)
    check_sharp(c.cases + encodings)
    assert min(c.margins) >= MIN_MARGIN
    export_with_album()
    model = T5ForConditionalGeneration.from_pretrained(MODEL_DIR).eval()
    exported = peft_export_cases(model, c)
    write_json(os.path.join(ROOT, "golden.json"), {
        "versions": versions(), "seed": seed, "referenceDType": "torch.float64", "greedyMaxNewTokens": GREEDY_STEPS,
        "minDistinct": MIN_DISTINCT, "minMargin": MIN_MARGIN, "minMarginObserved": min(c.margins),
        "fingerprint": fp, "albumHash": ahash, "dModel": D, "vocab": VOCAB, "cases": c.cases,
        "encodings": encodings, "peftExport": exported})
    print(f"seed {seed}: wrote {len(c.cases)} cases, {len(encodings)} encodings, {len(exported)} PEFT-export cases "
          f"to {ROOT}; min margin {min(c.margins):.2e}")


if __name__ == "__main__":
    torch.set_num_threads(1)
    main()
