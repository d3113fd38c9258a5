#!/usr/bin/env python3
"""The world's base model, made by Album's own trainer: a SentencePiece tokenizer for the world's language, then a
small T5 trained by `album train model` on the source tasks' multi-task mixture with text prefixes, as T5 was. No
target or control task is in its training.

Span corruption: the default (`--span-corruption none`) trains on the sources alone, from scratch, because on this
world every form of span corruption measured made the base worse at its sources (docs/method.md, "What was
tried"); `first` runs `album train model --objective span-corruption` on the corpus first (--pretrain-steps), then
the sources; `mixed` mixes span-corrupted corpus sentences into the multi-task mixture (T5's multi-task
pre-training).

Stages (each skipped when its output exists, so an interrupted run continues):
  1. data        models/world/make_world.py --out OUT/data (deterministic from --seed)
  2. tokenizer   SentencePiece unigram on the corpus (endings split off the stems) and the sources' text,
                 converted by transformers (tokenizer.json, spiece.model): OUT/tokenizer
  3. pretrain    (--span-corruption first) album train model --objective span-corruption: OUT/pretrained
  4. multitask   album train model --objective seq2seq on the mixture: OUT/base

    python3 models/world/make_base.py --out runs/world [--span-corruption none|mixed|first] [--multitask-steps N]

Needs a built `album` (swift build -c release --product album) and `pip install sentencepiece transformers` (no torch).
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def run(*command):
    print("+", " ".join(command), flush=True)
    subprocess.run(list(command), check=True)


def tokenizer(out, data, vocab):
    import sentencepiece as spm
    from transformers import T5Tokenizer
    work = tempfile.mkdtemp()
    text = os.path.join(work, "text.txt")
    with open(text, "w") as f:
        # The corpus with endings split off the stems ("zeelbour s", "gai ed"), and every stem alone: the vocabulary
        # then keeps stems whole and endings apart, so a plural noun is its singular's piece plus "s" (copying a noun
        # and reading number become the same skill for every noun).
        stems = set(open(os.path.join(data, "morphemes.txt")).read().split())
        split = lambda w: w[:-2] + " ed" if w[:-2] in stems and w.endswith("ed") else \
            w[:-1] + " s" if w[:-1] in stems and w.endswith("s") else w
        with open(os.path.join(data, "corpus.txt")) as corpus:
            for line in corpus:
                f.write(" ".join(split(w) for w in line.split()) + "\n")
        with open(os.path.join(data, "morphemes.txt")) as morphemes:
            f.write(morphemes.read())
        with open(os.path.join(data, "multitask.jsonl")) as rows:
            for line in rows:
                row = json.loads(line)
                f.write(" ".join(split(w) for w in (row["input"] + " " + row["target"]).split()) + "\n")
        with open(os.path.join(data, "tasks.json")) as listing:  # every task's template and label words
            for task in json.load(listing)["tasks"]:
                f.write(task["template"] + "\n" + " ".join(task["labels"] or []) + "\n")
    spm.SentencePieceTrainer.train(input=text, model_prefix=os.path.join(work, "spiece"), model_type="unigram",
                                   vocab_size=vocab, character_coverage=1.0, pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
                                   hard_vocab_limit=False, num_threads=1, minloglevel=2,
                                   max_sentencepiece_length=12, split_digits=True)
    T5Tokenizer.from_pretrained(work, extra_ids=100).save_pretrained(out)
    if not os.path.exists(os.path.join(out, "spiece.model")):
        shutil.copy(os.path.join(work, "spiece.model"), os.path.join(out, "spiece.model"))
    shutil.rmtree(work)


def span_corrupted(words, rng, density=0.15, mean_span=3.0):
    """T5's span corruption (noise density 0.15, mean span length 3) on words: the input keeps the other words with
    one sentinel per span, the target lists each sentinel and its span, then a closing sentinel."""
    n = len(words)
    noise = max(1, min(n - 1, round(n * density)))
    spans = max(1, round(noise / mean_span))
    # Split the noise and non-noise lengths into `spans` positive parts each, then interleave (non-noise first).
    cut = lambda total: [b - a for a, b in zip([0] + sorted(rng.sample(range(1, total), spans - 1)),
                                               sorted(rng.sample(range(1, total), spans - 1)) + [total])] \
        if spans > 1 else [total]
    noise_lengths = cut(noise)
    # One span (short sentences) starts anywhere; several alternate with the kept words, kept words first.
    keep_lengths = [rng.randint(0, n - noise)] if spans == 1 else cut(n - noise)
    source, target, i = [], [], 0
    for k, (keep, drop) in enumerate(zip(keep_lengths, noise_lengths)):
        source += words[i:i + keep] + [f"<extra_id_{k}>"]
        target += [f"<extra_id_{k}>"] + words[i + keep:i + keep + drop]
        i += keep + drop
    source += words[i:]
    return " ".join(source), " ".join(target + [f"<extra_id_{spans}>"])


def write_mixture(path, data, seed):
    """The sources' rows and one span-corrupted row per corpus sentence, shuffled."""
    rng = random.Random(seed + 3)
    rows = [json.loads(line) for line in open(os.path.join(data, "multitask.jsonl"))]
    for line in open(os.path.join(data, "corpus.txt")):
        source, target = span_corrupted(line.split(), rng)
        rows.append({"input": source, "target": target})
    rng.shuffle(rows)
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default="runs/world")
    parser.add_argument("--album", default=".build/release/album")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--vocab", type=int, default=2000)
    parser.add_argument("--d-model", type=int, default=128)
    parser.add_argument("--layers", type=int, default=4)
    parser.add_argument("--pretrain-steps", type=int, default=2500, help="steps of the span-corruption stage (first)")
    parser.add_argument("--multitask-steps", type=int, default=3000)
    parser.add_argument("--pretrain-lr", default="1e-3")
    parser.add_argument("--multitask-lr", default="1e-3")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--untied", action="store_true", help="an LM head of its own (T5 v1.1) instead of the tied one")
    parser.add_argument("--span-corruption", choices=["none", "mixed", "first"], default="none",
                        help="none: the multi-task stage alone, from scratch (the default: see docs/method.md, span "
                             "corruption measured worse on this world); mixed: span corruption mixed into it (T5's "
                             "multi-task pre-training mixture); first: a span-corruption stage (--pretrain-steps) first")
    parser.add_argument("--train-seed", type=int, default=0, help="seed of initialisation, shuffling and dropout")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if not os.access(args.album, os.X_OK):
        sys.exit(f"no album executable at {args.album}: swift build -c release --product album")

    data, tok = os.path.join(args.out, "data"), os.path.join(args.out, "tokenizer")
    if not os.path.exists(os.path.join(data, "tasks.json")):
        run(sys.executable, os.path.join(HERE, "make_world.py"), "--seed", str(args.seed), "--out", data)
    if not os.path.exists(os.path.join(tok, "tokenizer.json")):
        tokenizer(tok, data, args.vocab)
    from transformers import T5Tokenizer
    vocab = len(T5Tokenizer.from_pretrained(tok))
    config = os.path.join(args.out, "config.json")
    with open(config, "w") as f:
        json.dump({"architectures": ["T5ForConditionalGeneration"], "model_type": "t5", "vocab_size": vocab,
                   "d_model": args.d_model, "d_kv": args.d_model // 4, "d_ff": 4 * args.d_model,
                   "num_layers": args.layers, "num_decoder_layers": args.layers, "num_heads": 4,
                   "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128,
                   "dropout_rate": 0.1, "layer_norm_epsilon": 1e-6, "feed_forward_proj": "relu",
                   "tie_word_embeddings": not args.untied, "decoder_start_token_id": 0, "pad_token_id": 0, "eos_token_id": 1},
                  f, indent=2)
    common = ["--threads", str(args.threads), "--seed", str(args.train_seed), "--batch-size", str(args.batch_size),
              "--log"]
    pretrained, base = os.path.join(args.out, "pretrained"), os.path.join(args.out, "base")
    if args.span_corruption == "first":  # two stages: span corruption alone, then the sources
        if not os.path.exists(os.path.join(pretrained, "model.safetensors")):
            run(args.album, "train", "model", "--config", config, "--tokenizer", tok, "--objective", "span-corruption",
                "--data", os.path.join(data, "corpus.txt"), "--steps", str(args.pretrain_steps), "--lr",
                args.pretrain_lr, "--warmup-steps", "200", "--out", pretrained, *common,
                os.path.join(args.out, "pretrain.jsonl"))
        start, mixture = ["--model", pretrained], os.path.join(data, "multitask.jsonl")
    elif args.span_corruption == "mixed":  # one stage from scratch: span corruption mixed with the sources
        start, mixture = ["--config", config, "--tokenizer", tok], os.path.join(args.out, "mixture.jsonl")
        if not os.path.exists(mixture):
            write_mixture(mixture, data, args.seed)
    else:  # the sources alone, from scratch
        start, mixture = ["--config", config, "--tokenizer", tok], os.path.join(data, "multitask.jsonl")
    if not os.path.exists(os.path.join(base, "model.safetensors")):
        run(args.album, "train", "model", *start, "--objective", "seq2seq",
            "--data", mixture, "--steps", str(args.multitask_steps), "--lr", args.multitask_lr,
            "--warmup-steps", "100", "--out", base, *common, os.path.join(args.out, "multitask.jsonl"))
    print(f"base model: {base}")


if __name__ == "__main__":
    main()
