#!/usr/bin/env python3
"""Load an atflrec run from another language: numpy and h5py only, no torch.

Usage: load_checkpoint.py RUN_DIR
  reads RUN_DIR/best.h5 (checkpoint schema v1, see checkpoints/README.md).
  ATFLRec runs: also reads RUN_DIR/intermediates.h5 (format 1) and recomputes (1) the classifier
  logits of the evaluation samples from the stored fused vectors and (2) every audio item vector
  from the stored FBank features through the audio embedding network (Linear, SiLU, Linear,
  BatchNorm1d in evaluation mode, then pooling over frames), comparing both with what Swift
  computed. Baseline runs (GRU4Rec, SASRec, LightGCN, GraphSAGE): loads and lists the parameters.
  Prints the largest differences; exits 1 on a mismatch. A published model folder
  (paper/models/<run>: config.json and best.h5 only) is loaded and its tensors listed. Every run: prints the model tensors hash
  ("model tensors sha256: <hex>", checkpoints/README.md), which equals result.json's
  modelTensorsSHA256 for the run that made the checkpoint, on any git commit.

Tolerances: logits 1e-4 absolute (a C-term float32 dot product summed in another order);
item vectors 1e-3 absolute (two float32 GEMMs over hundreds of terms, batch norm, pooling).
"""
import hashlib
import os
import sys

import h5py
import numpy as np


def arrays(group):
    return {name: np.asarray(ds, dtype=np.float64) for name, ds in group.items()}


def model_tensors_sha256(ck):
    """The hash defined in checkpoints/README.md ("Model tensors hash"), computed independently
    of the Swift code: configuration hash, then each /parameters and /buffers dataset by name in
    UTF-8 byte order with its shape and little-endian float32 values."""
    h = hashlib.sha256()
    config_hash = ck.attrs["configuration_hash"]
    if isinstance(config_hash, bytes):  # a fixed-length string attribute reads as bytes
        config_hash = config_hash.decode()
    h.update(f"atflrec-model-tensors-v1\nconfiguration_hash={config_hash}\n".encode())
    for group in ("parameters", "buffers"):
        if group not in ck:
            continue
        for name in sorted(ck[group].keys(), key=lambda n: n.encode()):
            values = np.asarray(ck[group][name], dtype="<f4")
            h.update(f"{group}/{name}\n{','.join(str(d) for d in values.shape)}\n".encode())
            h.update(np.ascontiguousarray(values).tobytes())
    return h.hexdigest()


def describe_baseline(ck, p):
    total = sum(v.size for v in p.values())
    print(f"{ck.attrs['model']}: {len(p)} parameters, {total} scalars, best epoch {int(ck.attrs['best_epoch'])}, "
          f"best validation AUC {float(ck.attrs['best_validation_auc']):.4f}")
    for name in sorted(p):
        print(f"  {name} {list(p[name].shape)}")
    return True


def audio_vector(x, p, b, pooling, eps=1e-5):
    h = x @ p["audio_embedding.0.weight"].T + p["audio_embedding.0.bias"]
    h = h / (1 + np.exp(-h))  # SiLU
    h = h @ p["audio_embedding.2.weight"].T + p["audio_embedding.2.bias"]
    h = (h - b["audio_embedding.3.running_mean"]) / np.sqrt(b["audio_embedding.3.running_var"] + eps)
    h = h * p["audio_embedding.3.weight"] + p["audio_embedding.3.bias"]
    return {"max": h.max(axis=0), "mean": h.mean(axis=0), "sum": h.sum(axis=0)}[pooling]


def check_atflrec(p, b, im):
    fused = np.asarray(im["vectors/fused"], dtype=np.float64)
    logits = fused @ p["classifier.weight"].T[:, 0] + p["classifier.bias"][0]
    logit_err = float(np.max(np.abs(logits - np.asarray(im["logits"], dtype=np.float64)))) if len(logits) else 0.0
    print(f"logits: {len(logits)} samples, max |python - swift| = {logit_err:.3g}")
    ok = logit_err <= 1e-4
    if "items" in im:
        stride = int(im.attrs["frame_stride"])
        pooling = im.attrs["stacking_pooling"]
        offsets = np.asarray(im["items/fbank_offsets"])
        frames = np.asarray(im["items/fbank"], dtype=np.float64)
        stored = np.asarray(im["items/vectors"], dtype=np.float64)
        worst = 0.0
        for i in range(len(offsets) - 1):
            v = audio_vector(frames[offsets[i]:offsets[i + 1]][::stride], p, b, pooling)
            worst = max(worst, float(np.max(np.abs(v - stored[i]))))
        total = len(stored)
        print(f"audio item vectors: {len(offsets) - 1} of {total} items (those whose FBank the file carries), max |python - swift| = {worst:.3g}")
        ok = ok and worst <= 1e-3
    return ok


def main(run_dir):
    with h5py.File(f"{run_dir}/best.h5", "r") as ck:
        if ck.attrs.get("schema") != "atflrec-checkpoint" or int(ck.attrs["schema_version"]) != 1:
            sys.exit(f"{run_dir}/best.h5: not an atflrec checkpoint of schema version 1")
        tensors = model_tensors_sha256(ck)
        p, b = arrays(ck["parameters"]), arrays(ck["buffers"])
        if ck.attrs["model"] != "atflrec":
            ok = describe_baseline(ck, p)
        elif not os.path.exists(f"{run_dir}/intermediates.h5"):
            # A published model (paper/models/<run>): the model alone, nothing to recompute against.
            ok = describe_baseline(ck, p)
            print("no intermediates.h5 here (a published model): tensors listed, nothing recomputed")
        else:
            with h5py.File(f"{run_dir}/intermediates.h5", "r") as im:
                ok = check_atflrec(p, b, im)
                if ok:
                    print("python recomputation matches the swift outputs")
    print(f"model tensors sha256: {tensors}")
    if not ok:
        print("MISMATCH between the Python recomputation and the Swift outputs", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: load_checkpoint.py RUN_DIR")
    main(sys.argv[1])
