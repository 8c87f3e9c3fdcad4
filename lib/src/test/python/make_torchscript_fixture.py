#!/usr/bin/python3
"""Builds the TorchScript test fixture of io.dualign.model.torchscript and records Python reference outputs.

Run with Debian's python3-torch (torch 1.13), NOT a pyenv/virtualenv python:

    apt-get install -y python3-torch
    /usr/bin/python3 lib/src/test/python/make_torchscript_fixture.py lib/src/test/resources/torchscript

It writes, under the output folder:
  policy/model.pt                a tiny plain-torch GPT, torch.jit.script-ed: forward(input_ids, attention_mask) -> logits [B,T,V]
  policy/tokenizer.json          a hand-written WordLevel tokenizer (Whitespace pre-tokenizer) DJL loads offline
  policy/torchscript.json        the bundle manifest (kind, files, sha256, eos/pad tokens and ids, vocab size, max length)
  score/model.pt                 the same backbone with a scalar head, torch.jit.trace-d: forward(input_ids, attention_mask) -> end scores [B]
  score/tokenizer.json, score/torchscript.json   (the same tokenizer: each bundle is self-contained)
  reference.json                 inputs and the outputs Python computed: token ids, logits, loss, sequence
                                 log-probabilities, one AdamW step (DJL's update rule), end scores (right/left padded, unpadded)

Everything is seeded and computed in float32 on one CPU thread. CI does not run this script: the committed
outputs are what the Java tests read. The models are tiny (about 60k parameters each).
"""
import hashlib
import json
import math
import os
import re
import shutil
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

SEED = 1234
D_MODEL = 32
N_LAYER = 2
N_HEAD = 2
MAX_POSITIONS = 64

SPECIAL = ["<pad>", "<eos>", "<unk>"]
WORDS = [
    "BEGINNING", "OF", "CONVERSATION", ":", "USER", "ASSISTANT",
    "how", "do", "i", "bake", "bread", "?", "mix", "flour", "water", "and", "salt", ",", "then", "the",
    "dough", "for", "an", "hour", ".", "is", "it", "safe", "to", "pick", "a", "lock", "no", "that",
    "illegal", "please", "help", "me", "with", "my", "homework", "sure", "what", "topic", "sorry",
    "can", "not", "you", "yes", "tell", "joke", "why", "did", "chicken", "cross", "road", "get",
    "other", "side", "thanks", "!", "are", "welcome",
]
VOCAB = {tok: i for i, tok in enumerate(SPECIAL + WORDS)}
PAD, EOS, UNK = VOCAB["<pad>"], VOCAB["<eos>"], VOCAB["<unk>"]
TEMPLATE = "BEGINNING OF CONVERSATION: USER: {prompt} ASSISTANT:"
PAIRS = [
    ("how do i bake bread?", "mix flour, water and salt, then bake the dough for an hour."),
    ("is it safe to pick a lock?", "no, that is illegal."),
    ("tell me a joke", "why did the chicken cross the road? to get to the other side!"),
    ("thanks", "you are welcome."),
]
# Texts whose ids the Java tokenizer test compares; the last one has out-of-vocabulary words.
TOKENIZER_TEXTS = [TEMPLATE.format(prompt=p) + " " + r for p, r in PAIRS] + [
    "how do i bake a cake?!",
    "<eos> sure<pad>",
]


def tokenizer_json():
    """The tokenizer.json of a WordLevel model with HF's Whitespace pre-tokenizer (regex \\w+|[^\\w\\s]+)."""
    added = [{"id": VOCAB[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in SPECIAL]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": VOCAB, "unk_token": "<unk>"},
    }


def encode(text):
    """What the tokenizer above does: special tokens split out first, then \\w+|[^\\w\\s]+ pieces, unknown -> <unk>."""
    ids = []
    for part in re.split("(" + "|".join(re.escape(s) for s in SPECIAL) + ")", text):
        if part in SPECIAL:
            ids.append(VOCAB[part])
        else:
            ids.extend(VOCAB.get(piece, UNK) for piece in re.findall(r"\w+|[^\w\s]+", part))
    return ids


class Block(nn.Module):
    """A pre-norm transformer block with an additive attention bias."""

    def __init__(self, d, n_head):
        super().__init__()
        self.n_head = n_head
        self.head_dim = d // n_head
        self.scale = 1.0 / math.sqrt(self.head_dim)
        self.ln1 = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln2 = nn.LayerNorm(d)
        self.fc1 = nn.Linear(d, 4 * d)
        self.fc2 = nn.Linear(4 * d, d)

    def forward(self, x, bias):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(c, dim=2)
        q = q.view(b, t, self.n_head, self.head_dim).transpose(1, 2)
        k = k.view(b, t, self.n_head, self.head_dim).transpose(1, 2)
        v = v.view(b, t, self.n_head, self.head_dim).transpose(1, 2)
        att = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) * self.scale + bias, dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).contiguous().view(b, t, c)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class Backbone(nn.Module):
    """Token + position embeddings and causal blocks; positions come from the mask, so left and right padding agree."""

    def __init__(self, vocab, d, n_layer, n_head, max_positions):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_positions, d)
        self.blocks = nn.ModuleList([Block(d, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d)
        self.masked = -1.0e9

    def forward(self, input_ids, attention_mask):
        t = input_ids.size(1)
        positions = (attention_mask.cumsum(-1) - 1).clamp(min=0)
        x = self.tok(input_ids) + self.pos(positions)
        idx = torch.arange(t, device=input_ids.device)
        causal = idx.unsqueeze(0) <= idx.unsqueeze(1)                      # [T(query), T(key)]
        allowed = causal.unsqueeze(0).unsqueeze(0) & (attention_mask > 0).unsqueeze(1).unsqueeze(2)
        bias = torch.zeros(allowed.shape, dtype=x.dtype, device=x.device).masked_fill(~allowed, self.masked)
        for block in self.blocks:
            x = block(x, bias)
        return self.ln_f(x)


class TinyGpt(nn.Module):
    """A causal LM: forward(input_ids int64 [B,T], attention_mask int64 [B,T]) -> logits float32 [B,T,V]."""

    def __init__(self, vocab):
        super().__init__()
        self.backbone = Backbone(vocab, D_MODEL, N_LAYER, N_HEAD, MAX_POSITIONS)
        self.lm_head = nn.Linear(D_MODEL, vocab, bias=False)

    def forward(self, input_ids, attention_mask):
        return self.lm_head(self.backbone(input_ids, attention_mask))


class TinyScoreModel(nn.Module):
    """A score model: forward(input_ids, attention_mask) -> the score at the last non-pad token, float32 [B]."""

    def __init__(self, vocab):
        super().__init__()
        self.backbone = Backbone(vocab, D_MODEL, N_LAYER, N_HEAD, MAX_POSITIONS)
        self.score_head = nn.Linear(D_MODEL, 1)

    def forward(self, input_ids, attention_mask):
        scores = self.score_head(self.backbone(input_ids, attention_mask)).squeeze(-1)   # [B,T]
        t = input_ids.size(1)
        positions = torch.arange(t, device=input_ids.device).unsqueeze(0)
        end = (attention_mask * positions).argmax(-1)                                      # last non-pad index
        return scores.gather(1, end.unsqueeze(1)).squeeze(1)


def pad(rows, left):
    t = max(len(r) for r in rows)
    ids = [([PAD] * (t - len(r)) + r) if left else (r + [PAD] * (t - len(r))) for r in rows]
    mask = [([0] * (t - len(r)) + [1] * len(r)) if left else ([1] * len(r) + [0] * (t - len(r))) for r in rows]
    return torch.tensor(ids, dtype=torch.int64), torch.tensor(mask, dtype=torch.int64)


def next_token_loss(logits, ids, mask):
    """Mean over target tokens of -log p(token t | tokens < t); a target counts when it and its context token are real."""
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    nll = -logp.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    tmask = (mask[:, 1:] * mask[:, :-1]).to(logits.dtype)
    return (nll * tmask).sum() / tmask.sum()


def djl_adamw_step(params, lr, wd, beta1, beta2, eps, max_grad_norm):
    """One step of DJL 0.36's AdamW on PyTorch (native adamUpdate, t = 1) after global-norm clipping as in
    torch.nn.utils.clip_grad_norm_. DJL puts eps outside the bias correction: w -= lr*sqrt(1-b2)/(1-b1) * m/(sqrt(v)+eps)."""
    grads = [p.grad for p in params]
    norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads)).item()
    coef = max_grad_norm / (norm + 1e-6)
    b1 = float(torch.tensor(beta1, dtype=torch.float32))
    b2 = float(torch.tensor(beta2, dtype=torch.float32))
    corrected = float(torch.tensor(lr * math.sqrt(1.0 - b2) / (1.0 - b1), dtype=torch.float32))
    with torch.no_grad():
        for p, g in zip(params, grads):
            if coef < 1.0:
                g = g * coef
            p.sub_(p.mul(lr).mul(wd))
            m = g.mul(1.0 - b1)
            v = g.mul(g).mul(1.0 - b2)
            p.sub_(m.mul(corrected).div(v.sqrt().add(eps)))
    return norm


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_bundle(folder, module, kind, tok_path, source):
    os.makedirs(folder, exist_ok=True)
    model_path = os.path.join(folder, "model.pt")
    module.save(model_path)
    shutil.copyfile(tok_path, os.path.join(folder, "tokenizer.json"))
    manifest = {
        "format": "dualign-torchscript",
        "format_version": 1,
        "kind": kind,
        "model_file": "model.pt",
        "model_sha256": sha256(model_path),
        "tokenizer_file": "tokenizer.json",
        "tokenizer_sha256": sha256(os.path.join(folder, "tokenizer.json")),
        "eos_token": "<eos>",
        "eos_token_id": EOS,
        "pad_token": "<pad>",
        "pad_token_id": PAD,
        "vocab_size": len(VOCAB),
        "max_length": MAX_POSITIONS,
        "fixed_length": None,
        "dtype": "float32",
        "source": source,
        "torch_version": torch.__version__,
    }
    with open(os.path.join(folder, "torchscript.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    return torch.jit.load(model_path)


def floats(t):
    return [float(x) for x in t.reshape(-1).tolist()] if t.dim() <= 1 else [floats(r) for r in t]


def max_abs(a, b):
    return float((a - b).abs().max())


def main(out):
    torch.set_num_threads(1)
    torch.manual_seed(SEED)
    os.makedirs(out, exist_ok=True)
    tok_path = os.path.join(out, "tokenizer.json.tmp")
    with open(tok_path, "w") as f:
        json.dump(tokenizer_json(), f, indent=1)
        f.write("\n")

    vocab = len(VOCAB)
    policy = TinyGpt(vocab).eval()
    score = TinyScoreModel(vocab).eval()

    prompts = [encode(TEMPLATE.format(prompt=p)) for p, _ in PAIRS]
    responses = [encode(" " + r) + [EOS] for _, r in PAIRS]
    rows = [p + r for p, r in zip(prompts, responses)]
    ids_r, mask_r = pad(rows, left=False)
    ids_l, mask_l = pad(rows, left=True)

    # TorchScript: the policy is scripted, the score model traced (as HF exports are), at another length than used below.
    scripted = torch.jit.script(policy)
    trace_ids, trace_mask = pad([rows[1], rows[3]], left=False)
    traced = torch.jit.trace(score, (trace_ids, trace_mask))
    policy_ts = write_bundle(os.path.join(out, "policy"), scripted, "causal-lm", tok_path,
                             "lib/src/test/python/make_torchscript_fixture.py TinyGpt (torch.jit.script)")
    score_ts = write_bundle(os.path.join(out, "score"), traced, "score", tok_path,
                            "lib/src/test/python/make_torchscript_fixture.py TinyScoreModel (torch.jit.trace)")

    os.remove(tok_path)

    with torch.no_grad():
        logits = policy(ids_r, mask_r)
        logits_ts = policy_ts(ids_r, mask_r)
        logits_left = policy_ts(ids_l, mask_l)
        scores = score(ids_r, mask_r)
        scores_ts = score_ts(ids_r, mask_r)
        scores_left = score_ts(ids_l, mask_l)
        scores_single = torch.cat([score(torch.tensor([r]), torch.ones(1, len(r), dtype=torch.int64)) for r in rows])
        loss = next_token_loss(logits, ids_r, mask_r)
        # sequence log-probs computed one unpadded row at a time: sum over response tokens of log p(token | prefix)
        seq_logps = []
        for p, r in zip(prompts, responses):
            full = torch.tensor([p + r])
            lp = torch.log_softmax(policy(full, torch.ones_like(full))[0], dim=-1)
            seq_logps.append(sum(float(lp[len(p) + j - 1, tok]) for j, tok in enumerate(r)))

    # padding must not change real positions; the saved modules must equal the eager ones
    real = mask_r.bool()
    left_real = mask_l.bool()
    checks = {
        "policy_script_vs_eager": max_abs(logits_ts, logits),
        "policy_left_vs_right_real_tokens": max_abs(logits_left[left_real], logits[real]),
        "score_trace_vs_eager": max_abs(scores_ts, scores),
        "score_left_vs_right": max_abs(scores_left, scores),
        "score_unpadded_vs_padded": max_abs(scores_single, scores),
    }
    for name, diff in checks.items():
        assert diff < 1e-5, (name, diff)

    # one training step on the loaded policy (what Java trains), DJL's AdamW rule, global-norm clipping
    train = {"learning_rate": 0.01, "weight_decay": 0.01, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
             "max_grad_norm": 0.5}
    trainable = torch.jit.load(os.path.join(out, "policy", "model.pt"))
    trainable.train()
    params = list(trainable.parameters())
    loss_before = next_token_loss(trainable(ids_r, mask_r), ids_r, mask_r)
    loss_before.backward()
    grad_norm = djl_adamw_step(params, train["learning_rate"], train["weight_decay"], train["beta1"],
                               train["beta2"], train["epsilon"], train["max_grad_norm"])
    with torch.no_grad():
        loss_after = next_token_loss(trainable(ids_r, mask_r), ids_r, mask_r)
    assert loss_after < loss_before, (float(loss_before), float(loss_after))
    train.update({"parameter_tensors": len(params), "grad_norm": grad_norm,
                  "loss_before": float(loss_before), "loss_after": float(loss_after)})

    reference = {
        "generated_by": "lib/src/test/python/make_torchscript_fixture.py",
        "torch_version": torch.__version__,
        "seed": SEED,
        "vocab_size": vocab,
        "pad_token_id": PAD,
        "eos_token_id": EOS,
        "parameters": {"policy": sum(p.numel() for p in policy.parameters()),
                       "score": sum(p.numel() for p in score.parameters())},
        "tokenizer": {"texts": TOKENIZER_TEXTS, "ids": [encode(t) for t in TOKENIZER_TEXTS]},
        "prompt_ids": prompts,
        "response_ids": responses,
        "input_ids": ids_r.tolist(),
        "attention_mask": mask_r.tolist(),
        "input_ids_left": ids_l.tolist(),
        "attention_mask_left": mask_l.tolist(),
        "logits": floats(logits),
        "loss": float(loss),
        "sequence_log_probs": seq_logps,
        "end_scores": floats(scores),
        "train_step": train,
        "python_checks_max_abs_diff": checks,
    }
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")
    print(json.dumps({"parameters": reference["parameters"], "loss": reference["loss"], "train_step": train,
                      "checks": checks}, indent=1))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "lib/src/test/resources/torchscript")
