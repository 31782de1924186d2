#!/usr/bin/env python3
"""Golden values for Sources/Optimizers: ten steps of PyTorch's Adam and AdamW with LambdaLR.

Run (from the repository root; `make fixtures` does it):
    python3 Tests/Fixtures/optim/make_adam_fixture.py Tests/Fixtures/optim/adam.h5
Pins: torch 2.13.0+cpu, numpy 2.4.6, h5py 3.16.0 (requirements/fixtures.txt); the script refuses
other torch versions.

Problem (the same closed form is spelled out in Tests/OptimizersTests/QuadraticProblem.swift):
two parameters, "w" (3 x 4) and "b" (4), with gradients set by hand, no autograd (values stay
between 0.4 and 1.7 in magnitude, away from zero, so a relative tolerance is meaningful):
    grad_w = Q @ (w - target_w)                  Q symmetric positive definite (3 x 3)
    grad_b = c * (b - target_b) + 0.1 * b**3     element-wise
For gradient accumulation, micro-batch i (0-based) shifts the targets: target_w + 0.1 * i and
target_b - 0.05 * i; the loss of each micro-batch is divided by k (the usual
`(loss / k).backward()`), so the accumulated gradient is the mean of the k micro-batch gradients.

Scenarios (HDF5 groups):
  adam        Adam, lr 1e-2, betas (0.9, 0.999), eps 1e-8, L2 weight decay 0.01, constant lr
  adamw       AdamW, lr 2e-2, betas (0.8, 0.99), eps 1e-6, decoupled weight decay 0.1,
              LambdaLR with the paper's schedule: warm-up 3 steps from factor 1e-3, total 10
  accumulate  Adam, lr 5e-2, no weight decay, k = 3 micro-batches per optimizer step
Each group: w, b with shape (11, ...) (initial values and after each of 10 steps), grad_w,
grad_b (10, ...) (the gradient each step used), lr (10,) (the rate each step used), and
state/<name>/exp_avg, exp_avg_sq, step after the last step. Root attribute format_version.
"""
import sys

import h5py
import numpy as np
import torch

FORMAT_VERSION = 1
assert torch.__version__.startswith("2.13.0"), f"pinned torch 2.13.0, found {torch.__version__}"
torch.set_num_threads(1)

Q = torch.tensor([[2.0, 0.5, 0.0], [0.5, 1.0, 0.25], [0.0, 0.25, 1.5]], dtype=torch.float32)
C = torch.tensor([1.0, 2.0, 0.5, 1.5], dtype=torch.float32)
TARGET_B = torch.tensor([1.1, -1.0, 0.5, -0.9], dtype=torch.float32)


def target_w():
    return torch.tensor([[1.0 + 0.05 * (i - j) for j in range(4)] for i in range(3)], dtype=torch.float32)


def initial():
    w = torch.tensor([[0.1 * (i * 4 + j) + 0.5 for j in range(4)] for i in range(3)], dtype=torch.float32)
    b = torch.tensor([1.3, -1.2, 0.8, -1.1], dtype=torch.float32)
    return torch.nn.Parameter(w), torch.nn.Parameter(b)


def gradients(w, b, micro=0):
    with torch.no_grad():
        gw = Q @ (w - (target_w() + 0.1 * micro))
        gb = C * (b - (TARGET_B - 0.05 * micro)) + 0.1 * b**3
    return gw, gb


def paper_schedule(warmup, total, start_factor):
    """Multiplier of the base rate for 0-based optimizer step s (LambdaLR calls it with s)."""
    def multiplier(s):
        if s < warmup:
            return start_factor + (1.0 - start_factor) * s / warmup
        if s >= total:
            return 0.0
        return (total - s) / max(1, total - warmup)
    return multiplier


def run(optimizer_class, options, steps=10, micro_batches=1, schedule=None):
    w, b = initial()
    opt = optimizer_class([w, b], foreach=False, **options)
    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, schedule) if schedule else None
    out = {"w": [w.detach().clone()], "b": [b.detach().clone()], "grad_w": [], "grad_b": [], "lr": []}
    for _ in range(steps):
        gw_sum, gb_sum = torch.zeros_like(w), torch.zeros_like(b)
        for i in range(micro_batches):
            gw, gb = gradients(w, b, i)
            # As (loss / k).backward() accumulates: each micro-batch adds its gradient / k.
            gw_sum += gw / micro_batches
            gb_sum += gb / micro_batches
        w.grad, b.grad = gw_sum, gb_sum
        out["grad_w"].append(gw_sum.clone())
        out["grad_b"].append(gb_sum.clone())
        out["lr"].append(opt.param_groups[0]["lr"])
        opt.step()
        if scheduler:
            scheduler.step()
        out["w"].append(w.detach().clone())
        out["b"].append(b.detach().clone())
    state = {name: opt.state[p] for name, p in (("w", w), ("b", b))}
    return out, state


def save(f, group, result):
    out, state = result
    g = f.create_group(group)
    for key in ("w", "b", "grad_w", "grad_b"):
        g[key] = torch.stack(out[key]).numpy().astype(np.float32)
    g["lr"] = np.array(out["lr"], dtype=np.float64)
    for name, s in state.items():
        g[f"state/{name}/exp_avg"] = s["exp_avg"].numpy()
        g[f"state/{name}/exp_avg_sq"] = s["exp_avg_sq"].numpy()
        g[f"state/{name}/step"] = np.int64(int(s["step"].item()))


def main():
    path = sys.argv[1]
    adam = run(torch.optim.Adam, dict(lr=1e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01))
    adamw = run(torch.optim.AdamW, dict(lr=2e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
                schedule=paper_schedule(warmup=3, total=10, start_factor=1e-3))
    accumulate = run(torch.optim.Adam, dict(lr=5e-2, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0), micro_batches=3)
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["format_version"] = FORMAT_VERSION
        f.attrs["generator"] = "Tests/Fixtures/optim/make_adam_fixture.py"
        f.attrs["torch"] = str(torch.__version__)
        save(f, "adam", adam)
        save(f, "adamw", adamw)
        save(f, "accumulate", accumulate)
        f["adamw"].attrs["warmup"] = 3
        f["adamw"].attrs["total"] = 10
        f["adamw"].attrs["start_factor"] = 1e-3
        f["accumulate"].attrs["micro_batches"] = 3
    import os
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
