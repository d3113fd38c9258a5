#!/usr/bin/env python3
"""Accuracy of a world base model on every task's test split, with the task's text prefix and no prompt: rank
classification over the label words, exact match for generation. It serves the model with `album serve` (no tasks,
so requests run the base model) and asks it through /v1/batch. Sources should score high (they were in the base's
multi-task training); targets and controls show what the base knows before any prompt is trained.

    python3 models/world/eval_base.py --model runs/world/base --data runs/world/data [--limit 500] [--json]
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(port, path, body):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=300) as response:
        return json.load(response)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--album", default=".build/release/album")
    parser.add_argument("--limit", type=int, default=500, help="test examples per task")
    parser.add_argument("--tasks", help="comma-separated task names (default: every task)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    tasks = json.load(open(os.path.join(args.data, "tasks.json")))["tasks"]
    if args.tasks:
        tasks = [t for t in tasks if t["name"] in args.tasks.split(",")]
    port, empty = free_port(), tempfile.mkdtemp()
    server = subprocess.Popen([args.album, "serve", "--model", args.model, "--tasks", empty, "--port", str(port),
                               "--max-batch-items", "64"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        results = {}
        for task in tasks:
            rows = [json.loads(line) for line in open(os.path.join(args.data, task["name"], "test.jsonl"))][:args.limit]
            correct = 0
            for start in range(0, len(rows), 64):
                chunk = rows[start:start + 64]
                if task["labels"]:
                    items = [{"type": "classify", "input": task["template"].format(**row["fields"]),
                              "candidates": task["labels"]} for row in chunk]
                    answers = post(port, "/v1/batch", {"requests": items})["results"]
                    correct += sum(a["classify"]["label"] == task["labels"][row["label"]] for a, row in zip(answers, chunk))
                else:
                    items = [{"input": row["input"], "max_new_tokens": 16} for row in chunk]
                    answers = post(port, "/v1/batch", {"requests": items})["results"]
                    correct += sum(a["generate"]["output"].strip() == row["target"] for a, row in zip(answers, chunk))
            chance = 1 / len(task["labels"]) if task["labels"] else 0.0
            results[task["name"]] = {"kind": task["kind"], "accuracy": correct / len(rows), "examples": len(rows),
                                     "chance": chance}
            if not args.json:
                print(f"{task['kind']:8} {task['name']:18} {correct / len(rows):6.3f}  (chance {chance:.3f}, n={len(rows)})",
                      flush=True)
        if args.json:
            print(json.dumps(results, indent=2, sort_keys=True))
    finally:
        server.terminate()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
