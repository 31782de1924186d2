#!/usr/bin/env python3
"""Golden fixtures for the four baselines of Table II (GRU4Rec, SASRec, LightGCN, GraphSAGE) and MF.

Run (from the repository root):
    python3 Tests/Fixtures/baselines/make_baseline_fixtures.py Tests/Fixtures/baselines [MODEL...]
(MODEL: gru4rec sasrec lightgcn graphsage mf; default all)
Pins: torch==2.13.0+cpu, h5py==3.16.0, numpy==2.4.6 (requirements/fixtures.txt); CPython 3.11.

For a tiny configuration of each model it writes one HDF5 file with
  - the samples (user, history, target, label) in vocabulary indices,
  - every parameter (float32, names as in RecBole / PyG),
  - the forward logits (B), the mean BCE-with-logits loss, and every parameter gradient,
  - for the graph models also the edge list built from the samples and the normalised adjacency.
Weights are rounded to float32 first and everything is then computed in float64, so the
reference carries no float32 rounding of its own. Dropout is off (every rate 0 / eval mode).

What follows which reference (read, not copied; formulas re-derived here):
  GRU4Rec   RecBole 1.2.1 recbole/model/sequential_recommender/gru4rec.py: item embedding ->
            torch.nn.GRU(bias=False) -> Linear(hidden -> embedding) -> output at the last
            history position; logit = <output, embedding(target)>.  Uses torch.nn.GRU itself.
  SASRec    RecBole 1.2.1 sasrec.py + recbole/model/layers.py (TransformerEncoder): item +
            learned position embedding -> LayerNorm(eps) -> n post-LN blocks of causal multi-head
            self-attention and a GELU(erf) feed-forward -> output at the last position; same logit.
            Written with torch primitives (torch.nn.Linear, LayerNorm, softmax, erf-GELU).
  LightGCN  RecBole 1.2.1 general_recommender/lightgcn.py: E_{l+1} = D^-1/2 A D^-1/2 E_l over the
            user-item graph, output = mean of E_0..E_L. Plain PyTorch dense matrices.
  GraphSAGE PyG 2.x torch_geometric/nn/conv/sage_conv.py (aggr='mean', root_weight=True,
            normalize=False): h_i' = lin_l(mean_{j in N(i)} h_j) + lin_r(h_i), lin_l with bias,
            lin_r without; ReLU between layers, none after the last (PyG's GraphSAGE basic model).
            Plain PyTorch equivalent (dense mean-aggregation matrix), PyG is not installed here.
  MF        CoLLM minigpt4/models/rec_base_models.py MatrixFactorization: logit = <user embedding,
            item embedding>, no biases, BCE with logits. Row 0 of the user table is the shared
            unknown user, training user u is row u + 1 (Sources/Baselines/MF.swift). Uses
            torch.nn.functional.embedding. MF reads no history.

Scoring protocol shared by all four (see Sources/Baselines/ScoringProtocol.swift):
  logit(history, target) = <u(history), v(target)>;
  sequence models: u = model output at the most recent history position, v = item embedding;
  graph models: u = mean of the final node vectors of the history items, v = final node vector
  of the target. Empty history -> u = 0 -> logit 0.
Graph edges (undirected, deduplicated), from the training samples only: (user, h) for every
  item h in the sample's history, and (user, target) when the sample's label is 1. Item index 0
  is the shared unknown item and never gets an edge. Node order: users 0..U-1, then items
  U..U+I-1.
"""
import math
import sys
from pathlib import Path

import h5py
import numpy as np
import torch

FORMAT_VERSION = 1
torch.set_default_dtype(torch.float64)

# ---- the tiny sample set shared by all four fixtures -------------------------------------------
# I = 9 item indices (0 = unknown item), U = 4 users, B = 7 samples, histories of 1..5 items
# (oldest first). One history contains the unknown item 0 and one target is the unknown item.
N_ITEMS = 9
N_USERS = 4
SAMPLES = [  # (user, history, target, label)
    (0, [1, 2, 3], 4, 1.0),
    (0, [2, 3, 4, 5], 6, 0.0),
    (1, [5, 6], 1, 1.0),
    (1, [6, 1, 7, 8, 2], 3, 0.0),
    (2, [3], 8, 1.0),
    (2, [8, 0, 4], 7, 1.0),
    (3, [7, 1, 6, 2], 0, 0.0),
]


class open_fixture:
    """Writes <name>.tmp and renames it on success, so a crash never leaves a finished-looking file."""

    def __init__(self, out_dir, name):
        self.final = out_dir / name
        self.tmp = out_dir / (name + ".tmp")

    def __enter__(self):
        self.f = h5py.File(self.tmp, "w", track_order=True)
        return self.f

    def __exit__(self, kind, value, tb):
        self.f.close()
        if kind is None:
            self.tmp.replace(self.final)
        else:
            self.tmp.unlink(missing_ok=True)


def rounded(t):
    """float32-rounded copy (the values the Swift side receives), kept in float64."""
    return t.to(torch.float32).to(torch.float64)


def init_param(gen, shape, scale):
    return rounded(torch.randn(*shape, generator=gen) * scale).requires_grad_(True)


def bce(logits, labels):
    return torch.nn.functional.binary_cross_entropy_with_logits(logits, labels, reduction="mean")


def write_common(f, model, config):
    f.attrs["format_version"] = FORMAT_VERSION
    f.attrs["model"] = model
    f.attrs["generator"] = "make_baseline_fixtures.py (torch %s, numpy %s, h5py %s)" % (
        torch.__version__, np.__version__, h5py.__version__)
    for k, v in config.items():
        f.attrs["config_" + k] = v
    lengths = [len(h) for _, h, _, _ in SAMPLES]
    f["samples/users"] = np.array([s[0] for s in SAMPLES], dtype=np.int64)
    f["samples/history_lengths"] = np.array(lengths, dtype=np.int64)
    f["samples/histories"] = np.array([i for _, h, _, _ in SAMPLES for i in h], dtype=np.int64)
    f["samples/targets"] = np.array([s[2] for s in SAMPLES], dtype=np.int64)
    f["samples/labels"] = np.array([s[3] for s in SAMPLES], dtype=np.float32)


def write_results(f, params, logits, loss):
    f["logits"] = logits.detach().numpy()  # float64 reference
    f.attrs["loss"] = float(loss.detach())
    for name, p in params.items():
        f["parameters/" + name] = p.detach().to(torch.float32).numpy()
        f["gradients/" + name] = p.grad.detach().numpy()


def labels():
    return torch.tensor([s[3] for s in SAMPLES])


# ---- GRU4Rec ------------------------------------------------------------------------------------
def gru4rec(out_dir, gen):
    E, H = 6, 5  # embedding, hidden
    gru = torch.nn.GRU(input_size=E, hidden_size=H, num_layers=1, bias=False, batch_first=True)
    params = {
        "item_embedding.weight": init_param(gen, (N_ITEMS, E), 0.5),
        "gru_layers.weight_ih_l0": init_param(gen, (3 * H, E), 0.5),
        "gru_layers.weight_hh_l0": init_param(gen, (3 * H, H), 0.5),
        "dense.weight": init_param(gen, (E, H), 0.5),
        "dense.bias": init_param(gen, (E,), 0.5),
    }
    logits = []
    for _, hist, target, _ in SAMPLES:
        x = params["item_embedding.weight"][torch.tensor(hist)].unsqueeze(0)  # 1 x T x E
        out, _ = torch.func.functional_call(
            gru, {"weight_ih_l0": params["gru_layers.weight_ih_l0"],
                  "weight_hh_l0": params["gru_layers.weight_hh_l0"]}, (x,))
        last = out[0, -1]  # H, the most recent position
        u = params["dense.weight"] @ last + params["dense.bias"]
        logits.append(u @ params["item_embedding.weight"][target])
    logits = torch.stack(logits)
    loss = bce(logits, labels())
    loss.backward()
    with open_fixture(out_dir, "gru4rec.h5") as f:
        write_common(f, "GRU4Rec", {"embedding_size": E, "hidden_size": H, "n_items": N_ITEMS})
        write_results(f, params, logits, loss)


# ---- SASRec -------------------------------------------------------------------------------------
def gelu(x):
    return x * 0.5 * (1.0 + torch.erf(x / math.sqrt(2.0)))


def layer_norm(x, w, b, eps):
    return torch.nn.functional.layer_norm(x, (x.shape[-1],), w, b, eps)


def sasrec(out_dir, gen):
    C, HEADS, INNER, LAYERS, MAXLEN, EPS = 8, 2, 12, 2, 6, 1e-12
    p = {
        "item_embedding.weight": init_param(gen, (N_ITEMS, C), 0.5),
        "position_embedding.weight": init_param(gen, (MAXLEN, C), 0.5),
        "LayerNorm.weight": rounded(1 + 0.1 * torch.randn(C, generator=gen)).requires_grad_(True),
        "LayerNorm.bias": init_param(gen, (C,), 0.1),
    }
    for l in range(LAYERS):
        a = "trm_encoder.layer.%d.multi_head_attention." % l
        for lin in ("query", "key", "value", "dense"):
            p[a + lin + ".weight"] = init_param(gen, (C, C), 0.4)
            p[a + lin + ".bias"] = init_param(gen, (C,), 0.1)
        p[a + "LayerNorm.weight"] = rounded(1 + 0.1 * torch.randn(C, generator=gen)).requires_grad_(True)
        p[a + "LayerNorm.bias"] = init_param(gen, (C,), 0.1)
        ff = "trm_encoder.layer.%d.feed_forward." % l
        p[ff + "dense_1.weight"] = init_param(gen, (INNER, C), 0.4)
        p[ff + "dense_1.bias"] = init_param(gen, (INNER,), 0.1)
        p[ff + "dense_2.weight"] = init_param(gen, (C, INNER), 0.4)
        p[ff + "dense_2.bias"] = init_param(gen, (C,), 0.1)
        p[ff + "LayerNorm.weight"] = rounded(1 + 0.1 * torch.randn(C, generator=gen)).requires_grad_(True)
        p[ff + "LayerNorm.bias"] = init_param(gen, (C,), 0.1)

    def lin(x, name):
        return x @ p[name + ".weight"].T + p[name + ".bias"]

    dh = C // HEADS
    logits = []
    for _, hist, target, _ in SAMPLES:
        T = len(hist)
        x = p["item_embedding.weight"][torch.tensor(hist)] + p["position_embedding.weight"][:T]
        x = layer_norm(x, p["LayerNorm.weight"], p["LayerNorm.bias"], EPS)  # T x C
        causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)  # True = future key
        for l in range(LAYERS):
            a = "trm_encoder.layer.%d.multi_head_attention." % l
            q = lin(x, a + "query").view(T, HEADS, dh).transpose(0, 1)  # H x T x dh
            k = lin(x, a + "key").view(T, HEADS, dh).transpose(0, 1)
            v = lin(x, a + "value").view(T, HEADS, dh).transpose(0, 1)
            scores = q @ k.transpose(1, 2) / math.sqrt(dh)
            scores = scores.masked_fill(causal, float("-inf"))
            ctx = (torch.softmax(scores, dim=-1) @ v).transpose(0, 1).reshape(T, C)
            x = layer_norm(lin(ctx, a + "dense") + x, p[a + "LayerNorm.weight"], p[a + "LayerNorm.bias"], EPS)
            ff = "trm_encoder.layer.%d.feed_forward." % l
            y = lin(gelu(lin(x, ff + "dense_1")), ff + "dense_2")
            x = layer_norm(y + x, p[ff + "LayerNorm.weight"], p[ff + "LayerNorm.bias"], EPS)
        logits.append(x[T - 1] @ p["item_embedding.weight"][target])
    logits = torch.stack(logits)
    loss = bce(logits, labels())
    loss.backward()
    with open_fixture(out_dir, "sasrec.h5") as f:
        write_common(f, "SASRec", {"hidden_size": C, "n_heads": HEADS, "inner_size": INNER,
                                   "n_layers": LAYERS, "max_seq_length": MAXLEN,
                                   "layer_norm_eps": EPS, "n_items": N_ITEMS})
        write_results(f, p, logits, loss)


# ---- graph models -------------------------------------------------------------------------------
def training_edges():
    """Sorted (user, item) pairs: history items of every sample, targets of positive samples."""
    edges = set()
    for u, hist, target, label in SAMPLES:
        for i in hist:
            if i != 0:
                edges.add((u, i))
        if label == 1.0 and target != 0:
            edges.add((u, target))
    return sorted(edges)


def adjacency(edges):
    n = N_USERS + N_ITEMS
    A = torch.zeros(n, n)
    for u, i in edges:
        A[u, N_USERS + i] = 1.0
        A[N_USERS + i, u] = 1.0
    return A


def graph_logits(final):
    """<mean of history item vectors, target item vector> per sample."""
    out = []
    for _, hist, target, _ in SAMPLES:
        items = final[N_USERS + torch.tensor(hist)]
        out.append(items.mean(dim=0) @ final[N_USERS + target])
    return torch.stack(out)


def write_graph(f, edges, matrix, matrix_name):
    f["graph/edges"] = np.array(edges, dtype=np.int64).reshape(-1, 2)
    f["graph/" + matrix_name] = matrix.numpy()


def lightgcn(out_dir, gen):
    C, LAYERS = 4, 2
    p = {
        "user_embedding.weight": init_param(gen, (N_USERS, C), 0.5),
        "item_embedding.weight": init_param(gen, (N_ITEMS, C), 0.5),
    }
    edges = training_edges()
    A = adjacency(edges)
    deg = A.sum(dim=1)
    dinv = torch.where(deg > 0, deg.clamp(min=1e-30).pow(-0.5), torch.zeros_like(deg))
    norm = dinv[:, None] * A * dinv[None, :]
    e = torch.cat([p["user_embedding.weight"], p["item_embedding.weight"]])
    layers = [e]
    for _ in range(LAYERS):
        layers.append(norm @ layers[-1])
    final = torch.stack(layers).mean(dim=0)
    logits = graph_logits(final)
    loss = bce(logits, labels())
    loss.backward()
    with open_fixture(out_dir, "lightgcn.h5") as f:
        write_common(f, "LightGCN", {"embedding_size": C, "n_layers": LAYERS,
                                     "n_users": N_USERS, "n_items": N_ITEMS})
        write_graph(f, edges, norm, "normalized_adjacency")
        write_results(f, p, logits, loss)


def graphsage(out_dir, gen):
    C, HID, LAYERS = 4, 5, 2
    dims = [C, HID, HID]
    p = {
        "user_embedding.weight": init_param(gen, (N_USERS, C), 0.5),
        "item_embedding.weight": init_param(gen, (N_ITEMS, C), 0.5),
    }
    for l in range(LAYERS):
        bound = 1.0 / math.sqrt(dims[l])  # PyG Linear default: U(+-1/sqrt(in)); scaled up below
        p["convs.%d.lin_l.weight" % l] = rounded(
            (torch.rand(dims[l + 1], dims[l], generator=gen) * 2 - 1) * 2 * bound).requires_grad_(True)
        p["convs.%d.lin_l.bias" % l] = init_param(gen, (dims[l + 1],), 0.2)
        p["convs.%d.lin_r.weight" % l] = rounded(
            (torch.rand(dims[l + 1], dims[l], generator=gen) * 2 - 1) * 2 * bound).requires_grad_(True)
    edges = training_edges()
    A = adjacency(edges)
    deg = A.sum(dim=1)
    mean = torch.where(deg[:, None] > 0, A / deg.clamp(min=1)[:, None], torch.zeros_like(A))
    h = torch.cat([p["user_embedding.weight"], p["item_embedding.weight"]])
    for l in range(LAYERS):
        h = (mean @ h) @ p["convs.%d.lin_l.weight" % l].T + p["convs.%d.lin_l.bias" % l] \
            + h @ p["convs.%d.lin_r.weight" % l].T
        if l < LAYERS - 1:
            h = torch.relu(h)
    logits = graph_logits(h)
    loss = bce(logits, labels())
    loss.backward()
    with open_fixture(out_dir, "graphsage.h5") as f:
        write_common(f, "GraphSAGE", {"embedding_size": C, "hidden_size": HID, "n_layers": LAYERS,
                                      "n_users": N_USERS, "n_items": N_ITEMS})
        write_graph(f, edges, mean, "mean_aggregation")
        write_results(f, p, logits, loss)


# ---- MF -----------------------------------------------------------------------------------------
def mf(out_dir, gen):
    C = 5
    p = {
        "user_embedding.weight": init_param(gen, (N_USERS + 1, C), 0.5),  # row 0: unknown user
        "item_embedding.weight": init_param(gen, (N_ITEMS, C), 0.5),
    }
    users = torch.tensor([s[0] + 1 for s in SAMPLES])
    targets = torch.tensor([s[2] for s in SAMPLES])
    u = torch.nn.functional.embedding(users, p["user_embedding.weight"])
    v = torch.nn.functional.embedding(targets, p["item_embedding.weight"])
    logits = (u * v).sum(dim=-1)
    loss = bce(logits, labels())
    loss.backward()
    with open_fixture(out_dir, "mf.h5") as f:
        write_common(f, "MF", {"embedding_size": C, "n_users": N_USERS, "n_items": N_ITEMS})
        write_results(f, p, logits, loss)


MODELS = (gru4rec, sasrec, lightgcn, graphsage, mf)


def main():
    out_dir = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).parent)
    wanted = sys.argv[2:] or [m.__name__ for m in MODELS]
    assert torch.__version__.startswith("2.13.0"), torch.__version__
    for i, make in enumerate(MODELS):  # each model's generator is seeded by its position
        if make.__name__ not in wanted:
            continue
        gen = torch.Generator().manual_seed(1000 + i)
        make(out_dir, gen)
        print("wrote", make.__name__)


if __name__ == "__main__":
    main()
