#!/usr/bin/env python3
"""HF side of Album's tokenizer benchmark: HF `tokenizers` (Rust) on the same lines Album tokenized.

Prints a JSON list of rows {engine, mb_per_s, tokens, note}. Called by `album tokenize --bench`; can be run alone:
  python3 bench/tokenizer_reference.py --model Tests/Fixtures/tokenizer/unigram --text lines.txt
"""
import argparse
import json
import os
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="directory with tokenizer.json")
    ap.add_argument("--text", required=True, help="UTF-8 file, one input per line")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    os.environ.setdefault("RAYON_NUM_THREADS", "1")
    import tokenizers
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(os.path.join(args.model, "tokenizer.json"))
    with open(args.text, encoding="utf-8") as f:
        lines = f.read().split("\n")
    total = sum(len(l.encode("utf-8")) for l in lines)
    rows = []

    def timed(fn):
        fn(lines[:200])
        best, tokens = float("inf"), 0
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            tokens = fn(lines)
            best = min(best, time.perf_counter() - t0)
        return total / 1e6 / best, tokens

    mbs, n = timed(lambda ls: sum(len(tok.encode(l).ids) for l in ls))
    rows.append({"engine": f"HF tokenizers {tokenizers.__version__} (Rust)", "mb_per_s": mbs, "tokens": n,
                 "note": "1 thread, encode() per line from Python"})
    mbs, n = timed(lambda ls: sum(len(e.ids) for e in tok.encode_batch(ls)))
    rows.append({"engine": f"HF tokenizers {tokenizers.__version__} (Rust)", "mb_per_s": mbs, "tokens": n,
                 "note": f"encode_batch, RAYON_NUM_THREADS={os.environ['RAYON_NUM_THREADS']}"})
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
