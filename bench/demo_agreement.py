#!/usr/bin/env python3
"""Agreement of `--precision bf16` and `int8` with fp32 on the bundled demo, example by example.

Runs `album eval` on the demo tasks over the world's test sentences (models/world/make_world.py writes them;
`python3 models/world/make_world.py --out runs/world8` recreates the data deterministically) in each precision,
and compares every prediction with fp32's:

- sentiment (static prompt, rank classification) on the review test set;
- nli (SPE task, rank classification) on the paraphrase test pairs under the nli template;
- tense (PEFT adapter, greedy generation) on the tense test set: the generated text must be identical.

    python3 bench/demo_agreement.py --album .build/release/album --world runs/world8

Prints a markdown table: accuracy per precision (against the data's labels) and the share of predictions equal
to fp32's.
"""
import argparse
import json
import os
import subprocess
import tempfile


def rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--album", default=".build/release/album")
    parser.add_argument("--world", default="runs/world8", help="output folder of models/world/make_world.py")
    parser.add_argument("--model", default="models/default")
    parser.add_argument("--tasks", default="models/tasks")
    parser.add_argument("--limit", type=int, default=500, help="test examples per task")
    args = parser.parse_args()
    data = os.path.join(args.world, "data")
    work = tempfile.mkdtemp(prefix="album-demo-agreement-")
    sets = {}
    sets["sentiment"] = rows(os.path.join(data, "review", "test.jsonl"))[: args.limit]
    sets["nli"] = [{"fields": {"premise": r["fields"]["first"], "hypothesis": r["fields"]["second"]},
                    "label": 0 if r["label"] == 1 else 1}
                   for r in rows(os.path.join(data, "paraphrase", "test.jsonl"))[: args.limit]]
    tense_words = ["past", "present", "future"]
    sets["tense"] = [{"input": r["fields"]["sentence"], "target": tense_words[r["label"]]}
                     for r in rows(os.path.join(data, "tense", "test.jsonl"))[: args.limit]]
    results = {}
    for task, examples in sets.items():
        path = os.path.join(work, f"{task}.jsonl")
        with open(path, "w") as f:
            for example in examples:
                f.write(json.dumps(example) + "\n")
        for precision in ("fp32", "bf16", "int8"):
            predictions = os.path.join(work, f"{task}-{precision}.jsonl")
            out = subprocess.run([args.album, "eval", "--model", args.model, "--tasks", args.tasks, "--task", task,
                                  "--data", path, "--precision", precision, "--json", "--predictions", predictions,
                                  "--max-new-tokens", "4"],
                                 check=True, capture_output=True, text=True,
                                 env={k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}).stdout
            metrics = json.loads(out)
            results[(task, precision)] = (metrics.get("accuracy", metrics.get("exact_match")), rows(predictions))
    print("| task (kind, test examples) | precision | accuracy | predictions equal to fp32's |")
    print("|---|---|---:|---:|")
    kinds = {"sentiment": "static prompt, labels", "nli": "SPE, labels", "tense": "PEFT adapter, greedy text"}
    for task, examples in sets.items():
        reference = results[(task, "fp32")][1]
        for precision in ("fp32", "bf16", "int8"):
            accuracy, predictions = results[(task, precision)]
            same = sum(a == b for a, b in zip(predictions, reference)) / len(reference)
            print(f"| {task} ({kinds[task]}, {len(examples)}) | {precision} | {accuracy:.3f} | {100 * same:.1f}% |")


if __name__ == "__main__":
    main()
