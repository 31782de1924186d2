#!/usr/bin/env python3
"""Reference outputs of `atflrec encode` from transformers, for sentences in no other fixture.

Usage: make_encode_fixture.py MINILM_DIR OUT_DIR   (OUT_DIR: Tests/Fixtures/text)
Pins: torch 2.13.0+cpu, transformers 5.23.0, h5py 3.16.0 (requirements/fixtures.txt).
Writes encode_sentences.txt (one text per line, one of them empty) and encode_reference.h5 with,
for the real MiniLM (group /minilm, and /minilm_max8 with truncation to 8 tokens) and the tiny
RoBERTa of tiny-roberta/ (group /tiny_roberta): input_ids int32 [n, T] (padded), lengths int32
[n], last_hidden_state float32 [n, T, C] (rows past a length zeroed, as atflrec writes them),
mean_pooled float32 [n, C] (attention-mask mean, sentence-transformers' pooling).
"""
import os
import sys

import h5py
import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer

SENTENCES = [
    "The Shawshank Redemption (1994) is a prison drama about hope.",
    "Jazz piano trio, live at the Village Vanguard",
    "Le fabuleux destin d'Amélie Poulain",
    "",
    "北京欢迎你 and a soundtrack 🎶 #oscars",
    "Can't stop the feeling!",
]


def outputs(model_dir, max_length):
    tok = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir, add_pooling_layer=False).eval()
    batch = tok(SENTENCES, padding=True, truncation=True, max_length=max_length, return_tensors="pt")
    with torch.no_grad():
        hidden = model(**batch).last_hidden_state
    mask = batch["attention_mask"].unsqueeze(-1).float()
    pooled = (hidden * mask).sum(1) / mask.sum(1)
    return {"input_ids": batch["input_ids"].numpy().astype(np.int32),
            "lengths": batch["attention_mask"].sum(1).numpy().astype(np.int32),
            "last_hidden_state": (hidden * mask).numpy().astype(np.float32),
            "mean_pooled": pooled.numpy().astype(np.float32)}


def main(minilm_dir, out_dir):
    torch.manual_seed(0)
    with open(os.path.join(out_dir, "encode_sentences.txt"), "w", encoding="utf-8") as f:
        f.write("\n".join(SENTENCES) + "\n")
    out = os.path.join(out_dir, "encode_reference.h5")
    groups = {"minilm": outputs(minilm_dir, 512), "minilm_max8": outputs(minilm_dir, 8),
              "tiny_roberta": outputs(os.path.join(out_dir, "tiny-roberta"), 128)}
    with h5py.File(out + ".tmp", "w") as f:
        f.attrs["format_version"] = 1
        f.attrs["reference"] = "transformers 5.23.0 AutoModel last_hidden_state, eval mode"
        for g, values in groups.items():
            for k, v in values.items():
                f.create_dataset(f"{g}/{k}", data=v, compression="gzip", compression_opts=4)
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
