#!/usr/bin/env python3
# Builds the tiny random T5 checkpoints and Hugging Face goldens that Album's T5 tests compare against.
# Reference: transformers' modeling_t5.T5ForConditionalGeneration (eager attention, fp32) and generate(num_beams=K).
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
EOS = 1

# (a) T5 v1.0: tied embedding (output rescaled by d_model^-0.5), ReLU.
# (b) T5 v1.1: gated-gelu, untied lm_head, 3 encoder / 2 decoder layers, d_kv*heads != d_model, non-default
#     relative-attention buckets, max distance and epsilon.
# (c) BF16 weights in several shards (model.safetensors.index.json), gated-relu, untied.
# (d) F16 weights, plain (erf) gelu, tied.
VARIANTS = {
    "v10_relu_tied": dict(
        config=dict(vocab_size=320, d_model=32, d_kv=8, num_heads=4, d_ff=64, num_layers=2,
                    feed_forward_proj="relu", tie_word_embeddings=True),
        seed=1, dtype=torch.float32, shard=None, eos_boost=1.5),
    "v11_gated_untied": dict(
        config=dict(vocab_size=256, d_model=40, d_kv=10, num_heads=3, d_ff=48, num_layers=3, num_decoder_layers=2,
                    relative_attention_num_buckets=16, relative_attention_max_distance=20, layer_norm_epsilon=1e-5,
                    feed_forward_proj="gated-gelu", tie_word_embeddings=False),
        seed=2, dtype=torch.float32, shard=None, eos_boost=1.9),
    "bf16_sharded": dict(
        config=dict(vocab_size=288, d_model=32, d_kv=16, num_heads=2, d_ff=48, num_layers=2,
                    feed_forward_proj="gated-relu", tie_word_embeddings=False),
        seed=3, dtype=torch.bfloat16, shard="24KB", eos_boost=1.5),
    "f16_gelu": dict(
        config=dict(vocab_size=256, d_model=32, d_kv=8, num_heads=4, d_ff=64, num_layers=2,
                    feed_forward_proj="gelu", tie_word_embeddings=True),
        seed=4, dtype=torch.float16, shard=None, eos_boost=1.8),
}

INPUT_LENGTHS = [1, 4, 9, 17, 33]       # 33 > every max_distance and > 2*max_exact: exercises the log buckets
TARGET_LENGTHS = [1, 3, 6, 10]
GREEDY_MAX_NEW = 12
BEAM_CASES = [  # (num_beams, max_new_tokens, length_penalty, early_stopping)
    (2, 8, 1.0, False),
    (3, 10, 0.6, True),
    (4, 10, 2.0, "never"),
    (3, 9, -0.5, False),
    (4, 7, 1.0, True),
]
BUCKET_CASES = [(32, 128), (16, 20), (8, 16), (10, 40)]


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "safetensors": safetensors.__version__, "python": sys.version.split()[0]}


def random_ids(generator, length, vocab):
    """Random content tokens (never pad/EOS) followed by EOS, like a tokenizer's output."""
    body = torch.randint(2, vocab, (length - 1,), generator=generator).tolist()
    return body + [EOS]


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


def build(name, spec):
    directory = OUT / name
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    torch.manual_seed(spec["seed"])
    generator = torch.Generator().manual_seed(spec["seed"])
    config = T5Config(decoder_start_token_id=0, **spec["config"])
    model = T5ForConditionalGeneration(config).eval()
    if not spec["config"]["tie_word_embeddings"]:
        # transformers 5 ties lm_head to shared at init; give the head its own weights (as in v1.1 checkpoints).
        model.lm_head.weight = torch.nn.Parameter(torch.randn(config.vocab_size, config.d_model) * 0.5)
    boost_eos(model, spec["eos_boost"], generator)
    model.to(spec["dtype"])
    if spec["shard"]:
        model.save_pretrained(directory, max_shard_size=spec["shard"])
    else:
        model.save_pretrained(directory)
    (directory / "generation_config.json").unlink(missing_ok=True)

    # Goldens come from the checkpoint as a user would load it, computed in fp32 with eager attention.
    model = T5ForConditionalGeneration.from_pretrained(directory, dtype=torch.float32,
                                                       attn_implementation="eager").eval()
    if not spec["config"]["tie_word_embeddings"]:
        assert not torch.equal(model.lm_head.weight, model.shared.weight), "lm_head must stay untied"
    vocab = config.vocab_size
    inputs = [random_ids(generator, n, vocab) for n in INPUT_LENGTHS]
    targets = [random_ids(generator, n, vocab) for n in TARGET_LENGTHS]
    with torch.no_grad():
        golden = {"meta": versions() | {"variant": name, "seed": spec["seed"], "stored_dtype": str(spec["dtype"])},
                  "parameter_count": sum(p.numel() for p in model.parameters()),
                  "inputs": inputs, "targets": targets,
                  "scores": score_pairs(model, inputs, targets),
                  "greedy": [greedy(model, ids, GREEDY_MAX_NEW) for ids in inputs],
                  "beam": beams(model, inputs)}
        save_hidden(model, inputs[2], targets[2], directory / "hidden.safetensors")
    golden["hidden"] = {"input": inputs[2], "target": targets[2]}
    (directory / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")
    print(f"{name}: {sorted(p.name for p in directory.iterdir())}")


def score_pairs(model, inputs, targets):
    """Teacher-forced log-likelihood of each target given each input (decoder input = [start] + target[:-1])."""
    rows = []
    for i, source in enumerate(inputs):
        for j, target in enumerate(targets):
            if (i + j) % 2:
                continue
            labels = torch.tensor([target])
            logits = model(input_ids=torch.tensor([source]), labels=labels).logits[0]
            logprobs = torch.log_softmax(logits, dim=-1)
            per_token = logprobs.gather(1, labels[0][:, None])[:, 0].double()
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
    assert min_margin > 1e-4, f"greedy golden too close to a tie ({min_margin})"
    return {"ids": decoded[1:], "min_margin": min_margin}


def beams(model, inputs):
    rows = []
    for case_index, (num_beams, max_new, length_penalty, early_stopping) in enumerate(BEAM_CASES):
        for i, source in enumerate(inputs):
            if (i + case_index) % 2:
                continue
            out = model.generate(torch.tensor([source]), num_beams=num_beams, max_new_tokens=max_new,
                                 length_penalty=length_penalty, early_stopping=early_stopping, do_sample=False,
                                 num_return_sequences=1)
            rows.append({"input": i, "num_beams": num_beams, "max_new_tokens": max_new,
                         "length_penalty": length_penalty, "early_stopping": early_stopping,
                         "ids": out[0, 1:].tolist()})
    return rows


def save_hidden(model, source, target, path):
    """Per-layer outputs of every encoder and decoder block (forward hooks), the final norms and the logits."""
    captured = {}

    def hook(key):
        def record(_module, _inputs, output):
            captured[key] = (output[0] if isinstance(output, tuple) else output)[0].contiguous().clone()
        return record

    handles = []
    for i, block in enumerate(model.encoder.block):
        handles.append(block.register_forward_hook(hook(f"encoder.block.{i}")))
    for i, block in enumerate(model.decoder.block):
        handles.append(block.register_forward_hook(hook(f"decoder.block.{i}")))
    handles.append(model.encoder.final_layer_norm.register_forward_hook(hook("encoder.final")))
    handles.append(model.decoder.final_layer_norm.register_forward_hook(hook("decoder.final")))
    logits = model(input_ids=torch.tensor([source]), labels=torch.tensor([target])).logits[0]
    for handle in handles:
        handle.remove()
    captured["logits"] = logits.contiguous()
    save_file({k: v.float() for k, v in captured.items()}, str(path), metadata=versions())


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
    for variant_name, variant in VARIANTS.items():
        build(variant_name, variant)
