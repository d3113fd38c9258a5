#!/usr/bin/env python3
"""Reference engines on the same workload as `album bench --model DIR`: HF PyTorch and CTranslate2.

Builds (or reuses) a random-weight T5 checkpoint with the exact shapes of t5-small or t5-base in HF layout, then
times the serving workload of the performance notes: L encoder tokens (100 prompt + 128 input = 228 by default),
5 greedy decode steps, batch 1 and batch 8, on 1 and 2 threads. Timing does not depend on weight values.

    python3 bench/t5_reference.py --shape t5-small --out /tmp/t5-small-random
    album bench --model /tmp/t5-small-random          # Album on the same checkpoint and workload

Needs torch, transformers and ctranslate2 (pip); Album itself never does.
"""
import argparse
import json
import os
import platform
import statistics
import time

import numpy as np
import torch
import transformers
from transformers import T5Config, T5ForConditionalGeneration

SHAPES = {
    "t5-small": dict(d_model=512, d_kv=64, num_heads=8, d_ff=2048, num_layers=6, feed_forward_proj="relu",
                     tie_word_embeddings=True),
    "t5-base": dict(d_model=768, d_kv=64, num_heads=12, d_ff=3072, num_layers=12, feed_forward_proj="relu",
                    tie_word_embeddings=True),
    "flan-t5-small": dict(d_model=512, d_kv=64, num_heads=6, d_ff=1024, num_layers=8,
                          feed_forward_proj="gated-gelu", tie_word_embeddings=False),
}


def build_checkpoint(shape: str, out: str) -> None:
    if os.path.exists(os.path.join(out, "config.json")):
        return
    torch.manual_seed(0)
    config = T5Config(vocab_size=32128, decoder_start_token_id=0, **SHAPES[shape])
    model = T5ForConditionalGeneration(config).eval()
    model.save_pretrained(out, safe_serialization=True)


def best_of(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def run_hf(out: str, batch: int, length: int, steps: int, threads: int, repeats: int):
    torch.set_num_threads(threads)
    model = T5ForConditionalGeneration.from_pretrained(out).eval()
    ids = torch.randint(3, 32000, (batch, length), generator=torch.Generator().manual_seed(1))
    with torch.inference_mode():
        return best_of(lambda: model.generate(ids, max_new_tokens=steps, min_new_tokens=steps, do_sample=False,
                                              num_beams=1), repeats)


def run_ct2(out: str, batch: int, length: int, steps: int, threads: int, repeats: int, quantization: str):
    import ctranslate2
    from ctranslate2.converters import TransformersConverter

    ct2_dir = f"{out}-ct2-{quantization}"
    if not os.path.exists(os.path.join(ct2_dir, "model.bin")):
        TransformersConverter(out).convert(ct2_dir, quantization=quantization, force=True)
    translator = ctranslate2.Translator(ct2_dir, device="cpu", inter_threads=1, intra_threads=threads)
    rng = np.random.default_rng(1)
    tokens = [[f"▁t{int(i)}" for i in rng.integers(3, 32000, length)] for _ in range(batch)]
    # Token strings map to ids through CT2's vocabulary; unknown strings become <unk>, which is fine for timing.
    return best_of(lambda: translator.translate_batch(tokens, max_decoding_length=steps, min_decoding_length=steps,
                                                      beam_size=1, max_batch_size=batch), repeats)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="t5-small")
    parser.add_argument("--out", required=True, help="checkpoint directory (created if missing)")
    parser.add_argument("--length", type=int, default=228)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    build_checkpoint(args.shape, args.out)
    rows = []
    for batch, threads in [(1, 1), (1, 2), (8, 2)]:
        best, median = run_hf(args.out, batch, args.length, args.steps, threads, args.repeats)
        rows.append(("HF PyTorch fp32", batch, threads, best, median))
        for quantization in ("float32", "int8"):
            best, median = run_ct2(args.out, batch, args.length, args.steps, threads, args.repeats, quantization)
            rows.append((f"CTranslate2 {quantization}", batch, threads, best, median))
    if args.json:
        print(json.dumps([dict(engine=e, batch=b, threads=t, best_ms=1e3 * x, median_ms=1e3 * m)
                          for e, b, t, x, m in rows]))
        return
    print(f"{args.shape} random weights, {args.length} tokens in, {args.steps} greedy steps; "
          f"torch {torch.__version__}, transformers {transformers.__version__}; {platform.processor() or platform.machine()}")
    print("| engine | batch | threads | best ms / batch | median ms / batch | ms / sequence |")
    print("|---|---|---|---|---|---|")
    for engine, batch, threads, best, median in rows:
        print(f"| {engine} | {batch} | {threads} | {1e3 * best:.1f} | {1e3 * median:.1f} | {1e3 * best / batch:.1f} |")


if __name__ == "__main__":
    main()
