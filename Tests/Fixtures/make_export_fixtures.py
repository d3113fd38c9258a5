#!/usr/bin/env python3
# Proves that transformers loads the checkpoints Album writes: reads Tests/Fixtures/t5/album_*/ (config.json +
# model.safetensors written by T5Model.save, see Tests/T5Tests/ExportFixtureTests.swift) with
# T5ForConditionalGeneration.from_pretrained, checks that every tensor was used and none is missing, and records the
# teacher-forced log-likelihoods transformers computes into golden.json, which the Swift test compares with Album's.
# Usage: ALBUM_REGENERATE_EXPORT_FIXTURES=1 swift test --filter ExportFixtureTests   (writes the checkpoints)
#        python3 Tests/Fixtures/make_export_fixtures.py                              (writes golden.json)
import json
import sys
from pathlib import Path

import safetensors
import torch
import transformers
from safetensors.torch import load_file
from transformers import T5ForConditionalGeneration

ROOT = Path(__file__).resolve().parent / "t5"
VARIANTS = {"album_tied_relu": 21, "album_untied_gated": 22}  # name -> seed of the inputs and targets
EOS = 1


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "safetensors": safetensors.__version__, "python": sys.version.split()[0]}


def random_ids(generator, length, vocab):
    return torch.randint(2, vocab, (length - 1,), generator=generator).tolist() + [EOS]


def build(name, seed):
    directory = ROOT / name
    model, info = T5ForConditionalGeneration.from_pretrained(directory, dtype=torch.float32,
                                                             attn_implementation="eager", output_loading_info=True)
    model.eval()
    problems = {k: v for k, v in info.items() if v and k != "error_msgs"} | {k: v for k, v in info.items() if k == "error_msgs" and v}
    assert not problems, f"{name}: transformers did not load the checkpoint cleanly: {problems}"
    stored = load_file(directory / "model.safetensors")
    state = model.state_dict()
    for key, value in stored.items():
        assert torch.equal(state[key], value), f"{name}: {key} differs after loading"
    config = json.loads((directory / "config.json").read_text())
    if not config["tie_word_embeddings"]:
        assert "lm_head.weight" in stored and not torch.equal(model.lm_head.weight, model.shared.weight)
    generator = torch.Generator().manual_seed(seed)
    vocab = model.config.vocab_size
    inputs = [random_ids(generator, n, vocab) for n in [1, 5, 14, 30]]
    targets = [random_ids(generator, n, vocab) for n in [1, 4, 9]]
    scores = []
    with torch.no_grad():
        for i, source in enumerate(inputs):
            for j, target in enumerate(targets):
                labels = torch.tensor([target])
                logits = model(input_ids=torch.tensor([source]), labels=labels).logits[0]
                logprob = torch.log_softmax(logits, dim=-1).gather(1, labels[0][:, None]).double().sum().item()
                scores.append({"input": i, "target": j, "logprob": logprob})
    golden = {"meta": versions() | {"variant": name, "seed": seed},
              "parameter_count": sum(p.numel() for p in model.parameters()),
              "inputs": inputs, "targets": targets, "scores": scores}
    (directory / "golden.json").write_text(json.dumps(golden, indent=1) + "\n")
    print(f"{name}: {len(scores)} scores, {golden['parameter_count']} parameters")


if __name__ == "__main__":
    for variant, seed in VARIANTS.items():
        build(variant, seed)
