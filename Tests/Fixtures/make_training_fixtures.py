#!/usr/bin/env python3
# Builds the small PyTorch goldens that Album's trainer-side tests compare against: optimizer trajectories
# (torch.optim.AdamW, torch.optim.SGD, transformers.optimization.Adafactor) on fixed gradients, clip_grad_norm_,
# transformers' learning-rate schedules, and forward/backward of the training kernels (cross-entropy with label
# smoothing, LayerNorm, T5LayerNorm, activations, gated product, masked softmax with bias, linear, embedding,
# dropout's kept-value scale), all fp32 on CPU.
# Usage: python3 Tests/Fixtures/make_training_fixtures.py   (writes Tests/Fixtures/training/*.json; seeded)
# Never edit the outputs by hand: change this script and re-run it.
import json
import sys
from pathlib import Path

import numpy as np
import torch
import transformers
from transformers.activations import ACT2FN
from transformers.models.t5.modeling_t5 import T5LayerNorm
from transformers.optimization import (Adafactor, get_constant_schedule, get_constant_schedule_with_warmup,
                                       get_linear_schedule_with_warmup)

OUT = Path(__file__).resolve().parent / "training"
STEPS = 10
SHAPES = {"matrix": [4, 6], "vector": [5], "stack": [2, 3, 4]}


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__, "python": sys.version.split()[0]}


def values(tensor):
    """A float32 tensor as a flat list of the shortest decimals that read back as the same float32 values."""
    return [float(str(v)) for v in tensor.detach().to(torch.float32).reshape(-1).numpy()]


def write(name, payload):
    payload = {"versions": versions(), **payload}
    path = OUT / name
    path.write_text(json.dumps(payload, indent=None, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size} bytes)")


# MARK: Optimizers

def initial_parameters(seed):
    g = torch.Generator().manual_seed(seed)
    return {name: torch.randn(shape, generator=g) for name, shape in SHAPES.items()}


def fixed_gradients(seed):
    """STEPS gradients per parameter, of varied scale so that clipping and the moments are exercised."""
    g = torch.Generator().manual_seed(seed)
    return [{name: torch.randn(shape, generator=g) * (0.5 + step % 3) for name, shape in SHAPES.items()}
            for step in range(STEPS)]


def trajectory(make_optimizer, groups_spec, schedule=None):
    """Runs STEPS updates from INITIAL on GRADIENTS. groups_spec: list of (parameter names, group options)."""
    params = {name: torch.nn.Parameter(INITIAL[name].clone()) for name in SHAPES}
    groups = [{"params": [params[n] for n in names], **options} for names, options in groups_spec]
    optimizer = make_optimizer(groups)
    scheduler = schedule(optimizer) if schedule else None
    steps = []
    for step in range(STEPS):
        for name in SHAPES:
            params[name].grad = GRADIENTS[step][name].clone()
        optimizer.step()
        if scheduler:
            scheduler.step()
        steps.append({name: values(params[name]) for name in SHAPES})
    return {"groups": [{"params": names, **options} for names, options in groups_spec], "steps": steps}


INITIAL = initial_parameters(1)
GRADIENTS = fixed_gradients(2)


def optimizers():
    everything = list(SHAPES)
    cases = {}
    cases["adamw_default"] = dict(optimizer="adamw", betas=[0.9, 0.999], eps=1e-8, **trajectory(
        lambda g: torch.optim.AdamW(g, betas=(0.9, 0.999), eps=1e-8, foreach=False),
        [(everything, {"lr": 1e-2, "weight_decay": 0.01})]))
    cases["adamw_groups"] = dict(optimizer="adamw", betas=[0.8, 0.99], eps=1e-6, **trajectory(
        lambda g: torch.optim.AdamW(g, betas=(0.8, 0.99), eps=1e-6, foreach=False),
        [(["matrix"], {"lr": 0.3, "weight_decay": 1e-5}), (["vector", "stack"], {"lr": 0.05, "weight_decay": 0.0})]))
    # β1 = 0.3: lerp weight 1 - β1 = 0.7 ≥ 0.5 takes the other branch of torch's lerp.
    cases["adamw_small_beta1"] = dict(optimizer="adamw", betas=[0.3, 0.999], eps=1e-8, **trajectory(
        lambda g: torch.optim.AdamW(g, betas=(0.3, 0.999), eps=1e-8, foreach=False),
        [(everything, {"lr": 1e-3, "weight_decay": 0.1})]))
    # The spec's recipe: lr 0.3, 3 warmup steps then linear decay to 0 at step 10 (LambdaLR after each step).
    cases["adamw_linear_schedule"] = dict(optimizer="adamw", betas=[0.9, 0.999], eps=1e-8,
                                          schedule={"kind": "linear", "warmup": 3, "total": STEPS}, **trajectory(
        lambda g: torch.optim.AdamW(g, betas=(0.9, 0.999), eps=1e-8, foreach=False),
        [(everything, {"lr": 0.3, "weight_decay": 1e-5})],
        schedule=lambda o: get_linear_schedule_with_warmup(o, 3, STEPS)))
    cases["sgd_plain"] = dict(optimizer="sgd", momentum=0.0, dampening=0.0, nesterov=False, **trajectory(
        lambda g: torch.optim.SGD(g, foreach=False), [(everything, {"lr": 0.1, "weight_decay": 0.0})]))
    cases["sgd_momentum"] = dict(optimizer="sgd", momentum=0.9, dampening=0.1, nesterov=False, **trajectory(
        lambda g: torch.optim.SGD(g, momentum=0.9, dampening=0.1, foreach=False),
        [(everything, {"lr": 0.05, "weight_decay": 0.01})]))
    cases["sgd_nesterov"] = dict(optimizer="sgd", momentum=0.9, dampening=0.0, nesterov=True, **trajectory(
        lambda g: torch.optim.SGD(g, momentum=0.9, nesterov=True, foreach=False),
        [(["matrix", "vector"], {"lr": 0.02, "weight_decay": 0.001}), (["stack"], {"lr": 0.2, "weight_decay": 0.0})]))
    # T5X prompt tuning (spe-method §3): decay_rate 0.8 (HF -0.8), no parameter scaling, clip 1.0, lr 0.3, wd 1e-5.
    t5x = dict(eps=[1e-30, 1e-3], clip_threshold=1.0, decay_rate=-0.8, beta1=None, scale_parameter=False,
               relative_step=False, warmup_init=False)
    cases["adafactor_t5x"] = dict(optimizer="adafactor", settings=t5x, **trajectory(
        lambda g: Adafactor(g, lr=0.3, **{k: (tuple(v) if k == "eps" else v) for k, v in t5x.items()}),
        [(everything, {"lr": 0.3, "weight_decay": 1e-5})]))
    relative = dict(eps=[1e-30, 1e-3], clip_threshold=1.0, decay_rate=-0.8, beta1=0.9, scale_parameter=True,
                    relative_step=True, warmup_init=True)
    cases["adafactor_relative_beta1"] = dict(optimizer="adafactor", settings=relative, **trajectory(
        lambda g: Adafactor(g, lr=None, **{k: (tuple(v) if k == "eps" else v) for k, v in relative.items()}),
        [(everything, {"weight_decay": 0.0})]))
    loose = dict(eps=[1e-30, 1e-3], clip_threshold=100.0, decay_rate=-0.5, beta1=None, scale_parameter=True,
                 relative_step=False, warmup_init=False)
    cases["adafactor_scaled_unclipped"] = dict(optimizer="adafactor", settings=loose, **trajectory(
        lambda g: Adafactor(g, lr=0.01, **{k: (tuple(v) if k == "eps" else v) for k, v in loose.items()}),
        [(everything, {"lr": 0.01, "weight_decay": 0.01})]))
    for case in cases.values():
        for group in case["groups"]:
            group.setdefault("lr", None)
    write("optimizers.json", {"shapes": SHAPES, "initial": {name: values(INITIAL[name]) for name in SHAPES},
                              "gradients": [{name: values(GRADIENTS[s][name]) for name in SHAPES} for s in range(STEPS)],
                              "cases": cases})


# MARK: Gradient clipping and schedules

def clipping():
    g = torch.Generator().manual_seed(20)
    cases = []
    for max_norm, scale in [(1.0, 1.0), (100.0, 1.0), (0.5, 1e-3), (0.0, 1.0), (2.5, 3.0)]:
        grads = {name: torch.randn(shape, generator=g) * scale for name, shape in SHAPES.items()}
        params = [torch.nn.Parameter(torch.zeros(shape)) for shape in SHAPES.values()]
        for p, name in zip(params, SHAPES):
            p.grad = grads[name].clone()
        total = torch.nn.utils.clip_grad_norm_(params, max_norm, foreach=False)
        cases.append({"max_norm": max_norm, "gradients": {n: values(grads[n]) for n in SHAPES},
                      "total_norm": total.item(), "clipped": {n: values(p.grad) for n, p in zip(SHAPES, params)}})
    write("clipping.json", {"shapes": SHAPES, "cases": cases})


def schedules():
    cases = []
    specs = [("linear", 3, 10), ("linear", 0, 7), ("linear", 5, 5), ("linear", 4, 2),
             ("constant_with_warmup", 4, None), ("constant", None, None)]
    for kind, warmup, total in specs:
        optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.3)
        if kind == "linear":
            scheduler = get_linear_schedule_with_warmup(optimizer, warmup, total)
        elif kind == "constant_with_warmup":
            scheduler = get_constant_schedule_with_warmup(optimizer, warmup)
        else:
            scheduler = get_constant_schedule(optimizer)
        lrs = []
        for _ in range(14):  # lr used by optimizer steps 0…13
            # As repr strings: the tests compare with tolerance 0, and Foundation's JSON number parsing is not
            # correctly rounded for 17-digit doubles.
            lrs.append(repr(scheduler.get_last_lr()[0]))
            optimizer.step()
            scheduler.step()
        cases.append({"kind": kind, "warmup": warmup, "total": total, "base_lr": 0.3, "lrs": lrs})
    write("schedules.json", {"cases": cases})


# MARK: Kernels

def grads_of(output, d_out, inputs):
    return torch.autograd.grad(output, inputs, grad_outputs=d_out)


def kernels():
    g = torch.Generator().manual_seed(30)
    out = {}

    # Cross-entropy (transformers' seq2seq loss: CrossEntropyLoss(ignore_index=-100), mean), with label smoothing.
    logits = torch.randn(6, 11, generator=g) * 3
    targets = torch.tensor([3, -100, 10, 0, 7, 3])
    ce = []
    for smoothing in [0.0, 0.1, 0.3]:
        z = logits.clone().requires_grad_(True)
        loss = torch.nn.CrossEntropyLoss(ignore_index=-100, label_smoothing=smoothing)(z, targets)
        (grad,) = torch.autograd.grad(loss, z)
        ce.append({"smoothing": smoothing, "loss": loss.item(), "dlogits": values(grad)})
    out["cross_entropy"] = {"rows": 6, "vocab": 11, "logits": values(logits), "targets": targets.tolist(), "cases": ce}

    # torch.nn.LayerNorm(16), eps 1e-5, non-trivial weight and bias.
    rows, dim = 3, 16
    x = (torch.randn(rows, dim, generator=g) * 2 + 0.5).requires_grad_(True)
    ln = torch.nn.LayerNorm(dim)
    with torch.no_grad():
        ln.weight.copy_(torch.randn(dim, generator=g))
        ln.bias.copy_(torch.randn(dim, generator=g))
    y = ln(x)
    d_out = torch.randn(rows, dim, generator=g)
    dx, dw, db = grads_of(y, d_out, [x, ln.weight, ln.bias])
    out["layer_norm"] = {"rows": rows, "dim": dim, "eps": ln.eps, "x": values(x), "weight": values(ln.weight),
                         "bias": values(ln.bias), "out": values(y), "dout": values(d_out), "dx": values(dx),
                         "dweight": values(dw), "dbias": values(db)}

    # HF T5LayerNorm (RMS, no mean, no bias), eps 1e-6.
    x = (torch.randn(rows, dim, generator=g) * 2).requires_grad_(True)
    t5ln = T5LayerNorm(dim, eps=1e-6)
    with torch.no_grad():
        t5ln.weight.copy_(torch.randn(dim, generator=g))
    y = t5ln(x)
    d_out = torch.randn(rows, dim, generator=g)
    dx, dw = grads_of(y, d_out, [x, t5ln.weight])
    out["t5_layer_norm"] = {"rows": rows, "dim": dim, "eps": 1e-6, "x": values(x), "weight": values(t5ln.weight),
                            "out": values(y), "dout": values(d_out), "dx": values(dx), "dweight": values(dw)}

    # Activations of T5 feed-forward layers (HF ACT2FN) and the gated product act(gate) * linear.
    xs = torch.cat([torch.linspace(-6, 6, 61), torch.tensor([0.0, 1e-4, -1e-4, 12.0, -12.0])])
    d_out = torch.randn(xs.numel(), generator=g)
    gate = torch.randn(3, 8, generator=g) * 2
    linear = torch.randn(3, 8, generator=g)
    d_gated = torch.randn(3, 8, generator=g)
    acts = {}
    for name in ["relu", "gelu_new", "gelu", "silu"]:
        act = ACT2FN[name]
        x = xs.clone().requires_grad_(True)
        y = act(x)
        (dx,) = grads_of(y, d_out, [x])
        gt, lt = gate.clone().requires_grad_(True), linear.clone().requires_grad_(True)
        gy = act(gt) * lt
        dg, dl = grads_of(gy, d_gated, [gt, lt])
        acts[name] = {"out": values(y), "dx": values(dx), "gated_out": values(gy), "dgate": values(dg),
                      "dlinear": values(dl)}
    out["activations"] = {"x": values(xs), "dout": values(d_out), "gate": values(gate), "linear": values(linear),
                          "dgated": values(d_gated), "cases": acts}

    # Attention softmax: scores + position bias + mask (finfo.min past each valid length), as HF T5Attention.
    rows, total, valid = 4, 7, [7, 3, 1, 5]
    scores = (torch.randn(rows, total, generator=g) * 3).requires_grad_(True)
    bias = torch.randn(rows, total, generator=g).requires_grad_(True)
    mask = torch.zeros(rows, total)
    for r, v in enumerate(valid):
        mask[r, v:] = torch.finfo(torch.float32).min
    p = torch.softmax((scores + bias + mask).float(), dim=-1)
    d_out = torch.randn(rows, total, generator=g)
    ds, dbias = grads_of(p, d_out, [scores, bias])
    out["softmax"] = {"rows": rows, "total": total, "valid": valid, "scores": values(scores), "bias": values(bias),
                      "probs": values(p), "dout": values(d_out), "dscores": values(ds), "dbias": values(dbias)}

    # nn.Linear without bias: y = x Wᵀ, W (out, in); Album stores W transposed as (K, N) = (in, out).
    m, k, n = 4, 6, 5
    x = torch.randn(m, k, generator=g).requires_grad_(True)
    lin = torch.nn.Linear(k, n, bias=False)
    with torch.no_grad():
        lin.weight.copy_(torch.randn(n, k, generator=g))
    y = lin(x)
    d_out = torch.randn(m, n, generator=g)
    dx, dw = grads_of(y, d_out, [x, lin.weight])
    out["linear"] = {"m": m, "k": k, "n": n, "x": values(x), "weight_kn": values(lin.weight.t()), "dout": values(d_out),
                     "dx": values(dx), "dweight_kn": values(dw.t())}

    # nn.Embedding backward: a dense scatter-add with repeated ids.
    vocab, dim = 9, 4
    emb = torch.nn.Embedding(vocab, dim)
    ids = torch.tensor([2, 7, 2, 0, 2, 8])
    y = emb(ids)
    d_out = torch.randn(ids.numel(), dim, generator=g)
    (dtable,) = grads_of(y, d_out, [emb.weight])
    out["embedding"] = {"vocab": vocab, "dim": dim, "ids": ids.tolist(), "dout": values(d_out), "dtable": values(dtable)}

    # Dropout: the value torch gives a kept 1.0 (its mask generator differs from Album's; the scale must not).
    torch.manual_seed(31)
    kept = {}
    for p_drop in [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9]:
        yd = torch.nn.functional.dropout(torch.ones(4096), p=p_drop, training=True)
        nonzero = sorted(set(yd[yd != 0].tolist()))
        assert len(nonzero) == 1, nonzero
        kept[str(p_drop)] = nonzero[0]
    out["dropout"] = {"kept_value_of_one": kept}

    write("kernels.json", out)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    optimizers()
    clipping()
    schedules()
    kernels()
