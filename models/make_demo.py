#!/usr/bin/env python3
"""Demo assets that `album serve` (no arguments) serves: a tiny random T5 and a tasks directory.

  models/default/   a tiny random T5 (original-T5 layout: ReLU FFN, tied embeddings) in HF format (config.json +
                    model.safetensors) with a small SentencePiece unigram tokenizer trained here and converted by
                    transformers (tokenizer.json, spiece.model, tokenizer_config.json, special_tokens_map.json).
  models/tasks/     sentiment/    Album static prompt, classification (labels, rank decoding), prompt-tuned for a few
                                  steps on a toy dataset;
                    summarize/    a PEFT PROMPT_TUNING adapter saved by PEFT itself (TEXT init), no task.json;
                    source-album/ an SPE album: snapshots at 60/80/100 % of prompt tuning on two toy source tasks;
                    nli/          an SPE task (labels, two-field template) trained against that album.

The model is random: its outputs are meaningless. The assets exist to exercise every artifact kind end to end.
Run from the repository root (the PEFT adapter records the tokenizer path relative to it):
    python3 models/make_demo.py
"""
import hashlib
import json
import math
import os
import random
import shutil
import tempfile

import peft
import safetensors.torch
import sentencepiece as spm
import torch
import torch.nn.functional as F
import transformers
from peft import PromptTuningConfig, PromptTuningInit, TaskType, get_peft_model
from transformers import T5Config, T5ForConditionalGeneration, T5Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "default")
TASKS_DIR = os.path.join(HERE, "tasks")
D, PROMPT_LEN = 64, 8
torch.manual_seed(0)
random.seed(0)

SUBJECTS = ["the movie", "this film", "the plot", "the acting", "the music", "the story", "the ending", "the cast",
            "the dog", "a man", "the woman", "the children", "the city", "the team", "the market", "the weather"]
GOOD = ["was wonderful", "is great", "felt warm and funny", "is a delight", "was brilliant", "is charming"]
BAD = ["was terrible", "is boring", "felt dull and slow", "is a mess", "was awful", "is painful"]
TOPICS = {"sports": ["the team won the match", "a late goal decided the game", "the runner broke the record"],
          "business": ["the market fell sharply", "profits rose this quarter", "the company hired new staff"],
          "science": ["the telescope found a planet", "cells divide under the microscope", "the experiment failed"]}


COMMON = ("time year people way day man thing woman life child world school state family student group country problem "
          "hand part place case week company system program question work government number night point home water room "
          "mother area money story fact month lot right study book eye job word business issue side kind head house "
          "service friend father power hour game line end member law car city community name president team minute idea "
          "kid body information back parent face others level office door health person art war history party result "
          "change morning reason research girl guy moment air teacher force education foot boy age policy music market "
          "good new first last long great little own other old right big high different small large next early young "
          "important few public bad same able say make go know take see come think look want give use find tell ask seem "
          "feel try leave call keep let begin show hear play run move like live believe hold bring happen write provide "
          "sit stand lose pay meet include continue set learn lead understand watch follow stop create speak read spend "
          "grow open walk win offer remember love consider appear buy wait serve die send expect build stay fall cut reach "
          "kill remain suggest raise pass sell require report decide pull").split()


def corpus_lines():
    rng = random.Random(1)
    lines = [" ".join(rng.choice(COMMON) for _ in range(rng.randint(4, 12))) + "." for _ in range(3000)]
    for _ in range(3000):
        kind = rng.random()
        if kind < 0.4:
            lines.append(f"{rng.choice(SUBJECTS)} {rng.choice(GOOD + BAD)}.")
        elif kind < 0.7:
            lines.append(rng.choice(sum(TOPICS.values(), [])) + ".")
        else:
            lines.append(f"premise: {rng.choice(SUBJECTS)} {rng.choice(GOOD)}. hypothesis: {rng.choice(SUBJECTS)} {rng.choice(BAD)}.")
    lines += ["summarize: " + " ".join(rng.choice(SUBJECTS) for _ in range(6)) for _ in range(200)]
    lines += ["sst2 sentence: positive negative entailment not_entailment sports business science"] * 20
    return lines


def build_tokenizer():
    work = tempfile.mkdtemp()
    corpus = os.path.join(work, "corpus.txt")
    with open(corpus, "w") as f:
        f.write("\n".join(corpus_lines()) + "\n")
    spm.SentencePieceTrainer.train(input=corpus, model_prefix=os.path.join(work, "spiece"), model_type="unigram",
                                   vocab_size=400, character_coverage=1.0, pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
                                   hard_vocab_limit=False, num_threads=1, minloglevel=2)
    tokenizer = T5Tokenizer.from_pretrained(work, extra_ids=100)
    tokenizer.save_pretrained(MODEL_DIR)
    if not os.path.exists(os.path.join(MODEL_DIR, "spiece.model")):
        shutil.copy(os.path.join(work, "spiece.model"), os.path.join(MODEL_DIR, "spiece.model"))
    shutil.rmtree(work)
    return tokenizer


def build_model(vocab):
    config = T5Config(vocab_size=vocab, d_model=D, d_kv=16, d_ff=128, num_layers=2, num_decoder_layers=2, num_heads=4,
                      relative_attention_num_buckets=16, relative_attention_max_distance=64, dropout_rate=0.0,
                      feed_forward_proj="relu", tie_word_embeddings=True, decoder_start_token_id=0, pad_token_id=0,
                      eos_token_id=1)
    model = T5ForConditionalGeneration(config).eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "layer_norm" not in name:
                p.normal_(0.0, 0.5 if name == "shared.weight" else 0.2)
    model.save_pretrained(MODEL_DIR, safe_serialization=True)
    for p in model.parameters():
        p.requires_grad_(False)
    return model


def fingerprint(embedding):
    v, d = embedding.shape
    h = hashlib.sha256(f"album-model-fingerprint/1 d_model={d} vocab={v}\n".encode())
    h.update(embedding.detach().float().numpy().astype("<f4").tobytes())
    return "sha256:" + h.hexdigest()


def encode(tokenizer, texts):
    return [tokenizer(t).input_ids for t in texts]


def prompt_loss(model, prompts, batch):
    """Mean per-example CE of the targets given [P_i; E[x_i]]: one padded batch, encoder mask [1_l; m_x]."""
    E = model.shared.weight
    n = max(len(x) for x, _ in batch)
    t = max(len(y) for _, y in batch)
    Z = torch.stack([torch.cat([P, E[x], torch.zeros(n - len(x), E.shape[1])]) for P, (x, _) in zip(prompts, batch)])
    mask = torch.tensor([[1] * (len(prompts[0]) + len(x)) + [0] * (n - len(x)) for x, _ in batch])
    labels = torch.tensor([y + [-100] * (t - len(y)) for _, y in batch])
    logits = model(inputs_embeds=Z, attention_mask=mask, labels=labels).logits
    per_token = F.cross_entropy(logits.transpose(1, 2), labels, ignore_index=-100, reduction="none")
    return (per_token.sum(1) / (labels != -100).sum(1)).mean()


def tune(model, data, steps, snapshots=()):
    """Plain prompt tuning (Adam, lr 0.3) from the first PROMPT_LEN*8 vocab rows; returns the snapshots taken."""
    P = model.shared.weight[torch.randperm(200)[:PROMPT_LEN] + 3].clone().requires_grad_(True)
    opt = torch.optim.Adam([P], lr=0.3)
    taken = {}
    for step in range(1, steps + 1):
        opt.zero_grad()
        loss = prompt_loss(model, [P] * len(data), data)
        loss.backward()
        opt.step()
        if step in snapshots:
            taken[step] = P.detach().clone()
    return P.detach().clone(), taken, float(loss)


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def main():
    for d in (MODEL_DIR, TASKS_DIR):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    tokenizer = build_tokenizer()
    model = build_model(len(tokenizer))
    fp = fingerprint(model.shared.weight)
    base = {"fingerprint": fp, "dModel": D}
    rng = random.Random(2)

    # sentiment: an Album static prompt, prompt-tuned on a toy dataset; rank classification over its labels.
    sentences = [(f"{s} {p}.", "positive") for s in SUBJECTS[:8] for p in GOOD[:3]] + \
                [(f"{s} {p}.", "negative") for s in SUBJECTS[:8] for p in BAD[:3]]
    template = "sst2 sentence: {sentence}"
    data = [(x, y) for x, y in zip(encode(tokenizer, [template.format(sentence=s) for s, _ in sentences]),
                                   encode(tokenizer, [label for _, label in sentences]))]
    prompt, _, loss = tune(model, data, steps=60)
    os.makedirs(os.path.join(TASKS_DIR, "sentiment"))
    safetensors.torch.save_file({"prompt": prompt.contiguous()}, os.path.join(TASKS_DIR, "sentiment", "prompt.safetensors"))
    write_json(os.path.join(TASKS_DIR, "sentiment", "task.json"), {
        "format": "album.task/1", "name": "sentiment", "kind": "static", "version": "1",
        "description": f"Toy sentiment prompt (prompt-tuned 60 steps on 48 sentences, final loss {loss:.3f}) on a random model.",
        "baseModel": base, "promptLength": PROMPT_LEN, "template": template, "labels": ["negative", "positive"],
        "decoding": {"mode": "rank", "maxNewTokens": 4}, "maxInputTokens": 128})

    # summarize: a PEFT PROMPT_TUNING adapter exactly as PEFT saves it (TEXT init from the demo tokenizer).
    pt = get_peft_model(model, PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=PROMPT_LEN,
                                                  prompt_tuning_init=PromptTuningInit.TEXT,
                                                  prompt_tuning_init_text="summarize the story:",
                                                  tokenizer_name_or_path=os.path.relpath(MODEL_DIR)))
    pt.save_pretrained(os.path.join(TASKS_DIR, "summarize"), safe_serialization=True)
    model = pt.base_model if not hasattr(pt, "unload") else pt.unload()
    model.eval()

    # source-album: three snapshots (60/80/100 % of 50 steps) of prompt tuning on two toy source tasks.
    topic_items = [(f"topic: {s}.", t) for t, items in TOPICS.items() for s in items]
    sources = {
        "sentiment": data,
        "topic": list(zip(encode(tokenizer, [x for x, _ in topic_items]), encode(tokenizer, [y for _, y in topic_items]))),
    }
    steps = 50
    marks = {math.ceil(0.6 * steps): 0.6, math.ceil(0.8 * steps): 0.8, steps: 1.0}
    album, entries = [], []
    for task, items in sources.items():
        _, taken, _ = tune(model, items, steps=steps, snapshots=marks)
        for step, fraction in sorted(marks.items()):
            album.append(taken[step])
            entries.append({"sourceTask": task, "fraction": fraction, "step": step})
    album = torch.stack(album).contiguous()
    album_hash = "sha256:" + hashlib.sha256(album.numpy().astype("<f4").tobytes()).hexdigest()
    os.makedirs(os.path.join(TASKS_DIR, "source-album"))
    safetensors.torch.save_file({"prompts": album}, os.path.join(TASKS_DIR, "source-album", "album.safetensors"))
    write_json(os.path.join(TASKS_DIR, "source-album", "task.json"), {
        "format": "album.task/1", "kind": "album", "baseModel": base, "promptLength": PROMPT_LEN,
        "description": "Snapshot album of two toy source tasks (random model).",
        "album": {"hash": album_hash, "entries": entries}})

    # nli: an SPE task (default mode) initialised as spec §7.2: P_task = last album entry, W ~ N(0, 0.01), γ=1, β=0,
    # then a few steps of training on a toy NLI set so its attention is not uniform.
    r = 16
    task_prompt = album[-1].clone().requires_grad_(True)
    down = torch.nn.Linear(D, r, bias=False)
    up = torch.nn.Linear(r, D, bias=False)
    ln = torch.nn.LayerNorm(D, eps=1e-5)
    with torch.no_grad():
        down.weight.normal_(0, 0.01)
        up.weight.normal_(0, 0.01)
    temperature = D * math.e
    keys = album.max(dim=1).values
    pairs = []
    for _ in range(24):
        a, b = rng.choice(SUBJECTS), rng.choice(SUBJECTS)
        same = rng.random() < 0.5
        pairs.append((f"premise: {a} {rng.choice(GOOD)}. hypothesis: {a if same else b} {rng.choice(GOOD)}.",
                      "entailment" if same else "not_entailment"))
    nli = list(zip(encode(tokenizer, [x for x, _ in pairs]), encode(tokenizer, [y for _, y in pairs])))
    params = [task_prompt] + list(down.parameters()) + list(up.parameters()) + list(ln.parameters())
    opt = torch.optim.Adam(params, lr=0.05)
    E = model.shared.weight
    for _ in range(20):
        opt.zero_grad()
        prompts = []
        for x, _ in nli:
            h = ln(up(F.silu(down(E[x].max(dim=0).values))))
            a = torch.softmax(keys @ h / temperature, dim=0)
            prompts.append(task_prompt + (a[:, None, None] * album).sum(0))
        loss = prompt_loss(model, prompts, nli)
        loss.backward()
        opt.step()
    os.makedirs(os.path.join(TASKS_DIR, "nli"))
    safetensors.torch.save_file({
        "task_prompt": task_prompt.detach().contiguous(), "down.weight": down.weight.detach().contiguous(),
        "up.weight": up.weight.detach().contiguous(), "layer_norm.weight": ln.weight.detach().contiguous(),
        "layer_norm.bias": ln.bias.detach().contiguous()}, os.path.join(TASKS_DIR, "nli", "spe.safetensors"))
    write_json(os.path.join(TASKS_DIR, "nli", "task.json"), {
        "format": "album.task/1", "name": "nli", "kind": "spe", "version": "1",
        "description": f"Toy SPE task (20 steps, final loss {float(loss):.3f}) on a random model.",
        "baseModel": base, "promptLength": PROMPT_LEN, "template": "premise: {premise} hypothesis: {hypothesis}",
        "labels": ["entailment", "not_entailment"], "decoding": {"mode": "rank", "maxNewTokens": 4}, "maxInputTokens": 128,
        "spe": {"album": "source-album", "albumHash": album_hash, "temperature": temperature, "pooling": "max",
                "includeTaskInAttention": False}})

    with open(os.path.join(TASKS_DIR, "README.md"), "w") as f:
        f.write("# Demo tasks\n\nGenerated by `python3 models/make_demo.py` (torch %s, transformers %s, peft %s) for the "
                "tiny random model in `models/default`. Outputs of the random model are meaningless; these tasks "
                "exist to exercise every artifact kind (Album static prompt, PEFT adapter, SPE task + album). "
                "See docs/task-format.md.\n" % (torch.__version__, transformers.__version__, peft.__version__))
    print("fingerprint", fp)


if __name__ == "__main__":
    main()
