#!/usr/bin/env python3
"""Autograd goldens for Album's T5 backward and SPE backward (Tests/Fixtures/gradients/).

Reference: transformers' T5ForConditionalGeneration (eager attention, fp32, dropout off) with `labels` (loss =
CrossEntropyLoss(ignore_index=-100), the mean over every target token of the batch), and loss.backward().

  t5_<variant>.safetensors  for the tiny checkpoints in Tests/Fixtures/t5 (v10_relu_tied: ReLU, tied head;
                            v11_gated_untied: gated-gelu, own head, 3 encoder / 2 decoder layers):
                            "prompt" (l, d), the soft prompt prepended to every example; "grad.prompt" and
                            "grad.<HF name>" for every parameter (named_parameters(), tied tensors once), from one
                            backward with everything trainable; "smoothed.grad.prompt" with label smoothing 0.1.
  spe_<task>.safetensors    for the SPE tasks of Tests/Fixtures/prompts (spe-a: album-only softmax, max pooling;
                            spe-attempt: P_task as candidate, pad row in the max-pool) on the prompts fixture model:
                            "grad.<name>" for task_prompt, down.weight, up.weight, layer_norm.weight, layer_norm.bias.
  golden.json               the batches, the losses, and 10-step torch.optim.AdamW loss traces (fixed lr, no
                            schedule; loss recorded before each step) for prompt tuning on both checkpoints and for
                            SPE training of both tasks; library versions.

A batch holds 3 examples of different lengths, padded for PyTorch (encoder mask [1_l ; 1_n ; 0], labels -100), one
with an ignored (-100) label inside its target. The SPE forward is written from the method spec (spe-method §7.2),
as in make_prompt_fixtures.py.

Run from the repository root:  python3 Tests/Fixtures/make_gradient_fixtures.py
Never edit the outputs by hand: change this script and re-run it.
"""
import json
import os
import sys

import safetensors
import safetensors.torch
import torch
import torch.nn.functional as F
import transformers
from transformers import T5ForConditionalGeneration

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "gradients")
T5_VARIANTS = ["v10_relu_tied", "v11_gated_untied"]
SPE_TASKS = ["spe-a", "spe-attempt"]
PROMPT_LENGTH = 3
LABEL_SMOOTHING = 0.1
STEPS = 10
PROMPT_TUNING = dict(lr=0.05, weight_decay=0.01, betas=(0.9, 0.999), eps=1e-8)
SPE_TRAINING = dict(lr=0.02, weight_decay=0.01, betas=(0.9, 0.999), eps=1e-8)


def versions():
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "safetensors": safetensors.__version__, "python": sys.version.split()[0]}


def load(directory):
    model = T5ForConditionalGeneration.from_pretrained(directory, dtype=torch.float32,
                                                       attn_implementation="eager").eval()
    assert model.config.dropout_rate == 0 or not model.training
    return model


def random_batch(generator, vocab, input_lengths, label_lengths, ignored):
    """Content ids (never pad/EOS) + EOS; `ignored` = (example, position) whose label becomes -100."""
    def ids(n):
        return torch.randint(2, vocab, (n - 1,), generator=generator).tolist() + [1]
    batch = [{"input": ids(n), "labels": ids(t)} for n, t in zip(input_lengths, label_lengths)]
    example, position = ignored
    batch[example]["labels"][position] = -100
    return batch


def loss_of(model, prompts, batch, label_smoothing=0.0):
    """Mean token cross-entropy of the padded batch; prompts[b] (l_b, d) is prepended to example b's embeddings."""
    embed = model.get_input_embeddings()
    rows = [torch.cat([prompts[b], embed(torch.tensor(example["input"]))]) for b, example in enumerate(batch)]
    longest = max(r.shape[0] for r in rows)
    d = rows[0].shape[1]
    inputs = torch.stack([torch.cat([r, torch.zeros(longest - r.shape[0], d)]) for r in rows])
    mask = torch.tensor([[1] * r.shape[0] + [0] * (longest - r.shape[0]) for r in rows])
    width = max(len(e["labels"]) for e in batch)
    labels = torch.tensor([e["labels"] + [-100] * (width - len(e["labels"])) for e in batch])
    out = model(inputs_embeds=inputs, attention_mask=mask, labels=labels)
    if label_smoothing == 0:
        return out.loss
    return F.cross_entropy(out.logits.reshape(-1, out.logits.shape[-1]), labels.reshape(-1), ignore_index=-100,
                           label_smoothing=label_smoothing)


def t5_case(variant, seed):
    directory = os.path.join(HERE, "t5", variant)
    model = load(directory)
    config = model.config
    if variant == "v11_gated_untied":
        assert model.lm_head.weight.data_ptr() != model.shared.weight.data_ptr(), "the v1.1 head must stay untied"
    generator = torch.Generator().manual_seed(seed)
    batch = random_batch(generator, config.vocab_size, [5, 9, 2], [4, 2, 6], ignored=(2, 2))
    prompt = (torch.randn(PROMPT_LENGTH, config.d_model, generator=generator) * 0.5).requires_grad_(True)

    # Every gradient from one backward: the prompt and every model weight trainable.
    for p in model.parameters():
        p.requires_grad_(True)
    model.zero_grad()
    loss = loss_of(model, [prompt] * len(batch), batch)
    loss.backward()
    tensors = {"prompt": prompt.detach().clone(), "grad.prompt": prompt.grad.detach().clone()}
    for name, p in model.named_parameters():
        tensors[f"grad.{name}"] = p.grad.detach().clone()

    # Label smoothing: the prompt's gradient only.
    prompt.grad = None
    model.zero_grad()
    smoothed = loss_of(model, [prompt] * len(batch), batch, LABEL_SMOOTHING)
    smoothed.backward()
    tensors["smoothed.grad.prompt"] = prompt.grad.detach().clone()

    # Prompt tuning: the frozen model, AdamW on the prompt.
    for p in model.parameters():
        p.requires_grad_(False)
    trained = prompt.detach().clone().requires_grad_(True)
    optimizer = torch.optim.AdamW([trained], **PROMPT_TUNING)
    trace = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        step_loss = loss_of(model, [trained] * len(batch), batch)
        step_loss.backward()
        trace.append(step_loss.item())
        optimizer.step()

    safetensors.torch.save_file({k: v.contiguous() for k, v in tensors.items()},
                                os.path.join(OUT, f"t5_{variant}.safetensors"), metadata=versions())
    return {"batch": batch, "loss": loss.item(), "smoothedLoss": smoothed.item(), "promptTuningTrace": trace,
            "parameters": [name for name, _ in model.named_parameters()]}


class SPE(torch.nn.Module):
    """The SPE module of spe-method §7.2 (make_prompt_fixtures.spe_reference, with trainable tensors)."""

    def __init__(self, task_dir, album, temperature, attempt, pad_row, max_len):
        super().__init__()
        state = safetensors.torch.load_file(os.path.join(task_dir, "spe.safetensors"))
        d = state["task_prompt"].shape[1]
        r = state["down.weight"].shape[0]
        self.task_prompt = torch.nn.Parameter(state["task_prompt"].clone())
        self.down = torch.nn.Linear(d, r, bias=False)
        self.up = torch.nn.Linear(r, d, bias=False)
        self.layer_norm = torch.nn.LayerNorm(d, eps=1e-5)
        with torch.no_grad():
            self.down.weight.copy_(state["down.weight"])
            self.up.weight.copy_(state["up.weight"])
            self.layer_norm.weight.copy_(state["layer_norm.weight"])
            self.layer_norm.bias.copy_(state["layer_norm.bias"])
        self.album, self.temperature, self.attempt = album, temperature, attempt
        self.pad_row, self.max_len = pad_row, max_len

    def forward(self, X):
        xhat = X.max(dim=0).values
        if self.pad_row is not None and X.shape[0] < self.max_len:
            xhat = torch.maximum(xhat, self.pad_row)
        C = torch.cat([self.album, self.task_prompt[None]], 0) if self.attempt else self.album
        K = C.max(dim=1).values
        h = self.layer_norm(self.up(F.silu(self.down(xhat))))
        a = torch.softmax(K @ h / self.temperature, dim=0)
        return self.task_prompt + (a[:, None, None] * C).sum(0)

    def named_tensors(self):
        return {"task_prompt": self.task_prompt, "down.weight": self.down.weight, "up.weight": self.up.weight,
                "layer_norm.weight": self.layer_norm.weight, "layer_norm.bias": self.layer_norm.bias}


def spe_case(task, batch):
    prompts_dir = os.path.join(HERE, "prompts")
    model = load(os.path.join(prompts_dir, "model"))
    for p in model.parameters():
        p.requires_grad_(False)
    task_dir = os.path.join(prompts_dir, "tasks", task)
    with open(os.path.join(task_dir, "task.json")) as f:
        manifest = json.load(f)
    settings = manifest["spe"]
    album = safetensors.torch.load_file(os.path.join(prompts_dir, "tasks", settings["album"], "album.safetensors"))
    E = model.shared.weight.detach()
    pad_row = E[0] if settings["pooling"] == "max-with-pad" else None
    spe = SPE(task_dir, album["prompts"], settings["temperature"], settings["includeTaskInAttention"], pad_row,
              manifest["maxInputTokens"])

    def loss_now():
        prompts = [spe(E[torch.tensor(example["input"])]) for example in batch]
        return loss_of(model, prompts, batch)

    loss = loss_now()
    loss.backward()
    tensors = {f"grad.{name}": p.grad.detach().clone() for name, p in spe.named_tensors().items()}
    safetensors.torch.save_file({k: v.contiguous() for k, v in tensors.items()},
                                os.path.join(OUT, f"spe_{task}.safetensors"), metadata=versions())

    optimizer = torch.optim.AdamW(list(spe.named_tensors().values()), **SPE_TRAINING)
    trace = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        step_loss = loss_now()
        step_loss.backward()
        trace.append(step_loss.item())
        optimizer.step()
    return {"loss": loss.item(), "trace": trace}


def main():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    os.makedirs(OUT, exist_ok=True)
    golden = {"versions": versions(), "labelSmoothing": LABEL_SMOOTHING, "steps": STEPS,
              "promptTuning": PROMPT_TUNING, "speTraining": SPE_TRAINING, "t5": {}, "spe": {}}
    for seed, variant in enumerate(T5_VARIANTS, start=11):
        golden["t5"][variant] = t5_case(variant, seed)
    # The prompts fixture's inputs and targets (vocab 64), one label ignored.
    spe_batch = [{"input": [5, 9, 17, 3, 1], "labels": [8, 1]},
                 {"input": [40, 41, 42, 43, 44, 45, 46, 47, 48, 1], "labels": [3, 14, -100, 1]},
                 {"input": [22, 1], "labels": [2, 2, 9, 1]}]
    golden["speBatch"] = spe_batch
    for task in SPE_TASKS:
        golden["spe"][task] = spe_case(task, spe_batch)
    with open(os.path.join(OUT, "golden.json"), "w") as f:
        json.dump(golden, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {sorted(os.listdir(OUT))}")


if __name__ == "__main__":
    main()
