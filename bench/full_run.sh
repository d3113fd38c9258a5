#!/usr/bin/env bash
# One run of every figure docs/benchmarks.md reports, back to back on one machine: Album fp32/bf16/int8 next to
# HF PyTorch and CTranslate2 fp32/int8 (t5-small and t5-base shapes, batch 1 and 16), agreement with fp32, resident
# memory per precision, SPE overhead and the 16-task batch, greedy latency next to beam searches, and serving
# efficiency (HTTP load test against the engine's closed loop), and the precision comparison again with every engine
# capped at AVX2 (as on a CPU without AVX-512). Raw outputs go to OUT, one file per measurement.
#
#   bench/full_run.sh /tmp/album-bench
#
# Needs release builds of album and loadtest (ALBUM, LOADTEST override their paths), python3 with torch,
# transformers and ctranslate2, and about 30 minutes on 2 cores. Random-weight checkpoints go to /tmp.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: bench/full_run.sh OUTDIR}
ALBUM=${ALBUM:-.build/release/album}
LOADTEST=${LOADTEST:-loadtest/.build/release/loadtest}
REPEATS=${REPEATS:-5}
mkdir -p "$OUT"
album() { env -u OPENBLAS_CORETYPE -u DNNL_MAX_CPU_ISA "$ALBUM" "$@"; }

for shape in t5-small t5-base; do
  checkpoint=/tmp/$shape-random
  python3 bench/t5_reference.py --shape "$shape" --out "$checkpoint" --configs 1x2,16x2 --repeats "$REPEATS" --rss \
    > "$OUT/reference-$shape.md" 2> "$OUT/reference-$shape.log"
  album bench --model "$checkpoint" --sections machine,precision --precisions fp32,bf16,int8 --batch-sizes 1,16 \
    --repeats "$REPEATS" > "$OUT/album-$shape.md"
  for precision in fp32 bf16 int8; do
    album bench --model "$checkpoint" --precision "$precision" --sections request,memory --batch-sizes 16 \
      --repeats 1 > "$OUT/memory-$shape-$precision.md"
  done
done

# The same comparison with every engine capped at AVX2 + FMA (no AVX-512, no VNNI, no BF16), as on a CPU without
# AVX-512: Album through ALBUM_CPU_ISA (which caps OpenBLAS and oneDNN with it), CTranslate2 through its own ISA
# switch, oneDNN's and MKL's, PyTorch through ATen's.
for shape in t5-small t5-base; do
  checkpoint=/tmp/$shape-random
  CT2_FORCE_CPU_ISA=AVX2 DNNL_MAX_CPU_ISA=AVX2 MKL_ENABLE_INSTRUCTIONS=AVX2 ATEN_CPU_CAPABILITY=avx2 \
    python3 bench/t5_reference.py --shape "$shape" --out "$checkpoint" --configs 1x2,16x2 --repeats "$REPEATS" \
    > "$OUT/avx2-reference-$shape.md" 2> "$OUT/avx2-reference-$shape.log"
  ALBUM_CPU_ISA=avx2 album bench --model "$checkpoint" --sections machine,precision --precisions fp32,bf16,int8 \
    --batch-sizes 1,16 --repeats "$REPEATS" > "$OUT/avx2-album-$shape.md"
done

album bench --model /tmp/t5-small-random --sections spe --repeats 3 > "$OUT/spe.md"
album bench --model /tmp/t5-small-random --beam-mix --length 64 --beam-mix-interval-ms 250 --beam-mix-requests 60 \
  > "$OUT/beam-mix.md"

# Serving efficiency: the same closed loop through the engine alone and through HTTP.
python3 bench/make_bench_tokenizer.py --checkpoint /tmp/t5-small-random --out /tmp/t5-small-serve > /dev/null
mkdir -p /tmp/album-bench-empty-tasks
for workers in 1 2; do
  album bench --serving --model /tmp/t5-small-serve --length 64 --steps 16 --concurrency 4,8 --workers "$workers" \
    --threads 2 --serving-seconds 8 --repeats 3 > "$OUT/serving-engine-w$workers.md"
  # Started directly (not through the `album` function) so that $! is the server itself.
  env -u OPENBLAS_CORETYPE "$ALBUM" serve --model /tmp/t5-small-serve --tasks /tmp/album-bench-empty-tasks \
    --port 18437 --threads 2 --workers "$workers" > "$OUT/serve-w$workers.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -sf http://127.0.0.1:18437/readyz > /dev/null && break; sleep 0.2; done
  for concurrency in 4 8; do
    "$LOADTEST" --url http://127.0.0.1:18437 --concurrency "$concurrency" --duration 8 --max-requests 100000 \
      --workload loadtest/workloads/t5-small-fixed.json > "$OUT/serving-http-w$workers-c$concurrency.md"
  done
  kill -TERM "$server"
  wait "$server" || true  # the port is free again before the next server starts
done
echo "outputs in $OUT"
