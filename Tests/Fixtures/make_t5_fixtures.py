#!/usr/bin/env python3
# Builds the tiny random T5 checkpoints and Hugging Face goldens that Album's T5 tests compare against.
# Reference: transformers' modeling_t5.T5ForConditionalGeneration (eager attention, run in float64 so the goldens carry
# almost none of the reference's own rounding) and generate(num_beams=K).
# Usage: python3 Tests/Fixtures/make_t5_fixtures.py   (writes Tests/Fixtures/t5/<variant>/...; seeded, reproducible)
# Never edit the outputs by hand: change this script and re-run it.
import json
import math
import shutil
import sys
from pathlib import Path

import safetensors
import torch
import transformers
from safetensors.torch import save_file
from transformers import T5Config, T5ForConditionalGeneration
from transformers.models.t5.modeling_t5 import T5Attention

OUT = Path(__file__).resolve().parent / "t5"
EOS, PAD = 1, 0

# (a) T5 v1.0: tied embedding (output rescaled by d_model^-0.5), ReLU.
# (b) T5 v1.1: gated-gelu, untied lm_head, 3 encoder / 2 decoder layers, d_kv*heads != d_model, non-default
#     relative-attention buckets, max distance and epsilon.
# (c) BF16 weights in several shards (model.safetensors.index.json), gated-relu, untied.
# (d) F16 weights, plain (erf) gelu, tied.
# `init` scales the random weights (HF's own init leaves a tiny model nearly constant: the same token over and over):
# embed = std of the shared embedding (small, so layer_norm_epsilon visibly matters), gain = std·sqrt(fan_in) of the
# value, output and feed-forward projections (large, so the blocks rather than the copied input embedding decide the
# next token), qk = the same for queries and keys (moderate: T5 does not scale q·k, and peaked attention makes float32
# rounding grow), bias = std of the relative-attention tables (so buckets and max distance matter), norm = spread of
# the layer-norm weights around 1, head = std of an untied lm_head (moderate, for the same reason as qk).
VARIANTS = {
    "v10_relu_tied": dict(
        config=dict(vocab_size=320, d_model=32, d_kv=8, num_heads=4, d_ff=64, num_layers=2,
                    feed_forward_proj="relu", tie_word_embeddings=True),
        seed=1, dtype=torch.float32, shard=None, eos_boost=1.5,
        init=dict(embed=0.3, gain=3.0, qk=0.7, bias=1.0, norm=0.2, head=None)),
    "v11_gated_untied": dict(
        config=dict(vocab_size=256, d_model=40, d_kv=10, num_heads=3, d_ff=48, num_layers=3, num_decoder_layers=2,
                    relative_attention_num_buckets=16, relative_attention_max_distance=20, layer_norm_epsilon=1e-5,
                    feed_forward_proj="gated-gelu", tie_word_embeddings=False),
        seed=2, dtype=torch.float32, shard=None, eos_boost=1.9,
        init=dict(embed=0.1, gain=2.0, qk=0.5, bias=1.0, norm=0.2, head=0.3)),
    "bf16_sharded": dict(
        config=dict(vocab_size=288, d_model=32, d_kv=16, num_heads=2, d_ff=48, num_layers=2,
                    feed_forward_proj="gated-relu", tie_word_embeddings=False),
        seed=3, dtype=torch.bfloat16, shard="24KB", eos_boost=1.5,
        init=dict(embed=0.1, gain=2.0, qk=0.5, bias=1.0, norm=0.2, head=0.3)),
    "f16_gelu": dict(
        config=dict(vocab_size=256, d_model=32, d_kv=8, num_heads=4, d_ff=64, num_layers=2,
                    feed_forward_proj="gelu", tie_word_embeddings=True),
        seed=4, dtype=torch.float16, shard=None, eos_boost=1.8,
        init=dict(embed=0.3, gain=3.0, qk=0.7, bias=1.0, norm=0.2, head=None)),
}

INPUT_LENGTHS = [1, 4, 9, 17, 33]       # 33 > every max_distance and > 2*max_exact: exercises the log buckets
TARGET_LENGTHS = [1, 3, 6, 10]
HIDDEN_CASES = [(4, 3), (2, 2), (0, 1)]  # (input, target) pairs traced layer by layer: lengths 33/10, 9/6, 1/3
GREEDY_MAX_NEW = 12
BEAM_CASES = [  # (num_beams, max_new_tokens, length_penalty, early_stopping)
    (2, 8, 1.0, False),
    (3, 10, 0.6, True),
    (4, 10, 2.0, "never"),
    (3, 9, -0.5, False),
    (4, 7, 1.0, True),
]
BUCKET_CASES = [(32, 128), (16, 20), (8, 16), (10, 40)]
# What makes a golden able to fail: every greedy and beam output holds at least MIN_DISTINCT distinct content tokens
# (not pad, not EOS), greedy outputs differ between inputs, some greedy outputs stop at EOS and some at the length
# limit, some beam output stops at EOS (so early_stopping and length_penalty matter), and every greedy step wins by at
# least MIN_MARGIN logits (Album computes in float32).
MIN_DISTINCT = 3
MIN_MARGIN = 2e-3
MAX_SEEDS = 64
MAX_INPUT_TRIES = 200


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "safetensors": safetensors.__version__, "python": sys.version.split()[0]}


def random_ids(generator, length, vocab):
    """Random content tokens (never pad/EOS) followed by EOS, like a tokenizer's output."""
    body = torch.randint(2, vocab, (length - 1,), generator=generator).tolist()
    return body + [EOS]


def candidate_input(generator, length, vocab, attempt):
    """The attempt-th candidate input of `length` tokens. A one-token input is the bare EOS of an empty text first,
    then a single random content token (no EOS), so that length too has a choice."""
    if length == 1 and attempt > 0:
        return torch.randint(2, vocab, (1,), generator=generator).tolist()
    return random_ids(generator, length, vocab)


def randomize(model, init, generator):
    """Replaces HF's init by the variant's scaled normal weights (see VARIANTS)."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=generator)
            if name == "shared.weight":
                p.copy_(noise * init["embed"])
            elif name == "lm_head.weight":
                p.copy_(noise * init["head"])
            elif "relative_attention_bias" in name:
                p.copy_(noise * init["bias"])
            elif "layer_norm" in name:
                p.copy_(1 + noise * init["norm"])
            elif name.endswith((".q.weight", ".k.weight")):
                p.copy_(noise * init["qk"] / math.sqrt(p.shape[1]))
            else:  # nn.Linear (out, in)
                p.copy_(noise * init["gain"] / math.sqrt(p.shape[1]))


def boost_eos(model, strength, generator):
    """Makes EOS a plausible prediction: raises its logit by about `strength` logit standard deviations."""
    with torch.no_grad():
        states = []
        for _ in range(8):
            ids = torch.tensor([random_ids(generator, 6, model.config.vocab_size)])
            dec = torch.tensor([[0] + random_ids(generator, 5, model.config.vocab_size)[:-1]])
            out = model(input_ids=ids, decoder_input_ids=dec, output_hidden_states=True)
            hidden = out.decoder_hidden_states[-1][0]
            if model.config.scale_decoder_outputs:
                hidden = hidden * model.config.d_model ** -0.5
            states.append(hidden)
        states = torch.cat(states)
        head = model.get_output_embeddings().weight
        sigma = (states @ head.T).std().item()  # typical spread of the logits over the vocabulary
        mu = states.mean(0)
        head[EOS] += strength * sigma * mu / mu.dot(mu)


def make_checkpoint(directory, spec, seed):
    """Random model for `seed`, saved as a user would find it; returns the generator for drawing inputs."""
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    config = T5Config(decoder_start_token_id=0, **spec["config"])
    model = T5ForConditionalGeneration(config).eval()
    if not spec["config"]["tie_word_embeddings"]:
        # transformers 5 ties lm_head to shared at init; give the head its own weights (as in v1.1 checkpoints).
        model.lm_head.weight = torch.nn.Parameter(torch.empty(config.vocab_size, config.d_model))
    randomize(model, spec["init"], generator)
    boost_eos(model, spec["eos_boost"], generator)
    model.to(spec["dtype"])
    if spec["shard"]:
        model.save_pretrained(directory, max_shard_size=spec["shard"])
    else:
        model.save_pretrained(directory)
    (directory / "generation_config.json").unlink(missing_ok=True)
    return generator


def load_reference(directory, dtype):
    model = T5ForConditionalGeneration.from_pretrained(directory, dtype=dtype, attn_implementation="eager").eval()
    return model


def content_tokens(ids):
    return {t for t in ids if t not in (PAD, EOS)}


def acceptable(greedy_row, beam_rows):
    return (greedy_row["min_margin"] >= MIN_MARGIN and len(content_tokens(greedy_row["ids"])) >= MIN_DISTINCT
            and all(len(content_tokens(row["ids"])) >= MIN_DISTINCT for row in beam_rows))


def pick_inputs(reference, check, generator, vocab):
    """Per input length, the first random input (in generator order) whose greedy and beam goldens vary and whose
    greedy steps are not near-ties; the float32 model must give the same tokens. None if a length never works."""
    inputs = []
    for slot, length in enumerate(INPUT_LENGTHS):
        for attempt in range(MAX_INPUT_TRIES):
            ids = candidate_input(generator, length, vocab, attempt)
            if ids in inputs:
                continue
            row = greedy(reference, ids, GREEDY_MAX_NEW)
            beam_rows = beams_for(reference, slot, ids)
            if not acceptable(row, beam_rows):
                continue
            if greedy(check, ids, GREEDY_MAX_NEW)["ids"] != row["ids"] or \
                    [r["ids"] for r in beams_for(check, slot, ids)] != [r["ids"] for r in beam_rows]:
                continue
            inputs.append(ids)
            break
        else:
            return None
    return inputs


def golden_is_sharp(greedy_rows, beam_rows):
    ids = [tuple(row["ids"]) for row in greedy_rows]
    return (len(set(ids)) == len(ids) and any(row[-1] == EOS for row in ids)
            and any(len(row) == GREEDY_MAX_NEW and row[-1] != EOS for row in ids)
            and any(row["ids"][-1] == EOS for row in beam_rows))


def build(name, spec):
    directory = OUT / name
    vocab = spec["config"]["vocab_size"]
    for seed in range(spec["seed"], spec["seed"] + MAX_SEEDS):
        generator = make_checkpoint(directory, spec, seed)
        # Goldens come from the checkpoint as a user would load it, computed in float64 with eager attention; the
        # float32 load is only a check that no golden hangs on a rounding-level tie.
        reference = load_reference(directory, torch.float64)
        check = load_reference(directory, torch.float32)
        with torch.no_grad():
            inputs = pick_inputs(reference, check, generator, vocab)
            if inputs is None:
                continue
            greedy_rows = [greedy(reference, ids, GREEDY_MAX_NEW) for ids in inputs]
            beam_rows = [row for slot, ids in enumerate(inputs) for row in beams_for(reference, slot, ids)]
            if golden_is_sharp(greedy_rows, beam_rows):
                break
    else:
        raise SystemExit(f"{name}: no seed in {MAX_SEEDS} gives varied goldens; change the variant's init")
    if not spec["config"]["tie_word_embeddings"]:
        assert not torch.equal(reference.lm_head.weight, reference.shared.weight), "lm_head must stay untied"
    targets = [random_ids(generator, n, vocab) for n in TARGET_LENGTHS]
    with torch.no_grad():
        golden = {"meta": versions() | {"variant": name, "seed": seed, "stored_dtype": str(spec["dtype"]),
                                        "reference_dtype": "torch.float64", "init": spec["init"],
                                        "min_distinct": MIN_DISTINCT, "min_margin": MIN_MARGIN},
                  "parameter_count": sum(p.numel() for p in reference.parameters()),
                  "inputs": inputs, "targets": targets,
                  "scores": score_pairs(reference, inputs, targets),
                  "greedy": greedy_rows,
                  "beam": beam_rows,
                  "stored_values": stored_values(directory, spec["dtype"])}
        golden["beam"].sort(key=lambda row: (row["case"], row["input"]))
        golden["hidden"] = save_hidden(reference, inputs, targets, directory / "hidden.safetensors")
    (directory / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")
    distinct = [len(content_tokens(row["ids"])) for row in golden["greedy"]]
    beam_distinct = [len(content_tokens(row["ids"])) for row in golden["beam"]]
    print(f"{name}: seed {seed}, greedy distinct {distinct}, beam distinct {beam_distinct}, "
          f"min margin {min(row['min_margin'] for row in golden['greedy']):.2e}")


def score_pairs(model, inputs, targets):
    """Teacher-forced log-likelihood of each target given each input (decoder input = [start] + target[:-1])."""
    rows = []
    for i, source in enumerate(inputs):
        for j, target in enumerate(targets):
            if (i + j) % 2:
                continue
            labels = torch.tensor([target])
            logits = model(input_ids=torch.tensor([source]), labels=labels).logits[0]
            logprobs = torch.log_softmax(logits.double(), dim=-1)
            per_token = logprobs.gather(1, labels[0][:, None])[:, 0]
            rows.append({"input": i, "target": j, "logprob": per_token.sum().item(), "per_token": per_token.tolist()})
    return rows


def greedy(model, source, max_new):
    """Greedy decoding re-running the full decoder each step (no cache), recording the top-1/top-2 margin."""
    encoder_outputs = model.get_encoder()(input_ids=torch.tensor([source]))
    decoded = [model.config.decoder_start_token_id]
    min_margin = math.inf
    for _ in range(max_new):
        logits = model(encoder_outputs=encoder_outputs, decoder_input_ids=torch.tensor([decoded])).logits[0, -1]
        top = torch.topk(logits, 2).values
        min_margin = min(min_margin, (top[0] - top[1]).item())
        decoded.append(int(logits.argmax()))
        if decoded[-1] == EOS:
            break
    return {"ids": decoded[1:], "min_margin": min_margin}


def beams_for(model, slot, source):
    """The beam cases run on input `slot` (each case on every other input)."""
    rows = []
    for case_index, (num_beams, max_new, length_penalty, early_stopping) in enumerate(BEAM_CASES):
        if (slot + case_index) % 2:
            continue
        out = model.generate(torch.tensor([source]), num_beams=num_beams, max_new_tokens=max_new,
                             length_penalty=length_penalty, early_stopping=early_stopping, do_sample=False,
                             num_return_sequences=1)
        rows.append({"case": case_index, "input": slot, "num_beams": num_beams, "max_new_tokens": max_new,
                     "length_penalty": length_penalty, "early_stopping": early_stopping, "ids": out[0, 1:].tolist()})
    return rows


def stored_values(directory, dtype):
    """A few stored tensors as torch widens them to float32, for the safetensors widening tests."""
    model = T5ForConditionalGeneration.from_pretrained(directory, dtype=dtype)
    return {"encoder.final_layer_norm.weight": model.encoder.final_layer_norm.weight.float().tolist(),
            "shared.weight[5]": model.shared.weight[5].float().tolist()}


def save_hidden(model, inputs, targets, path):
    """Per-layer outputs of every encoder and decoder block (forward hooks), the final norms and the logits, for each
    of HIDDEN_CASES, stored as "<case>/<name>" float32 tensors; returns the cases for golden.json."""
    tensors, cases = {}, []
    for case, (i, j) in enumerate(HIDDEN_CASES):
        captured = {}

        def hook(key):
            def record(_module, _inputs, output):
                captured[key] = (output[0] if isinstance(output, tuple) else output)[0].contiguous().clone()
            return record

        handles = []
        for k, block in enumerate(model.encoder.block):
            handles.append(block.register_forward_hook(hook(f"encoder.block.{k}")))
        for k, block in enumerate(model.decoder.block):
            handles.append(block.register_forward_hook(hook(f"decoder.block.{k}")))
        handles.append(model.encoder.final_layer_norm.register_forward_hook(hook("encoder.final")))
        handles.append(model.decoder.final_layer_norm.register_forward_hook(hook("decoder.final")))
        logits = model(input_ids=torch.tensor([inputs[i]]), labels=torch.tensor([targets[j]])).logits[0]
        for handle in handles:
            handle.remove()
        captured["logits"] = logits.contiguous()
        tensors |= {f"{case}/{k}": v.float().contiguous() for k, v in captured.items()}
        cases.append({"prefix": f"{case}/", "input": inputs[i], "target": targets[j]})
    # One metadata entry: safetensors writes several in hash order, which would change the file on every run.
    meta = json.dumps(versions() | {"reference_dtype": "torch.float64"}, sort_keys=True)
    save_file(tensors, str(path), metadata={"golden": meta})
    return cases


def bucket_table():
    rows = []
    positions = list(range(-160, 161))
    for num_buckets, max_distance in BUCKET_CASES:
        for bidirectional in (True, False):
            buckets = T5Attention._relative_position_bucket(
                torch.tensor(positions), bidirectional=bidirectional, num_buckets=num_buckets,
                max_distance=max_distance)
            rows.append({"num_buckets": num_buckets, "max_distance": max_distance, "bidirectional": bidirectional,
                         "relative_positions": positions, "buckets": buckets.tolist()})
    (OUT / "relative_buckets.json").write_text(json.dumps({"meta": versions(), "cases": rows}) + "\n")


if __name__ == "__main__":
    torch.set_num_threads(1)
    OUT.mkdir(parents=True, exist_ok=True)
    bucket_table()
    only = sys.argv[1:]
    for variant_name, variant in VARIANTS.items():
        if not only or variant_name in only:
            build(variant_name, variant)
