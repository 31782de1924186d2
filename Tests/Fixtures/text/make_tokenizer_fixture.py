#!/usr/bin/env python3
"""WordPiece reference ids for the Swift tokenizer, from transformers' fast BERT tokenizer.

Usage: make_tokenizer_fixture.py MODEL_DIR OUT.json   (MODEL_DIR: the MiniLM folder `make minilm` unpacks)
Pins: transformers 5.23.0, tokenizers 0.23.3 (requirements/fixtures.txt); run by `make fixtures-text`.
"""
import json
import sys

from transformers import AutoTokenizer

STRINGS = [
    "A man is eating food.",
    "Toy Story (1995)",
    "Star Wars: Episode IV - A New Hope",
    "Amélie, Café Müller & the Naïve Señor",
    "Crème brûlée à la façon de l'Élysée",
    "千与千寻 Spirited Away 神隠し",
    "불고기 and ramen ラーメン",
    "Great movie!!! 😀🎬 #mustwatch #cinema @friend",
    "don't, won't; e.g. U.S.A. -- 3.14 $5 100%",
    "tabs\tnewlines\nand  multiple   spaces",
    "zero\u200bwidth and control\u0007 characters",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "x" * 120 + " after a very long word",
    " ".join(["history"] * 300),
]


def main(model_dir, out):
    tok = AutoTokenizer.from_pretrained(model_dir)
    cases = []
    for s in STRINGS:
        cases.append({"text": s, "ids": tok(s)["input_ids"], "ids_max_16": tok(s, truncation=True, max_length=16)["input_ids"]})
    with open(out + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"format_version": 1, "reference": "transformers AutoTokenizer (fast BERT WordPiece), all-MiniLM-L6-v2 vocab",
                   "cases": cases}, f, ensure_ascii=False, indent=0)
    import os
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
