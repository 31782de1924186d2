#!/usr/bin/env python3
"""PyTorch + PEFT side of `atflrec-bench encoder` (issue 4, item 8): MiniLM-L6, LoRA r=4 alpha 8 on
query/value, batch 8 x 256 tokens, classifier on the first token, mean BCE, Adam; median of 10
timed train steps and 10 forward passes after one warm-up each (this machine kind's timings
vary by 10-20% from run to run), same thread count as the Swift run.

Usage: bench_encoder.py MODEL_DIR SWIFT_JSON   (SWIFT_JSON: .cache/bench/encoder_swift.json)
Pins: torch 2.13.0+cpu, transformers 5.23.0, peft 0.21.2 (requirements/fixtures.txt).
"""
import json
import statistics
import sys
import time

import torch
from peft import LoraConfig, get_peft_model
from transformers import BertModel


def main(model_dir, swift_json):
    with open(swift_json) as f:
        swift = json.load(f)
    torch.set_num_threads(swift["threads"])
    torch.manual_seed(0)
    base = BertModel.from_pretrained(model_dir, add_pooling_layer=False)
    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=["query", "value"]))
    model.train()
    classifier = torch.nn.Linear(384, 1)
    ids = torch.randint(1000, 29000, (8, 256))
    ids[:, 0], ids[:, -1] = 101, 102
    labels = (torch.arange(8) % 2).float()
    params = [p for p in model.parameters() if p.requires_grad] + list(classifier.parameters())
    optimizer = torch.optim.Adam(params, lr=1e-3)

    def loss():
        hidden = model(input_ids=ids).last_hidden_state
        return torch.nn.functional.binary_cross_entropy_with_logits(classifier(hidden[:, 0]).squeeze(-1), labels)

    def timed(body):
        start = time.perf_counter()
        body()
        return (time.perf_counter() - start) * 1000

    def step():
        optimizer.zero_grad()
        loss().backward()
        optimizer.step()

    def forward():
        with torch.no_grad():
            loss()

    train = [timed(step) for _ in range(11)][1:]
    model.eval()
    fwd = [timed(forward) for _ in range(11)][1:]
    t, f = statistics.median(train), statistics.median(fwd)
    print(f"encoder torch  MiniLM-L6 LoRA r=4 q/v, batch 8 x 256, {swift['threads']} thread(s): "
          f"train step {t:.0f} ms (min {min(train):.0f}), forward {f:.0f} ms (min {min(fwd):.0f})")
    # Medians against medians (the compared figure) and minima against minima (the least
    # disturbed pass of each side, on a shared machine).
    print(f"encoder ratio  swift/torch, median (min): train step {swift['train_ms'] / t:.2f} "
          f"({swift.get('train_min_ms', float('nan')) / min(train):.2f}) (goal <= 0.67), "
          f"forward {swift['forward_ms'] / f:.2f} ({swift.get('forward_min_ms', float('nan')) / min(fwd):.2f}) (goal <= 0.85)")
    if "forward_floor_ms" in swift:
        # The Swift forward's products alone at the exact product's peak (measured by the Swift
        # side): below this no forward with those products can go on this machine.
        floor = swift["forward_floor_ms"] / f
        print(f"encoder floor  swift's forward products at the exact product's peak: {swift['forward_floor_ms']:.0f} ms "
              f"= {floor:.2f} x torch's forward ({'reachable' if floor <= 0.85 else 'the 0.85 goal is out of reach'} "
              f"on this machine by the products alone)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
