#!/usr/bin/env python3
"""LoRA reference values on the real MiniLM-L6, from PEFT over transformers' BertModel.

Usage: make_lora_fixture.py MODEL_DIR OUT.h5   (MODEL_DIR: the folder `make minilm` unpacks)
Pins: torch 2.13.0+cpu, transformers 5.23.0, peft 0.21.2, h5py 3.16.0 (requirements/fixtures.txt).

Setup: LoRA r=4, alpha=8, dropout 0, on query and value of every layer (PEFT's names, adapter
"default"); B initialised non-zero (N(0, 0.02), seeded) so gradients reach A; a classifier
Linear(384 -> 1) on the first token; mean BCE-with-logits on three sentences. Stored:
/input_ids int32 [B, T], /lengths, /labels float32, /classifier/{weight,bias}, /init/<name> (every
LoRA matrix before training), /logits, /loss, /grad/<name> (LoRA and classifier gradients), and
/after3/<name>: every trainable tensor after 3 Adam steps (lr 1e-3) with the paper's schedule as
a LambdaLR (warm-up 2 steps from factor 1e-3, linear decay to 0 at step 10).
"""
import os
import sys

import h5py
import numpy as np
import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoTokenizer, BertModel

SENTENCES = ["A man is eating food.", "Toy Story (1995) and Amélie", "千与千寻 spirited away"]
LABELS = [1.0, 0.0, 1.0]


def multiplier(s, warmup=2, total=10, start=1e-3):
    if s < warmup:
        return start + (1 - start) * s / warmup
    if s >= total:
        return 0.0
    return (total - s) / max(1, total - warmup)


def main(model_dir, out):
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(model_dir)
    base = BertModel.from_pretrained(model_dir, add_pooling_layer=False).eval()
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["query", "value"]))
    model.eval()
    g = torch.Generator().manual_seed(1)
    for name, p in model.named_parameters():
        if "lora_B" in name:
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=g) * 0.02)
    classifier = torch.nn.Linear(384, 1)
    batch = tok(SENTENCES, padding=True, return_tensors="pt")
    labels = torch.tensor(LABELS)
    lora = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    init = {n: p.detach().clone().numpy() for n, p in lora}

    def loss_fn():
        hidden = model(**batch).last_hidden_state
        logits = classifier(hidden[:, 0, :]).squeeze(-1)
        return logits, torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)

    logits, loss = loss_fn()
    loss.backward()
    grads = {n: p.grad.detach().clone().numpy() for n, p in lora}
    grads["classifier.weight"] = classifier.weight.grad.detach().clone().numpy()
    grads["classifier.bias"] = classifier.bias.grad.detach().clone().numpy()
    classifier_init = (classifier.weight.detach().clone().numpy(), classifier.bias.detach().clone().numpy())

    params = [p for _, p in lora] + [classifier.weight, classifier.bias]
    optimizer = torch.optim.Adam(params, lr=1e-3)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, multiplier)
    for p in params:
        p.grad = None
    for _ in range(3):
        optimizer.zero_grad()
        _, l = loss_fn()
        l.backward()
        optimizer.step()
        schedule.step()
    after = {n: p.detach().clone().numpy() for n, p in lora}
    after["classifier.weight"] = classifier.weight.detach().numpy()
    after["classifier.bias"] = classifier.bias.detach().numpy()

    with h5py.File(out + ".tmp", "w") as f:
        f.attrs["format_version"] = 1
        f.attrs["reference"] = "peft 0.21.2 LoRA r=4 alpha=8 on query/value of transformers 5.23.0 BertModel (all-MiniLM-L6-v2)"
        f["input_ids"] = batch["input_ids"].numpy().astype(np.int32)
        f["lengths"] = batch["attention_mask"].sum(dim=1).numpy().astype(np.int32)
        f["labels"] = np.array(LABELS, dtype=np.float32)
        f["classifier/weight"], f["classifier/bias"] = classifier_init
        for n, v in init.items():
            f[f"init/{n}"] = v
        f["logits"] = logits.detach().numpy()
        f["loss"] = np.float32(loss.item())
        for n, v in grads.items():
            f[f"grad/{n}"] = v
        for n, v in after.items():
            f[f"after3/{n}"] = v
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
