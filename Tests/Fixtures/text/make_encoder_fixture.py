#!/usr/bin/env python3
"""MiniLM-L6 reference hidden states for the Swift BERT encoder, from transformers' BertModel.

Usage: make_encoder_fixture.py MODEL_DIR OUT.h5   (MODEL_DIR: the folder `make minilm` unpacks)
Pins: torch 2.13.0+cpu, transformers 5.23.0, h5py 3.16.0 (requirements/fixtures.txt).
Stores, for three sentences of different lengths padded to the longest (so the padding mask is
exercised): /input_ids int32 [B, T], /lengths int32 [B], /hidden_states float32 [L+1, B, T, C]
(index 0 = embeddings output), computed in float32 in evaluation mode (no dropout).
"""
import sys

import h5py
import numpy as np
import torch
from transformers import AutoTokenizer, BertModel

SENTENCES = ["A man is eating food.", "Toy Story (1995) and Amélie: a great double bill!", "千与千寻"]


def main(model_dir, out):
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = BertModel.from_pretrained(model_dir, add_pooling_layer=False).eval()
    batch = tok(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        outputs = model(**batch, output_hidden_states=True)
    hidden = np.stack([h.numpy() for h in outputs.hidden_states]).astype(np.float32)
    with h5py.File(out + ".tmp", "w") as f:
        f.attrs["format_version"] = 1
        f.attrs["reference"] = "transformers 5.23.0 BertModel, all-MiniLM-L6-v2 weights, eval mode"
        f["input_ids"] = batch["input_ids"].numpy().astype(np.int32)
        f["lengths"] = batch["attention_mask"].sum(dim=1).numpy().astype(np.int32)
        f.create_dataset("hidden_states", data=hidden, compression="gzip", compression_opts=4)
    import os
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
