#!/usr/bin/env python3
"""The SPE ablation table on the world's base model, made end to end by Album's trainer (docs/method.md).

1. Source prompts: `album train source` on every source task (snapshots at 60/80/100 %), then `album album build`.
2. IPT subspace: `album train ipt-subspace` on the source prompts and the sources' data (spec §8).
3. For every target and control task, budget (training examples) and seed: train and evaluate on the test split
     pt           plain prompt tuning, vocab init (spec §3)
     spot         SPoT: init from the source prompt most similar to a probe prompt (`--init topk-weighted:1`)
     spe          SPE (spec §7; album-only attention, P_task + Σ a_j A_j)
     attempt      SPE in ATTEMPT mode (P_task is candidate M+1)
     no-snapshots SPE over each source's final prompt only
     no-attention SPE with equal weights over the album
     no-task      SPE without P_task
     ipt          IPT: only z ∈ R^{d_I} trains, prompt Proj_b(z)
   and, per target and budget, an ensemble of the three seeds' pt prompts (majority vote).
4. Writes OUT/results.jsonl (one line per run; a rerun skips what is there, so an interrupted run continues) and the
   markdown report OUT/report.md (mean ± std over seeds per cell, averages, SPE attention per target), which
   `--docs docs/method.md` also writes between the `method-table` markers of that page.

    python3 models/world/method_table.py --base runs/world/base --data runs/world/data --out runs/table \\
        --docs docs/method.md

Needs a built `album` (swift build -c release --product album), numpy and safetensors.
"""
import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import time

import numpy as np
from safetensors.numpy import load_file, save_file

METHODS = ["pt", "spot", "spe", "attempt", "no-snapshots", "no-attention", "no-task", "ipt"]
LABELS = {"pt": "prompt tuning", "spot": "SPoT", "spe": "SPE", "attempt": "SPE, ATTEMPT mode",
          "no-snapshots": "SPE w/o snapshots", "no-attention": "SPE w/o attention", "no-task": "SPE w/o task prompt",
          "ipt": "IPT", "ensemble": "ensemble of 3 pt prompts (vote)"}


class Runner:
    def __init__(self, args):
        self.args = args
        self.album = args.album
        self.log = open(os.path.join(args.out, "commands.log"), "a")

    def __call__(self, *command):
        full = [self.album, *command]
        self.log.write(" ".join(full) + "\n")
        self.log.flush()
        done = subprocess.run(full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit(f"failed ({done.returncode}): {' '.join(full)}\n{done.stderr[-2000:]}")
        return done.stdout


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def write_jsonl(path, rows):
    with open(path, "w") as f:
        for row in rows:
            f.write(json.dumps(row, sort_keys=True) + "\n")


def task_options(task):
    """--template/--labels of a task (generation rows carry their formatted input already)."""
    if task["labels"]:
        return ["--template", task["template"], "--labels", ",".join(task["labels"])]
    return ["--template", "{input}"]


def metric(task, metrics):
    return metrics["accuracy"] if task["labels"] else metrics["exact_match"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--out", default="runs/table")
    parser.add_argument("--album", default=".build-release/release/album")
    parser.add_argument("--budgets", default="16,64,256")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--tasks", help="comma-separated target/control tasks (default: all)")
    parser.add_argument("--methods", default=",".join(METHODS + ["ensemble"]))
    parser.add_argument("--prompt-length", type=int, default=8)
    parser.add_argument("--source-steps", type=int, default=1000)
    parser.add_argument("--steps", type=int, default=100, help="optimizer steps of every target run")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--lr", default="0.3")
    parser.add_argument("--ipt-lr", default="0.05", help="learning rate of IPT's z (the other methods use --lr)")
    parser.add_argument("--intrinsic-dim", type=int, default=16)
    parser.add_argument("--subspace-steps", type=int, default=1000)
    parser.add_argument("--test", type=int, default=200, help="test examples per task")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--docs", help="also write the report into this page, between its method-table markers")
    args = parser.parse_args()
    if not os.access(args.album, os.X_OK):
        sys.exit(f"no album executable at {args.album}: swift build -c release --product album")
    os.makedirs(args.out, exist_ok=True)
    run = Runner(args)
    started = time.time()
    tasks = json.load(open(os.path.join(args.data, "tasks.json")))["tasks"]
    sources = [t for t in tasks if t["kind"] == "source"]
    targets = [t for t in tasks if t["kind"] != "source" and (not args.tasks or t["name"] in args.tasks.split(","))]
    methods = args.methods.split(",")
    common = ["--model", args.base, "--threads", str(args.threads), "--quiet"]
    results_path = os.path.join(args.out, "results.jsonl")
    done = {(r["task"], r["budget"], r["seed"], r["method"]): r for r in
            (read_jsonl(results_path) if os.path.exists(results_path) else [])}
    timings = json.load(open(os.path.join(args.out, "timings.json"))) if os.path.exists(
        os.path.join(args.out, "timings.json")) else {}

    # 1. Source prompts with snapshots, and the album.
    shared = os.path.join(args.out, "shared")
    album_dir = os.path.join(shared, "world-album")
    if not os.path.exists(os.path.join(album_dir, "task.json")):
        t0 = time.time()
        folders = []
        for task in sources:
            folder = os.path.join(args.out, "sources", task["name"])
            if not os.path.exists(os.path.join(folder, "task.json")):
                print(f"source {task['name']}", flush=True)
                run("train", "source", *common, "--data", os.path.join(args.data, task["name"], "train.jsonl"),
                    *task_options(task), "--name", task["name"], "--prompt-length", str(args.prompt_length),
                    "--steps", str(args.source_steps), "--batch-size", "32", "--lr", args.lr, "--seed", "0",
                    "--out", folder)
                shutil.rmtree(os.path.join(folder, "checkpoints"), ignore_errors=True)
            folders.append(folder)
        run("album", "build", "--out", album_dir, "--name", "world-album", *folders)
        timings["sources"] = time.time() - t0
        json.dump(timings, open(os.path.join(args.out, "timings.json"), "w"), indent=2)
    entries = json.load(open(os.path.join(album_dir, "task.json")))["album"]["entries"]
    # The final (100 %) snapshot of every source, as .npy (SPoT's candidates) and as a static task (IPT's sources).
    finals = []
    album_manifest = json.load(open(os.path.join(album_dir, "task.json")))
    album_prompts = load_file(os.path.join(album_dir, "album.safetensors"))["prompts"]  # (M, l, d)
    by_name = {t["name"]: t for t in sources}
    for index, entry in enumerate(entries):
        if entry.get("fraction") == 1.0:
            prompt = np.ascontiguousarray(album_prompts[index].astype(np.float32))  # (l, d)
            path = os.path.join(shared, f"final-{entry['sourceTask']}.npy")
            np.save(path, prompt)
            finals.append(path)
            task = by_name[entry["sourceTask"]]
            static = os.path.join(shared, "static", task["name"])
            os.makedirs(static, exist_ok=True)
            save_file({"prompt": prompt}, os.path.join(static, "prompt.safetensors"))
            manifest = {"format": "album.task/1", "kind": "static", "name": task["name"],
                        "promptLength": int(prompt.shape[0]), "baseModel": album_manifest["baseModel"],
                        "template": task["template"] if task["labels"] else "{input}"}
            if task["labels"]:
                manifest["labels"] = task["labels"]
            json.dump(manifest, open(os.path.join(static, "task.json"), "w"), indent=2, sort_keys=True)

    # 2. The IPT subspace.
    subspace = os.path.join(shared, "world-subspace")
    if "ipt" in methods and not os.path.exists(os.path.join(subspace, "task.json")):
        t0 = time.time()
        print("ipt subspace", flush=True)
        pairs = []
        for task in sources:
            pairs += ["--source", f"{task['name']}={os.path.join(shared, 'static', task['name'])}",
                      "--data", f"{task['name']}={os.path.join(args.data, task['name'], 'train.jsonl')}"]
        run("train", "ipt-subspace", *common, *pairs, "--intrinsic-dim", str(args.intrinsic_dim),
            "--steps", str(args.subspace_steps), "--batch-size", "32", "--seed", "0", "--out", subspace)
        timings["subspace"] = time.time() - t0
        json.dump(timings, open(os.path.join(args.out, "timings.json"), "w"), indent=2)

    # 3. Every target × budget × seed × method.
    results = open(results_path, "a")
    budgets = [int(b) for b in args.budgets.split(",")]
    seeds = [int(s) for s in args.seeds.split(",")]
    for task in targets:
        train = read_jsonl(os.path.join(args.data, task["name"], "train.jsonl"))
        test_path = os.path.join(args.out, "data", task["name"], "test.jsonl")
        os.makedirs(os.path.dirname(test_path), exist_ok=True)
        write_jsonl(test_path, read_jsonl(os.path.join(args.data, task["name"], "test.jsonl"))[:args.test])
        for budget in budgets:
            for seed in seeds:
                cell = os.path.join(args.out, "cells", task["name"], f"b{budget}", f"s{seed}")
                os.makedirs(cell, exist_ok=True)
                if not os.path.exists(os.path.join(cell, "world-album")):
                    shutil.copytree(album_dir, os.path.join(cell, "world-album"))
                if "ipt" in methods and not os.path.exists(os.path.join(cell, "world-subspace")):
                    shutil.copytree(subspace, os.path.join(cell, "world-subspace"))
                # The budget's examples: a prefix of a seed-dependent permutation (so budgets are nested).
                order = list(range(len(train)))
                random.Random(1000 + seed).shuffle(order)
                data = os.path.join(cell, "train.jsonl")
                write_jsonl(data, [train[i] for i in order[:budget]])
                base = ["--data", data, *task_options(task), "--prompt-length", str(args.prompt_length),
                        "--steps", str(args.steps), "--batch-size", str(min(args.batch_size, budget)),
                        "--seed", str(seed)]
                for method in methods:
                    if method == "ensemble" or (task["name"], budget, seed, method) in done:
                        continue
                    out = os.path.join(cell, method)
                    shutil.rmtree(out, ignore_errors=True)
                    shutil.rmtree(out + "-album", ignore_errors=True)
                    t1 = time.time()
                    if method == "pt":
                        run("train", "prompt", *common, *base, "--lr", args.lr, "--init", "vocab", "--out", out)
                    elif method == "spot":
                        run("train", "prompt", *common, *base, "--lr", args.lr, "--init", "topk-weighted:1",
                            "--candidates", ",".join(finals), "--probe-steps", str(args.steps // 4), "--out", out)
                    elif method == "ipt":
                        run("train", "ipt", *common, *base, "--lr", args.ipt_lr, "--subspace", subspace,
                            "--subspace-name", "world-subspace", "--out", out)
                    else:
                        flag = {"spe": [], "attempt": ["--include-task-in-attention"],
                                "no-snapshots": ["--no-snapshots"], "no-attention": ["--no-attention"],
                                "no-task": ["--no-task-prompt"]}[method]
                        run("train", "spe", *common, *base, "--lr", args.lr, "--album", album_dir,
                            "--album-name", "world-album",
                            *flag, "--out", out)
                        if method == "no-snapshots":  # its own album of final snapshots, written next to OUT
                            shutil.move(out + "-album", os.path.join(cell, "no-snapshots-album"))
                    shutil.rmtree(os.path.join(out, "checkpoints"), ignore_errors=True)
                    train_seconds = time.time() - t1
                    metrics = json.loads(run("eval", "--model", args.base, "--tasks", cell, "--task", method,
                                             "--data", test_path, "--max-new-tokens", "16", "--json"))
                    row = {"task": task["name"], "kind": task["kind"], "budget": budget, "seed": seed,
                           "method": method, "score": metric(task, metrics), "attention": metrics.get("attention"),
                           "train_seconds": round(train_seconds, 2), "seconds": round(time.time() - t1, 2)}
                    results.write(json.dumps(row, sort_keys=True) + "\n")
                    results.flush()
                    done[(task["name"], budget, seed, method)] = row
                    print(f"{task['name']:16} b{budget:<4} s{seed} {method:13} {row['score']:.3f}  "
                          f"({row['seconds']:.0f} s)", flush=True)
            # Ensembles serve rank classification (a vote over labels): none for the generation target.
            if "ensemble" in methods and "pt" in methods and task["labels"] \
                    and (task["name"], budget, -1, "ensemble") not in done:
                folder = os.path.join(args.out, "cells", task["name"], f"b{budget}", "ensemble")
                shutil.rmtree(folder, ignore_errors=True)
                members = [os.path.join(args.out, "cells", task["name"], f"b{budget}", f"s{s}", "pt") for s in seeds]
                t1 = time.time()
                run("ensemble", "build", "--model", args.base, "--out", os.path.join(folder, "ensemble"),
                    "--combine", "vote", *members)
                metrics = json.loads(run("eval", "--model", args.base, "--tasks", folder, "--task", "ensemble",
                                         "--data", test_path, "--max-new-tokens", "16", "--json"))
                row = {"task": task["name"], "kind": task["kind"], "budget": budget, "seed": -1, "method": "ensemble",
                       "score": metric(task, metrics), "seconds": round(time.time() - t1, 2)}
                results.write(json.dumps(row, sort_keys=True) + "\n")
                results.flush()
                done[(task["name"], budget, -1, "ensemble")] = row
                print(f"{task['name']:16} b{budget:<4} ensemble      {row['score']:.3f}", flush=True)
    # The target runs' time is the sum of their own wall times, so a run continued after an interruption reports
    # the work, not the pause.
    timings["cells"] = sum(r["seconds"] for r in done.values())
    timings["total"] = timings.get("sources", 0) + timings.get("subspace", 0) + timings["cells"]
    json.dump(timings, open(os.path.join(args.out, "timings.json"), "w"), indent=2)
    report = render(list(done.values()), tasks, budgets, methods, timings, args)
    open(os.path.join(args.out, "report.md"), "w").write(report)
    if args.docs:
        page = open(args.docs).read()
        begin, end = "<!-- method-table:begin -->", "<!-- method-table:end -->"
        head, rest = page.split(begin, 1)
        page = head + begin + "\n" + report + rest[rest.index(end):]
        open(args.docs, "w").write(page)
    print(report)
    print(f"done in {time.time() - started:.0f} s")


def render(rows, tasks, budgets, methods, timings, args):
    names = [t["name"] for t in tasks if t["kind"] == "target"]
    controls = [t["name"] for t in tasks if t["kind"] == "control"]
    present = {r["task"] for r in rows}
    names, controls = [n for n in names if n in present], [n for n in controls if n in present]
    lines = []
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    lines.append(f"Run of `models/world/method_table.py` ({time.strftime('%Y-%m-%d')}, {cpu}, "
                 f"{os.cpu_count()} cores, {platform.system()}): sources and album {timings.get('sources', 0) / 60:.1f} "
                 f"min, IPT subspace {timings.get('subspace', 0) / 60:.1f} min, target runs "
                 f"{timings.get('cells', 0) / 60:.1f} min (train + test of each, summed); total "
                 f"{timings.get('total', 0) / 60:.1f} min. Prompt length "
                 f"{args.prompt_length}, {args.steps} steps per target run at batch ≤ {args.batch_size}, lr {args.lr} "
                 f"(AdamW), test examples per task ≤ {args.test}. Accuracy (exact match for object-noun), mean ± std "
                 f"over seeds {args.seeds}; the ensemble is one vote of the three seeds' pt prompts (rank classification: none "
                 f"for the generation target).\n")
    for budget in budgets:
        lines.append(f"**{budget} training examples**\n")
        lines.append("| method | " + " | ".join(names) + " | **avg targets** | " + " | ".join(controls) + " |")
        lines.append("|---|" + "---:|" * (len(names) + 1 + len(controls)))
        for method in methods:
            cells, means = [], []
            for name in names + controls:
                scores = [r["score"] for r in rows if r["task"] == name and r["budget"] == budget and r["method"] == method]
                if not scores:
                    cells.append("–")
                    continue
                mean = statistics.mean(scores)
                if name in names:
                    means.append(mean)
                cells.append(f"{mean:.3f}" + (f" ± {statistics.stdev(scores):.3f}" if len(scores) > 1 else ""))
            avg = f"**{statistics.mean(means):.3f}**" if len(means) == len(names) and means else "–"
            lines.append(f"| {LABELS[method]} | " + " | ".join(cells[:len(names)]) + f" | {avg} | "
                         + " | ".join(cells[len(names):]) + " |")
        lines.append("")
    # SPE attention per target (largest budget, mean over seeds), summed over each source's snapshots.
    sources = [t["name"] for t in tasks if t["kind"] == "source"]
    budget = max(budgets)
    lines.append(f"**SPE attention per target** ({budget} examples; weight summed over a source's three snapshots, "
                 f"averaged over the test set and the seeds; ★ = a source the world says shares structure)\n")
    lines.append("| target | " + " | ".join(sources) + " |")
    lines.append("|---|" + "---:|" * len(sources))
    shares = {t["name"]: set(t["shares"]) for t in tasks}
    for name in names + controls:
        runs = [r["attention"] for r in rows if r["task"] == name and r["budget"] == budget and r["method"] == "spe"
                and r.get("attention")]
        if not runs:
            continue
        per_source = {s: statistics.mean(sum(w for k, w in a.items() if k.split("@")[0] == s) for a in runs)
                      for s in sources}
        lines.append(f"| {name} | " + " | ".join(f"{per_source[s]:.2f}" + (" ★" if s in shares[name] else "")
                                                   for s in sources) + " |")
    lines.append("")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
