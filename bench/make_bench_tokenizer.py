#!/usr/bin/env python3
"""Give a random t5-small-shaped checkpoint (bench/t5_reference.py) a tokenizer, so `album serve` and
`album bench --serving` can run it with text requests.

No public T5 vocabulary is downloaded: the bundled demo tokenizer (models/default/tokenizer.json, a 743-piece
unigram vocabulary and 100 sentinels) is laid out as t5-small's is: its pieces keep ids 0..742, unused filler pieces
(`<unused_N>`, which no text matches) take ids up to 31999, and the sentinels `<extra_id_99>`..`<extra_id_0>` take
32000..32099, below the model's 32128 embedding rows. Text therefore tokenizes exactly as with the demo tokenizer
(so per request tokenizing costs what it costs in the demo server), and every id the model can emit decodes.

The output directory holds links to the checkpoint's config.json and model.safetensors next to the tokenizer; the
checkpoint itself is not copied or changed.

    python3 bench/make_bench_tokenizer.py --checkpoint /tmp/t5-small-random --out /tmp/t5-small-serve
"""
import argparse
import json
import os

REPOSITORY = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", required=True, help="HF T5 checkpoint directory (config.json, model.safetensors)")
    parser.add_argument("--out", required=True, help="directory to create (links + tokenizer.json)")
    parser.add_argument("--pieces", type=int, default=32000, help="sentencepiece vocabulary size before the sentinels")
    args = parser.parse_args()

    with open(os.path.join(REPOSITORY, "models/default/tokenizer.json"), encoding="utf-8") as f:
        tokenizer = json.load(f)
    with open(os.path.join(args.checkpoint, "config.json"), encoding="utf-8") as f:
        vocab_size = json.load(f)["vocab_size"]
    vocab = tokenizer["model"]["vocab"]
    sentinels = [entry for entry in vocab if entry[0].startswith("<extra_id_")]
    pieces = [entry for entry in vocab if not entry[0].startswith("<extra_id_")]
    if len(pieces) > args.pieces or args.pieces + len(sentinels) > vocab_size:
        raise SystemExit(f"{len(pieces)} pieces + fillers up to {args.pieces} + {len(sentinels)} sentinels "
                         f"do not fit a vocabulary of {vocab_size}")
    fillers = [[f"<unused_{i}>", -100.0] for i in range(len(pieces), args.pieces)]
    tokenizer["model"]["vocab"] = pieces + fillers + sentinels
    shift = args.pieces - len(pieces)
    for token in tokenizer["added_tokens"]:
        if token["content"].startswith("<extra_id_"):
            token["id"] += shift

    os.makedirs(args.out, exist_ok=True)
    for name in ("config.json", "model.safetensors", "generation_config.json"):
        source = os.path.join(os.path.abspath(args.checkpoint), name)
        link = os.path.join(args.out, name)
        if os.path.exists(source) and not os.path.lexists(link):
            os.symlink(source, link)
    with open(os.path.join(args.out, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False)
    print(f"{args.out}: {len(tokenizer['model']['vocab'])} tokenizer entries for a model of {vocab_size}")


if __name__ == "__main__":
    main()
