#!/usr/bin/env python3
"""Tiny random BERT and RoBERTa encoders (weights committed) with golden values per stage.

Usage: make_tiny_fixtures.py OUT_DIR [MINILM_DIR]   (OUT_DIR: Tests/Fixtures/text)
Pins: torch 2.13.0+cpu, transformers 5.23.0, tokenizers 0.23.3, peft 0.21.2, h5py 3.16.0,
safetensors 0.8.0 (requirements/fixtures.txt). Run by `make fixtures-text`.

Writes
  tiny-bert/     config.json, model.safetensors (BertModel with pooler, keys without prefix),
                 vocab.txt + tokenizer.json (uncased WordPiece trained on CORPUS, 300 tokens)
  tiny-roberta/  config.json, model.safetensors (RobertaForMaskedLM: keys prefixed "roberta.",
                 plus lm_head), vocab.json + merges.txt + tokenizer.json (byte-level BPE, 400)
  tiny_tokenizers.json  ids of STRINGS and PAIRS (full up to 512, and truncated to 16) from
                 transformers' tokenizers for tiny-bert, tiny-roberta and, when MINILM_DIR is
                 given, the real MiniLM WordPiece (pairs only; singles are in wordpiece_minilm.json)
  tiny_bert.h5, tiny_roberta.h5 (format_version 1):
    /input_ids int32 [B, T], /lengths int32 [B], /hidden_states float32 [L+1, B, T, C]
    (0 = embeddings output), /pooler_output [B, C] (BERT), and with PEFT LoRA (r=4, alpha=8,
    dropout 0; BERT: query, key, value, attention.output.dense, intermediate.dense, output.dense;
    RoBERTa: query, value) with B initialised N(0, 0.1): /classifier/{weight,bias} (on the first
    token), /labels, /init/<name>, /logits, /loss (mean BCE), /grad/<name>, /after3/<name> (three
    Adam steps, lr 1e-3, warm-up 2 steps from factor 1e-3 then linear decay to 0 at step 10),
    /merged_last_hidden (PEFT merge_and_unload output, same batch).
Random weights: torch.manual_seed(0), initializer_range 0.1 (large enough that every layer and
LoRA matters); the architectures are small: hidden 32, 2 layers, 4 heads, intermediate 64.
"""
import json
import os
import sys

import h5py
import numpy as np
import torch
from peft import LoraConfig, get_peft_model
from tokenizers import BertWordPieceTokenizer, ByteLevelBPETokenizer
from transformers import (BertConfig, BertModel, BertTokenizerFast, RobertaConfig, RobertaForMaskedLM, RobertaModel,
                          RobertaTokenizerFast)

CORPUS = [
    "Toy Story (1995)", "Star Wars: Episode IV - A New Hope (1977)", "The Godfather", "Pulp Fiction",
    "A man is eating food.", "The user liked these movies and disliked those ones.",
    "Will the user like the target movie? Answer Yes or No.", "Amélie, Café Müller and the Naïve Señor",
    "history of the world, part one", "Great movie!!! #mustwatch #cinema", "don't won't can't I'm you're they've",
    "music soundtrack audio score theme song", "千与千寻 Spirited Away", "comedy drama thriller romance horror",
] * 4

STRINGS = [
    "A man is eating food.",
    "Toy Story (1995)",
    "Star Wars: Episode IV - A New Hope",
    "Amélie, Café Müller & the Naïve Señor",
    "Crème brûlée à la façon de l'Élysée",
    "千与千寻 Spirited Away 神隠し",
    "불고기 and ramen ラーメン",
    "Great movie!!! 😀🎬 #mustwatch #cinema @friend",
    "don't, won't; e.g. U.S.A. -- 3.14 $5 100% they'll I'd we've",
    "tabs\tnewlines\nand  multiple   spaces  \n\n end ",
    "zero\u200bwidth and control\u0007 characters\u00a0nbsp",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "x" * 120 + " after a very long word",
    " ".join(["history"] * 300),
    "   leading spaces and trailing   ",
    "Ünïcödé ÀÉÎÕÜ ß ﬁ ① ½ ²",
]
PAIRS = [
    ("The user liked Toy Story (1995).", "Will the user like Pulp Fiction?"),
    ("short", " ".join(["history"] * 40)),
    (" ".join(["comedy"] * 30), "drama"),
    ("Amélie 千与千寻", "😀 #cinema"),
]
SENTENCES = ["A man is eating food.", "Toy Story (1995) and Amélie: a great double bill! 😀", "千与千寻", "don't"]
LABELS = [1.0, 0.0, 1.0, 0.0]
SIZES = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64, initializer_range=0.1)


def multiplier(s, warmup=2, total=10, start=1e-3):
    if s < warmup:
        return start + (1 - start) * s / warmup
    if s >= total:
        return 0.0
    return (total - s) / max(1, total - warmup)


def tokenizer_cases(tok, pairs_only=False):
    out = {"pairs": []}
    if not pairs_only:
        out["cases"] = [{"text": s, "ids": tok(s, truncation=True, max_length=512)["input_ids"],
                         "ids_max_16": tok(s, truncation=True, max_length=16)["input_ids"]} for s in STRINGS]
    for a, b in PAIRS:
        out["pairs"].append({"first": a, "second": b, "ids": tok(a, b, truncation=True, max_length=512)["input_ids"],
                             "ids_max_16": tok(a, b, truncation=True, max_length=16)["input_ids"]})
    return out


def golden(base, tok, targets, hidden_size, out, reference):
    """Hidden states of the frozen base, then PEFT LoRA logits, loss, gradients, 3 Adam steps."""
    base.eval()
    batch = tok(SENTENCES, padding=True, return_tensors="pt")
    with torch.no_grad():
        outputs = base(**batch, output_hidden_states=True)
    hidden = np.stack([h.numpy() for h in outputs.hidden_states]).astype(np.float32)
    pooled = outputs.pooler_output.numpy() if getattr(outputs, "pooler_output", None) is not None else None

    model = get_peft_model(base, LoraConfig(r=4, lora_alpha=8, lora_dropout=0.0, target_modules=targets))
    model.eval()
    g = torch.Generator().manual_seed(1)
    for name, p in model.named_parameters():
        if "lora_B" in name:
            with torch.no_grad():
                p.copy_(torch.randn(p.shape, generator=g) * 0.1)
    torch.manual_seed(2)
    classifier = torch.nn.Linear(hidden_size, 1)
    labels = torch.tensor(LABELS)
    lora = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    init = {n: p.detach().clone().numpy() for n, p in lora}
    classifier_init = (classifier.weight.detach().clone().numpy(), classifier.bias.detach().clone().numpy())

    def loss_fn():
        h = model(**batch).last_hidden_state
        logits = classifier(h[:, 0, :]).squeeze(-1)
        return logits, torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)

    logits, loss = loss_fn()
    loss.backward()
    grads = {n: p.grad.detach().clone().numpy() for n, p in lora}
    grads["classifier.weight"] = classifier.weight.grad.detach().clone().numpy()
    grads["classifier.bias"] = classifier.bias.grad.detach().clone().numpy()
    params = [p for _, p in lora] + [classifier.weight, classifier.bias]
    optimizer = torch.optim.Adam(params, lr=1e-3)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, multiplier)
    for _ in range(3):
        optimizer.zero_grad()
        _, l = loss_fn()
        l.backward()
        optimizer.step()
        schedule.step()
    after = {n: p.detach().clone().numpy() for n, p in lora}
    after["classifier.weight"] = classifier.weight.detach().clone().numpy()
    after["classifier.bias"] = classifier.bias.detach().clone().numpy()
    # Reload the initial adapters and merge them into the weights (PEFT merge_and_unload).
    with torch.no_grad():
        for n, p in lora:
            p.copy_(torch.from_numpy(init[n]))
    with torch.no_grad():
        merged = model.merge_and_unload()(**batch).last_hidden_state.numpy()

    with h5py.File(out + ".tmp", "w") as f:
        f.attrs["format_version"] = 1
        f.attrs["reference"] = reference
        f["input_ids"] = batch["input_ids"].numpy().astype(np.int32)
        f["lengths"] = batch["attention_mask"].sum(dim=1).numpy().astype(np.int32)
        f["hidden_states"] = hidden
        if pooled is not None:
            f["pooler_output"] = pooled.astype(np.float32)
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
        f["merged_last_hidden"] = merged.astype(np.float32)
    os.replace(out + ".tmp", out)


def main(out_dir, minilm_dir=None):
    tokenizers = {}
    # Tiny BERT: uncased WordPiece trained on CORPUS, random weights with a pooler.
    bert_dir = os.path.join(out_dir, "tiny-bert")
    os.makedirs(bert_dir, exist_ok=True)
    wp = BertWordPieceTokenizer(lowercase=True)
    wp.train_from_iterator(CORPUS, vocab_size=300, min_frequency=1,
                           special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"])
    wp.save_model(bert_dir)
    with open(os.path.join(bert_dir, "vocab.txt"), encoding="utf-8") as f:
        bert_vocab = {line.rstrip("\n"): i for i, line in enumerate(f)}
    bert_tok = BertTokenizerFast(vocab=bert_vocab, do_lower_case=True)
    bert_tok.backend_tokenizer.save(os.path.join(bert_dir, "tokenizer.json"))
    tokenizers["tiny-bert"] = tokenizer_cases(bert_tok)
    torch.manual_seed(0)
    bert_config = BertConfig(vocab_size=bert_tok.vocab_size, max_position_embeddings=128, type_vocab_size=2,
                             layer_norm_eps=1e-12, pad_token_id=0, **SIZES)
    bert = BertModel(bert_config, add_pooling_layer=True)
    bert.save_pretrained(bert_dir, safe_serialization=True)
    golden(bert, bert_tok, ["query", "key", "value", "attention.output.dense", "intermediate.dense", "output.dense"], 32,
           os.path.join(out_dir, "tiny_bert.h5"), "transformers 5.23.0 BertModel (tiny random) + peft 0.21.2 LoRA")

    # Tiny RoBERTa: byte-level BPE trained on CORPUS, random weights saved as RobertaForMaskedLM
    # so the checkpoint's keys carry the "roberta." prefix and an LM head the encoder ignores.
    roberta_dir = os.path.join(out_dir, "tiny-roberta")
    os.makedirs(roberta_dir, exist_ok=True)
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(CORPUS, vocab_size=400, min_frequency=1, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"])
    bpe.save_model(roberta_dir)
    with open(os.path.join(roberta_dir, "vocab.json"), encoding="utf-8") as f:
        roberta_vocab = json.load(f)
    with open(os.path.join(roberta_dir, "merges.txt"), encoding="utf-8") as f:
        merges = [tuple(line.rstrip("\n").split(" ")) for line in f if line.strip() and not line.startswith("#version")]
    roberta_tok = RobertaTokenizerFast(vocab=roberta_vocab, merges=merges)
    roberta_tok.backend_tokenizer.save(os.path.join(roberta_dir, "tokenizer.json"))
    tokenizers["tiny-roberta"] = tokenizer_cases(roberta_tok)
    torch.manual_seed(0)
    roberta_config = RobertaConfig(vocab_size=len(roberta_tok), max_position_embeddings=130, type_vocab_size=1,
                                   layer_norm_eps=1e-5, pad_token_id=1, bos_token_id=0, eos_token_id=2, **SIZES)
    mlm = RobertaForMaskedLM(roberta_config)
    mlm.save_pretrained(roberta_dir, safe_serialization=True)
    roberta = RobertaModel.from_pretrained(roberta_dir, add_pooling_layer=False)
    golden(roberta, roberta_tok, ["query", "value"], 32, os.path.join(out_dir, "tiny_roberta.h5"),
           "transformers 5.23.0 RobertaModel (tiny random) + peft 0.21.2 LoRA")

    if minilm_dir:
        from transformers import AutoTokenizer
        tokenizers["minilm"] = tokenizer_cases(AutoTokenizer.from_pretrained(minilm_dir), pairs_only=True)
    path = os.path.join(out_dir, "tiny_tokenizers.json")
    with open(path + ".tmp", "w", encoding="utf-8") as f:
        json.dump({"format_version": 1, "reference": "transformers 5.23.0 fast tokenizers (tokenizers 0.23.3)",
                   "tokenizers": tokenizers}, f, ensure_ascii=False, indent=0)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None)
