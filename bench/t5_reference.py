#!/usr/bin/env python3
"""Reference engines on the same workload as `album bench --model DIR`: HF PyTorch and CTranslate2.

Builds (or reuses) a random-weight T5 checkpoint with the exact shapes of t5-small or t5-base in HF layout, then
times the serving workload of the performance notes: L encoder tokens (100 prompt + 128 input = 228 by default),
5 greedy decode steps, by default batch 1 and batch 8 on 1 and 2 threads (`--configs`). Timing does not depend
on weight values. `--rss` adds CTranslate2's resident memory in fp32 and int8.

    python3 bench/t5_reference.py --shape t5-small --out /tmp/t5-small-random
    album bench --model /tmp/t5-small-random          # Album on the same checkpoint and workload

--train times prompt tuning instead (PEFT PromptTuningConfig, 100 virtual tokens, SEQ_2_SEQ_LM; fp32, train() mode
so dropout is the config's 0.1, Album's default): forward + backward + AdamW on the prompt, 128 input and 4 target
tokens, batch 8 on 1 and 2 threads and batch 32 on 2 threads, each configuration in a fresh subprocess so that its
peak RSS (ru_maxrss) is its own. Compare with `album bench --train --model DIR`.

    python3 bench/t5_reference.py --train --out /tmp/t5-small-random

Needs torch, transformers and ctranslate2 (pip), and peft for --train; Album itself never does.
"""
import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
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


def ct2_model_dir(out: str, quantization: str) -> str:
    """The CTranslate2 conversion of the checkpoint, stored with `quantization` (converted once)."""
    from ctranslate2.converters import TransformersConverter

    ct2_dir = f"{out}-ct2-{quantization}"
    if not os.path.exists(os.path.join(ct2_dir, "model.bin")):
        TransformersConverter(out).convert(ct2_dir, quantization=quantization, force=True)
    return ct2_dir


def run_ct2(out: str, batch: int, length: int, steps: int, threads: int, repeats: int, quantization: str):
    import ctranslate2

    ct2_dir = ct2_model_dir(out, quantization)
    translator = ctranslate2.Translator(ct2_dir, device="cpu", inter_threads=1, intra_threads=threads)
    rng = np.random.default_rng(1)
    tokens = [[f"▁t{int(i)}" for i in rng.integers(3, 32000, length)] for _ in range(batch)]
    # Token strings map to ids through CT2's vocabulary; unknown strings become <unk>, which is fine for timing.
    return best_of(lambda: translator.translate_batch(tokens, max_decoding_length=steps, min_decoding_length=steps,
                                                      beam_size=1, max_batch_size=batch), repeats)


def run_train(out: str, batch: int, input_length: int, target_length: int, prompt_length: int, threads: int,
              steps: int) -> dict:
    """One configuration (run in its own process): seconds per prompt-tuning step and this process's peak RSS."""
    from peft import PromptTuningConfig, TaskType, get_peft_model

    torch.set_num_threads(threads)
    torch.manual_seed(0)
    base = T5ForConditionalGeneration.from_pretrained(out, torch_dtype=torch.float32)
    model = get_peft_model(base, PromptTuningConfig(task_type=TaskType.SEQ_2_SEQ_LM, num_virtual_tokens=prompt_length))
    model.train()  # dropout_rate 0.1 at every T5 dropout site, as Album's training default
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=0.3, weight_decay=0.01)
    generator = torch.Generator().manual_seed(1)
    ids = torch.randint(3, 32000, (batch, input_length), generator=generator)
    labels = torch.randint(3, 32000, (batch, target_length), generator=generator)
    mask = torch.ones_like(ids)

    def step():
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    step()  # warm-up
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB on Linux
    return dict(batch=batch, threads=threads, trainable=sum(p.numel() for p in trainable),
                median_s=statistics.median(times), best_s=min(times), peak_mib=peak_kb / 1024)


def train_main(args) -> None:
    if args.train_worker:
        batch, threads = (int(x) for x in args.train_worker.split(","))
        print(json.dumps(run_train(args.out, batch, args.input_length, args.target_length, args.prompt_length, threads,
                                   args.train_steps)))
        return
    rows = []
    for batch, threads in [(8, 1), (8, 2), (32, 2)]:
        command = [sys.executable, os.path.abspath(__file__), "--train", "--out", args.out, "--shape", args.shape,
                   "--train-worker", f"{batch},{threads}", "--input-length", str(args.input_length),
                   "--target-length", str(args.target_length), "--prompt-length", str(args.prompt_length),
                   "--train-steps", str(args.train_steps)]
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        rows.append(json.loads(result.stdout.strip().splitlines()[-1]))
    if args.json:
        print(json.dumps(rows))
        return
    import peft
    print(f"{args.shape} random weights, PEFT prompt tuning: {args.prompt_length} virtual + {args.input_length} input "
          f"tokens, {args.target_length} target tokens, dropout 0.1, AdamW on the prompt ({rows[0]['trainable']} "
          f"parameters), fp32; median and best of {args.train_steps} steps after 1 warm-up; torch {torch.__version__}, "
          f"transformers {transformers.__version__}, peft {peft.__version__}; {platform.processor() or platform.machine()}")
    print("| batch | threads | ms / step (median) | ms / step (best) | examples/s | peak RSS (MiB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['batch']} | {r['threads']} | {1e3 * r['median_s']:.1f} | {1e3 * r['best_s']:.1f} | "
              f"{r['batch'] / r['median_s']:.2f} | {r['peak_mib']:.0f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shape", choices=sorted(SHAPES), default="t5-small")
    parser.add_argument("--out", required=True, help="checkpoint directory (created if missing)")
    parser.add_argument("--length", type=int, default=228)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--train", action="store_true", help="time PEFT prompt tuning instead of generation")
    parser.add_argument("--prompt-length", type=int, default=100)
    parser.add_argument("--input-length", type=int, default=128)
    parser.add_argument("--target-length", type=int, default=4)
    parser.add_argument("--train-steps", type=int, default=3)
    parser.add_argument("--train-worker", help=argparse.SUPPRESS)
    parser.add_argument("--configs", default="1x1,1x2,8x2",
                        help="comma-separated BATCHxTHREADS configurations to time (e.g. 1x2,16x2)")
    parser.add_argument("--rss", action="store_true",
                        help="also report CTranslate2's resident memory after loading and after the largest batch")
    parser.add_argument("--rss-worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rss_worker:
        print(json.dumps(ct2_rss(args.out, args.rss_worker, args.length, args.steps, max_batch(args.configs))))
        return
    build_checkpoint(args.shape, args.out)
    if args.train:
        train_main(args)
        return
    rows = []
    for batch, threads in parse_configs(args.configs):
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
    if args.rss:
        print()
        print(f"| CTranslate2 | RSS after load (MiB) | peak RSS after batch {max_batch(args.configs)} (MiB) |")
        print("|---|---:|---:|")
        for quantization in ("float32", "int8"):
            result = subprocess.run([sys.executable, __file__, "--out", args.out, "--shape", args.shape,
                                     "--rss-worker", quantization, "--length", str(args.length), "--steps",
                                     str(args.steps), "--configs", args.configs],
                                    check=True, capture_output=True, text=True)
            r = json.loads(result.stdout.strip().splitlines()[-1])
            print(f"| {quantization} | {r['load_mib']:.0f} | {r['peak_mib']:.0f} |")


def parse_configs(text: str):
    return [tuple(int(x) for x in part.split("x")) for part in text.split(",")]


def max_batch(text: str) -> int:
    return max(batch for batch, _ in parse_configs(text))


def rss_mib(field: str) -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def ct2_rss(out: str, quantization: str, length: int, steps: int, batch: int) -> dict:
    """One CTranslate2 translator in this (fresh) process: RSS after loading, peak RSS after one batch."""
    import ctranslate2
    translator = ctranslate2.Translator(ct2_model_dir(out, quantization), device="cpu", inter_threads=1,
                                        intra_threads=2)
    load = rss_mib("VmRSS")
    rng = np.random.default_rng(1)
    tokens = [[f"▁t{int(i)}" for i in rng.integers(3, 32000, length)] for _ in range(batch)]
    translator.translate_batch(tokens, max_decoding_length=steps, min_decoding_length=steps, beam_size=1,
                               max_batch_size=batch)
    return dict(load_mib=load, peak_mib=rss_mib("VmHWM"))


if __name__ == "__main__":
    main()
