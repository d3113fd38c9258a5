#!/usr/bin/env python3
"""Demo assets that `album serve` (no arguments) serves: a tiny random T5 and a tasks directory.

  models/default/   a tiny random T5 (original-T5 layout: ReLU FFN, tied embeddings) in HF format (config.json +
                    model.safetensors) with a small SentencePiece unigram tokenizer trained here and converted by
                    transformers (tokenizer.json, spiece.model, tokenizer_config.json, special_tokens_map.json).
  models/tasks/     sentiment/    Album static prompt, classification (labels, rank decoding), prompt-tuned for a few
                                  steps on a toy dataset by `album train prompt`;
                    summarize/    a PEFT PROMPT_TUNING adapter saved by PEFT itself (TEXT init, not trained), no task.json;
                    source-album/ an SPE album: snapshots at 60/80/100 % of `album train source` on two toy source tasks,
                                  joined by `album album build`;
                    nli/          an SPE task (labels, two-field template) trained against that album by `album train spe`.
Album's own trainer trains every demo prompt (this script only writes the toy data and runs it), so the script needs
a built `album` (`swift build -c release --product album`; --album PATH picks another).

The model is random: its outputs are meaningless. The assets exist to exercise every artifact kind end to end.
Run from the repository root (the PEFT adapter records the tokenizer path relative to it):
    python3 models/make_demo.py                 (rebuilds everything with .build/release/album, then writes the goldens)
    python3 models/make_demo.py --goldens-only  (retrains nothing; reads models/default and models/tasks as they are)
The goldens (Tests/Fixtures/demo/golden.json) are what transformers, PEFT and the tokenizers give on the bundled
assets: token ids for a set of texts from T5Tokenizer on tokenizer.json, checked against T5Tokenizer converting
spiece.model alone; and, in float64, greedy ids and candidate log-likelihoods of the plain model and of each demo task
(the static prompt, the PEFT adapter through PEFT itself, the SPE task from the spec's formulas).
"""
import argparse
import hashlib
import json
import math
import os
import random
import shutil
import subprocess
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
GOLDEN = os.path.join(os.path.dirname(HERE), "Tests", "Fixtures", "demo", "golden.json")
GREEDY_STEPS = 12
MIN_MARGIN = 1e-3  # a greedy golden whose top two logits are closer than this is a coin toss for float32: skipped
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


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")
    return path


def write_jsonl(directory, name, rows):
    path = os.path.join(directory, name + ".jsonl")
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")
    return path


def album_cli(args, *command):
    """Runs `album COMMAND ...` (a `train` command on models/default with seed 0, one thread, quietly), failing loudly;
    a trained task keeps no resumable checkpoint."""
    full = [args.album, *command]
    if command[0] == "train":
        # Dropout 0: the demo model's config has dropout_rate 0.0 (what transformers would train it with).
        full += ["--model", os.path.relpath(MODEL_DIR), "--seed", "0", "--threads", "1", "--dropout", "0", "--quiet"]
    print("+", " ".join(full), flush=True)
    subprocess.run(full, check=True)
    if command[0] == "train":
        shutil.rmtree(os.path.join(command[command.index("--out") + 1], "checkpoints"), ignore_errors=True)


def find_album():
    for path in (".build/release/album", ".build/debug/album"):
        if os.access(path, os.X_OK):
            return path
    return None


def main(args):
    for d in (MODEL_DIR, TASKS_DIR):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    tokenizer = build_tokenizer()
    model = build_model(len(tokenizer))
    fp = fingerprint(model.shared.weight)
    rng = random.Random(2)

    # The toy datasets, as JSON lines for `album train`.
    work = tempfile.mkdtemp(prefix="album-demo-")
    sentences = [({"sentence": f"{s} {p}."}, 1) for s in SUBJECTS[:8] for p in GOOD[:3]] + \
                [({"sentence": f"{s} {p}."}, 0) for s in SUBJECTS[:8] for p in BAD[:3]]
    sentiment_data = write_jsonl(work, "sentiment", [{"fields": f, "label": y} for f, y in sentences])
    topic_data = write_jsonl(work, "topic", [{"input": f"topic: {s}.", "target": t}
                                             for t, items in TOPICS.items() for s in items])
    pairs = []
    for _ in range(24):
        a, b = rng.choice(SUBJECTS), rng.choice(SUBJECTS)
        same = rng.random() < 0.5
        pairs.append(({"premise": f"{a} {rng.choice(GOOD)}.", "hypothesis": f"{a if same else b} {rng.choice(GOOD)}."},
                      0 if same else 1))
    nli_data = write_jsonl(work, "nli", [{"fields": f, "label": y} for f, y in pairs])
    rank = {"mode": "rank", "maxNewTokens": 4}

    # sentiment: an Album static prompt, prompt-tuned by Album on the toy sentences; rank classification.
    spec = write_json(os.path.join(work, "sentiment.json"), {
        "format": "album.task/1", "kind": "static", "promptLength": PROMPT_LEN,
        "description": "Toy sentiment prompt (prompt-tuned 60 steps on 48 sentences by album train prompt) on a random model.",
        "template": "sst2 sentence: {sentence}", "labels": ["negative", "positive"], "decoding": rank,
        "maxInputTokens": 128})
    album_cli(args, "train", "prompt", "--data", sentiment_data, "--task-json", spec, "--steps", "60",
              "--batch-size", "16", "--out", os.path.join(TASKS_DIR, "sentiment"))

    # summarize: a PEFT PROMPT_TUNING adapter exactly as PEFT saves it (TEXT init from the demo tokenizer; not trained).
    pt = get_peft_model(model, PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=PROMPT_LEN,
                                                  prompt_tuning_init=PromptTuningInit.TEXT,
                                                  prompt_tuning_init_text="summarize the story:",
                                                  tokenizer_name_or_path=os.path.relpath(MODEL_DIR)))
    pt.save_pretrained(os.path.join(TASKS_DIR, "summarize"), safe_serialization=True)

    # source-album: snapshots at 60/80/100 % of 50 steps of `album train source` on two toy source tasks.
    sources = []
    for task, data, template, labels in (("sentiment", sentiment_data, "sst2 sentence: {sentence}", "negative,positive"),
                                         ("topic", topic_data, None, None)):
        out = os.path.join(work, "sources", task)
        extra = ["--template", template, "--labels", labels] if template else []
        album_cli(args, "train", "source", "--data", data, "--steps", "50", "--batch-size", "16", "--out", out, *extra)
        sources.append(out)
    album_cli(args, "album", "build", "--out", os.path.join(TASKS_DIR, "source-album"), *sources)

    # nli: an SPE task (default mode, spec §7.2 init) trained by `album train spe` against that album.
    spec = write_json(os.path.join(work, "nli.json"), {
        "format": "album.task/1", "kind": "static", "promptLength": PROMPT_LEN,
        "description": "Toy SPE task (20 steps by album train spe) on a random model.",
        "template": "premise: {premise} hypothesis: {hypothesis}", "labels": ["entailment", "not_entailment"],
        "decoding": rank, "maxInputTokens": 128})
    album_cli(args, "train", "spe", "--album", os.path.join(TASKS_DIR, "source-album"), "--data", nli_data,
              "--task-json", spec, "--bottleneck", "16", "--lr", "0.05", "--steps", "20", "--batch-size", "24",
              "--out", os.path.join(TASKS_DIR, "nli"))
    shutil.rmtree(work)

    with open(os.path.join(TASKS_DIR, "README.md"), "w") as f:
        f.write("# Demo tasks\n\nGenerated by `python3 models/make_demo.py` (torch %s, transformers %s, peft %s) for the "
                "tiny random model in `models/default`. Album's trainer made `sentiment` (`album train prompt`), "
                "`source-album` (`album train source` on two toy tasks, then `album album build`) and `nli` "
                "(`album train spe`); `summarize` is a PEFT adapter as PEFT saves it (text init, not trained). "
                "Outputs of the random model are meaningless; these tasks exist to exercise every artifact kind "
                "(Album static prompt, PEFT adapter, SPE task + album). See docs/task-format.md.\n"
                % (torch.__version__, transformers.__version__, peft.__version__))
    print("fingerprint", fp)
    write_goldens()


TOKENIZER_TEXTS = [
    "sst2 sentence: the movie was wonderful.",
    "premise: the dog is a delight. hypothesis: the city was terrible.",
    "summarize: the plot the acting the music the story the ending the cast",
    "topic: the telescope found a planet.",
    "",
    "   leading, trailing   and  repeated   spaces   ",
    "Hello, WORLD! 12345 -- (parentheses) [brackets] {braces}",
    "café naïve résumé Ünïcödé",
    "日本語のテキストと中文",
    "emoji 😀 ① ｆｕｌｌｗｉｄｔｈ ﬁ ligature",
    "The <extra_id_0> walks <extra_id_1> the dog.",
    "tab\tnewline\nend",
    "</s> inside the text",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "positive negative entailment not_entailment sports business science",
]
PLAIN_INPUTS = ["the movie was wonderful.", "the market fell sharply.", "premise: a man sleeps. hypothesis: a man rests.",
                "summarize: the team won the match", "the weather is a mess"]
TASK_INPUTS = {
    "sentiment": [{"sentence": s} for s in ("the movie was wonderful.", "the plot is boring.", "the cast felt warm and funny.",
                                           "the ending was awful.", "the music is a delight.")],
    "nli": [{"premise": p, "hypothesis": h} for p, h in (
        ("the dog was brilliant.", "the dog is charming."), ("the city is great.", "the market was terrible."),
        ("the team felt warm and funny.", "the team is a mess."), ("a man is a delight.", "the woman was wonderful."),
        ("the story is boring.", "the story felt dull and slow."))],
    "summarize": [{"input": t} for t in ("the plot the acting the music the story", "the team won the match.",
                                        "the market fell sharply and the company hired new staff.",
                                        "the telescope found a planet.", "the dog the city the weather")],
}
SCORE_TARGETS = ["positive", "negative", "the movie", "sports"]


@torch.no_grad()
def _greedy(model, embeds, steps=GREEDY_STEPS):
    """Greedy ids after the start token, re-running the decoder each step, and the smallest top-1/top-2 margin."""
    encoder_outputs = model.get_encoder()(inputs_embeds=embeds[None])
    decoded, margin = [model.config.decoder_start_token_id], math.inf
    for _ in range(steps):
        logits = model(encoder_outputs=encoder_outputs, decoder_input_ids=torch.tensor([decoded])).logits[0, -1]
        top = torch.topk(logits, 2).values
        margin = min(margin, float(top[0] - top[1]))
        decoded.append(int(logits.argmax()))
        if decoded[-1] == model.config.eos_token_id:
            break
    return decoded[1:], margin


@torch.no_grad()
def _log_likelihood(model, embeds, target):
    labels = torch.tensor([target])
    logits = model(inputs_embeds=embeds[None], labels=labels).logits[0]
    return float(F.log_softmax(logits.double(), dim=-1).gather(1, labels[0][:, None]).sum())


def _spe_prompt(E, task_dir, x):
    """The nli task's instance prompt from the spec (docs/task-format.md): default mode, max pooling."""
    manifest = json.load(open(os.path.join(task_dir, "task.json")))
    spe = manifest["spe"]
    assert spe["pooling"] == "max" and not spe.get("includeTaskInAttention", False)
    weights = {k: v.double() for k, v in safetensors.torch.load_file(os.path.join(task_dir, "spe.safetensors")).items()}
    album = safetensors.torch.load_file(os.path.join(TASKS_DIR, spe["album"], "album.safetensors"))["prompts"].double()
    xhat = E[x].max(dim=0).values
    u = weights["up.weight"] @ F.silu(weights["down.weight"] @ xhat)
    h = F.layer_norm(u, (u.shape[0],), weights["layer_norm.weight"], weights["layer_norm.bias"],
                     eps=spe.get("layerNormEpsilon", 1e-5))
    a = torch.softmax(album.max(dim=1).values @ h / spe["temperature"], dim=0)
    return weights["task_prompt"] + (a[:, None, None] * album).sum(0)


def write_goldens():
    """Tests/Fixtures/demo/golden.json from the bundled model, tokenizer and tasks as they are on disk."""
    from peft import PeftModel
    fast = T5Tokenizer.from_pretrained(MODEL_DIR)  # tokenizer.json + tokenizer_config.json
    spiece_only = tempfile.mkdtemp()
    shutil.copy(os.path.join(MODEL_DIR, "spiece.model"), os.path.join(spiece_only, "spiece.model"))
    slow = T5Tokenizer.from_pretrained(spiece_only, extra_ids=100)  # converted from spiece.model alone
    shutil.rmtree(spiece_only)

    def ids(text):
        got = fast(text).input_ids
        assert slow(text).input_ids == got, f"tokenizer.json and spiece.model disagree on {text!r}"
        return got

    tokenizer_cases = [{"text": t, "ids": ids(t), "tokens": fast.convert_ids_to_tokens(ids(t)),
                        "decoded": fast.decode(ids(t), skip_special_tokens=True)} for t in TOKENIZER_TEXTS]

    model = T5ForConditionalGeneration.from_pretrained(MODEL_DIR, dtype=torch.float64, attn_implementation="eager").eval()
    E = model.shared.weight.detach()
    peft_model = PeftModel.from_pretrained(
        T5ForConditionalGeneration.from_pretrained(MODEL_DIR, dtype=torch.float64, attn_implementation="eager"),
        os.path.join(TASKS_DIR, "summarize")).eval().double()
    prompts = {
        "sentiment": lambda x: safetensors.torch.load_file(os.path.join(TASKS_DIR, "sentiment", "prompt.safetensors"))["prompt"].double(),
        "summarize": lambda x: peft_model.get_prompt(batch_size=1)[0, :peft_model.peft_config["default"].num_virtual_tokens].detach().double(),
        "nli": lambda x: _spe_prompt(E, os.path.join(TASKS_DIR, "nli"), x),
        None: lambda x: torch.zeros(0, E.shape[1], dtype=torch.float64),
    }
    templates = {None: "{input}"}
    labels = {None: SCORE_TARGETS}
    for task in ("sentiment", "nli", "summarize"):
        path = os.path.join(TASKS_DIR, task, "task.json")
        manifest = json.load(open(path)) if os.path.exists(path) else {}
        templates[task] = manifest.get("template", "{input}")
        labels[task] = manifest.get("labels", SCORE_TARGETS[2:])

    cases, skipped = [], []
    inputs = [(None, {"input": t}) for t in PLAIN_INPUTS] + [(t, f) for t, fs in TASK_INPUTS.items() for f in fs]
    for task, fields in inputs:
        text = templates[task].format(**fields)
        x = ids(text)
        P = prompts[task](x)
        Z = torch.cat([P, E[x]])
        greedy, margin = _greedy(model, Z)
        if task == "summarize":  # PEFT's own generate on the adapter must agree with [P; E[x]]
            gen = peft_model.generate(input_ids=torch.tensor([x]), attention_mask=torch.ones(1, len(x), dtype=torch.long),
                                      max_new_tokens=GREEDY_STEPS, do_sample=False, num_beams=1)
            assert gen[0].tolist()[1:] == greedy, (gen[0].tolist()[1:], greedy)
        if margin < MIN_MARGIN:
            skipped.append(text)
            continue
        candidates = []
        for label in labels[task]:
            y = ids(label)
            ll = _log_likelihood(model, Z, y)
            if task == "summarize":
                out = peft_model(input_ids=torch.tensor([x]), attention_mask=torch.ones(1, len(x), dtype=torch.long),
                                 labels=torch.tensor([y]))
                peft_ll = float(F.log_softmax(out.logits.double(), -1)[0].gather(1, torch.tensor(y)[:, None]).sum())
                assert abs(peft_ll - ll) <= 1e-9 * abs(ll), (peft_ll, ll)
            candidates.append({"text": label, "ids": y, "logLikelihood": ll})
        cases.append({"task": task, "fields": fields, "formatted": text, "inputIDs": x, "promptRows": P.shape[0],
                      "candidates": candidates, "greedy": greedy, "minMargin": margin})
    os.makedirs(os.path.dirname(GOLDEN), exist_ok=True)
    write_json(GOLDEN, {
        "versions": {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__,
                     "sentencepiece": spm.__version__},
        "referenceDType": "torch.float64", "greedyMaxNewTokens": GREEDY_STEPS, "minMargin": MIN_MARGIN,
        "fingerprint": fingerprint(E), "skippedNearTies": skipped, "tokenizer": tokenizer_cases, "cases": cases})
    print(f"wrote {len(tokenizer_cases)} tokenizer cases and {len(cases)} model cases to {GOLDEN}; "
          f"skipped {len(skipped)} near-ties")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--goldens-only", action="store_true",
                        help="write Tests/Fixtures/demo/golden.json from the existing models/default and models/tasks")
    parser.add_argument("--album", default=find_album(),
                        help="the album executable that trains the demo tasks (default: .build/release/album, else "
                             ".build/debug/album)")
    args = parser.parse_args()
    if args.goldens_only:
        torch.manual_seed(0)
        write_goldens()
    elif not args.album:
        parser.error("build Album first (swift build -c release --product album) or pass --album PATH")
    else:
        main(args)
