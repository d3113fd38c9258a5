#!/usr/bin/env python3
"""Demo assets that `album serve` (no arguments) serves: the world's pretrained base model and four demo tasks on it.

  models/default/   the world's base model (models/world: a small T5, d_model 128, 4 + 4 layers, pretrained by Album's
                    trainer with span corruption on the world's text, then multi-task trained on its eight source
                    tasks with text prefixes), copied from the output of models/world/make_base.py with its
                    SentencePiece tokenizer (tokenizer.json, spiece.model, tokenizer_config.json, special_tokens_map.json).
  models/tasks/     sentiment/    Album static prompt (rank classification) prompt-tuned by `album train prompt` on the
                                  world's sentences labelled by polarity, under a template the base never saw;
                    tense/        a PEFT PROMPT_TUNING adapter saved by PEFT itself (TEXT init "tense:", not trained),
                                  no task.json: the text init makes the base name the sentence's tense (generation);
                    source-album/ an SPE album: snapshots at 60/80/100 % of `album train source` on three world source
                                  tasks (polarity, tense, paraphrase), joined by `album album build`;
                    nli/          an SPE task (two-field template, labels yes/no: does the hypothesis
                                  say what the premise says, the world's paraphrase pairs) trained by `album train spe`.
Album's own trainer trains every demo prompt (this script only picks the world's data and runs it), so the script
needs a built `album` (`swift build -c release --product album`; --album PATH picks another) and the world's base
model and data (`python3 models/world/make_base.py --out runs/world`; --world picks another folder).

Run from the repository root (the PEFT adapter records the tokenizer path relative to it):
    python3 models/make_demo.py                 (rebuilds everything, then writes the goldens)
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
from transformers import T5ForConditionalGeneration, T5Tokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, "default")
TASKS_DIR = os.path.join(HERE, "tasks")
GOLDEN = os.path.join(os.path.dirname(HERE), "Tests", "Fixtures", "demo", "golden.json")
GREEDY_STEPS = 12
MIN_MARGIN = 1e-3  # a greedy golden whose top two logits are closer than this is a coin toss for float32: skipped
PROMPT_LEN = 8
MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "spiece.model", "tokenizer_config.json",
               "special_tokens_map.json")
torch.manual_seed(0)
random.seed(0)


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
    """Runs `album COMMAND ...` (a `train` command on models/default with seed 0, quietly), failing loudly; a trained
    task keeps no resumable checkpoint."""
    full = [args.album, *command]
    if command[0] == "train":
        full += ["--model", os.path.relpath(MODEL_DIR), "--seed", "0", "--quiet"]
    print("+", " ".join(full), flush=True)
    subprocess.run(full, check=True)
    if command[0] == "train":
        shutil.rmtree(os.path.join(command[command.index("--out") + 1], "checkpoints"), ignore_errors=True)


def find_album():
    for path in (".build/release/album", ".build-release/release/album", ".build/debug/album"):
        if os.access(path, os.X_OK):
            return path
    return None


def world_rows(args, task, split):
    with open(os.path.join(args.world, "data", task, f"{split}.jsonl")) as f:
        return [json.loads(line) for line in f]


def main(args):
    for d in (MODEL_DIR, TASKS_DIR):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    base = os.path.join(args.world, "base")
    for name in MODEL_FILES:
        if os.path.exists(os.path.join(base, name)):
            shutil.copy(os.path.join(base, name), os.path.join(MODEL_DIR, name))
    work = tempfile.mkdtemp(prefix="album-demo-")
    rank = {"mode": "rank", "maxNewTokens": 4}

    # sentiment: an Album static prompt, prompt-tuned by Album on the world's sentences labelled by polarity
    # (the review target's data) under a template the base never saw; rank classification.
    sentiment_data = write_jsonl(work, "sentiment", world_rows(args, "review", "train")[:1000])
    spec = write_json(os.path.join(work, "sentiment.json"), {
        "format": "album.task/1", "kind": "static", "promptLength": PROMPT_LEN,
        "description": "Sentiment of a world sentence (prompt-tuned 300 steps on 1,000 sentences by album train prompt).",
        "template": "sst2 sentence: {sentence}", "labels": ["negative", "positive"], "decoding": rank,
        "maxInputTokens": 128})
    album_cli(args, "train", "prompt", "--data", sentiment_data, "--task-json", spec, "--steps", "300",
              "--batch-size", "16", "--out", os.path.join(TASKS_DIR, "sentiment"))

    # tense: a PEFT PROMPT_TUNING adapter exactly as PEFT saves it (TEXT init; not trained). Its prompt is the
    # embedding of "tense:", the prefix of one of the base's source tasks, so the base names the sentence's tense.
    # Loaded by its path relative to the repository root: PEFT records it as the adapter's base_model_name_or_path.
    model = T5ForConditionalGeneration.from_pretrained(os.path.relpath(MODEL_DIR)).eval()
    pt = get_peft_model(model, PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=PROMPT_LEN,
                                                  prompt_tuning_init=PromptTuningInit.TEXT,
                                                  prompt_tuning_init_text="tense:",
                                                  tokenizer_name_or_path=os.path.relpath(MODEL_DIR)))
    pt.save_pretrained(os.path.join(TASKS_DIR, "tense"), safe_serialization=True)

    # source-album: snapshots at 60/80/100 % of `album train source` on three of the world's source tasks.
    sources = []
    listing = {t["name"]: t for t in json.load(open(os.path.join(args.world, "data", "tasks.json")))["tasks"]}
    for task in ("polarity", "tense", "paraphrase"):
        data = write_jsonl(work, task, world_rows(args, task, "train")[:1000])
        out = os.path.join(work, "sources", task)
        album_cli(args, "train", "source", "--data", data, "--template", listing[task]["template"],
                  "--labels", ",".join(listing[task]["labels"]), "--name", task, "--steps", "200",
                  "--batch-size", "16", "--out", out)
        sources.append(out)
    album_cli(args, "album", "build", "--out", os.path.join(TASKS_DIR, "source-album"), *sources)

    # nli: an SPE task (default mode, spec §7.2 init) trained by `album train spe` against that album: does the
    # hypothesis say what the premise says (the world's paraphrase pairs under an NLI template and new label words).
    nli_rows = [{"fields": {"premise": row["fields"]["first"], "hypothesis": row["fields"]["second"]},
                 "label": 0 if row["label"] == 1 else 1} for row in world_rows(args, "paraphrase", "validation")]
    nli_rows += [{"fields": {"premise": row["fields"]["first"], "hypothesis": row["fields"]["second"]},
                  "label": 0 if row["label"] == 1 else 1} for row in world_rows(args, "paraphrase", "train")[-800:]]
    nli_data = write_jsonl(work, "nli", nli_rows)
    spec = write_json(os.path.join(work, "nli.json"), {
        "format": "album.task/1", "kind": "static", "promptLength": PROMPT_LEN,
        "description": "Does the hypothesis say what the premise says? SPE task (300 steps on 1,000 pairs by album train spe).",
        "template": "premise: {premise} hypothesis: {hypothesis}", "labels": ["yes", "no"],
        "decoding": rank, "maxInputTokens": 128})
    album_cli(args, "train", "spe", "--album", os.path.join(TASKS_DIR, "source-album"), "--data", nli_data,
              "--task-json", spec, "--bottleneck", "32", "--steps", "300", "--batch-size", "16",
              "--out", os.path.join(TASKS_DIR, "nli"))
    shutil.rmtree(work)

    with open(os.path.join(TASKS_DIR, "README.md"), "w") as f:
        f.write("# Demo tasks\n\nGenerated by `python3 models/make_demo.py` (torch %s, transformers %s, peft %s) on the "
                "world's base model in `models/default` (see docs/method.md). Album's trainer made `sentiment` "
                "(`album train prompt`), `source-album` (`album train source` on three world source tasks, then "
                "`album album build`) and `nli` (`album train spe`); `tense` is a PEFT adapter as PEFT saves it "
                "(text init \"tense:\", not trained: the base names the sentence's tense). One artifact of each "
                "kind (Album static prompt, PEFT adapter, SPE task + album). See docs/task-format.md.\n"
                % (torch.__version__, transformers.__version__, peft.__version__))
    print("fingerprint", fingerprint(model.shared.weight))
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
# World sentences (from the test splits of models/world/make_world.py, seed 7), so the goldens exercise the model on
# the language it was trained on: the base model with its source prefixes, and each demo task.
PLAIN_INPUTS = ["polarity: some foufups ku some brerklem fulous near the gamee .",
                "tense: a zaibran perboum troms a laimlil treerklon .",
                "subject: some gerpous taik some kluk trolfair zeknoups near the soukstak .",
                "subject number: some ditbrais will mat some klem brouzait gukpups .",
                "the movie was wonderful."]
TASK_INPUTS = {
    "sentiment": [{"sentence": s} for s in (
        "a doumpeet pengot leems a keek lupo broktrat near the veeboun .",
        "some nagou melgeks proun some keek treemail vaipbris .",
        "a railtou punzap will per some tre kotga sukbes .",
        "a broupdut veeboun will sain some longloks near the veeboun .",
        "a taiseep naipdon braks a maizoum kleelklu near the traltra .")],
    "nli": [{"premise": p, "hypothesis": h} for p, h in (
        ("a vapvik kleelklu stened some poumnaim mensuks .",
         "a vapvik kleelklu stened some traidons ."),
        ("some klepkot fulous tek some pitait vunzuts near the timvi .",
         "some klepkot fulous tek some dofouts near the timvi ."),
        ("a gounpou pouteet kloped a nu stemzep glerdair .",
         "a tairprul pouteet tied a nu ronfup glerdair ."),
        ("a soulgem fuglo trited a lailmam vailli near the geelkam .",
         "a soulgem fuglo trited some lailmam fouvirs near the geelkam ."),
        ("a laipbu breetfeek gais a tomfun traitstap near the bemen .",
         "a laipbu breetfeek gais some tomfun sturglours near the bemen ."))],
    "tense": [{"input": t} for t in (
        "a prorlup stepgla kirs a kutper gammu near the trollap .",
        "some doumpeet rutpos beled some glem dengloul statlons .",
        "some gerpous taik some kluk trolfair zeknoups near the soukstak .",
        "a ton prulneem beeprer nired some raiktours near the klollan .",
        "a kluk zemrin zemren doed a gumdep near the fatstour .")],
}
SCORE_TARGETS = ["positive", "negative", "past", "gerpou"]


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
        os.path.join(TASKS_DIR, "tense")).eval().double()
    prompts = {
        "sentiment": lambda x: safetensors.torch.load_file(os.path.join(TASKS_DIR, "sentiment", "prompt.safetensors"))["prompt"].double(),
        "tense": lambda x: peft_model.get_prompt(batch_size=1)[0, :peft_model.peft_config["default"].num_virtual_tokens].detach().double(),
        "nli": lambda x: _spe_prompt(E, os.path.join(TASKS_DIR, "nli"), x),
        None: lambda x: torch.zeros(0, E.shape[1], dtype=torch.float64),
    }
    templates = {None: "{input}"}
    labels = {None: SCORE_TARGETS}
    for task in ("sentiment", "nli", "tense"):
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
        if task == "tense":  # PEFT's own generate on the adapter must agree with [P; E[x]]
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
            if task == "tense":
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
                             ".build-release/release/album, else .build/debug/album)")
    parser.add_argument("--world", default="runs/world",
                        help="output folder of models/world/make_base.py (its base/ and data/)")
    args = parser.parse_args()
    if args.goldens_only:
        torch.manual_seed(0)
        write_goldens()
    elif not args.album:
        parser.error("build Album first (swift build -c release --product album) or pass --album PATH")
    else:
        main(args)
