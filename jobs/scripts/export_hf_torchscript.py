#!/usr/bin/env python3
"""Exports a Hugging Face causal LM or score (reward/cost) model to a dualign TorchScript bundle.

NOT RUNNABLE ON THE DUALIGN BUILD MACHINE: it needs torch (>= 1.13) and transformers (>= 4.38), plus
huggingface_hub when MODEL is a hub id, and the model weights. The build machine has no PyPI and no internet,
so only the --self-test mode (plain torch, no transformers) was run there. Run the export where the model lives:

    pip install torch transformers huggingface_hub safetensors
    python export_hf_torchscript.py causal-lm PKU-Alignment/alpaca-7b-reproduced  out/policy
    python export_hf_torchscript.py score PKU-Alignment/beaver-7b-v1.0-reward out/reward --head-key score_head
    python export_hf_torchscript.py score PKU-Alignment/beaver-7b-v1.0-cost   out/cost   --head-key score_head
    python export_hf_torchscript.py --self-test out/selftest     # plain torch only: checks the wrapping/tracing code

A bundle folder holds:
    model.pt          TorchScript (torch.jit.trace of a wrapper; never a pickle)
    tokenizer.json    the model's fast tokenizer, as DJL's HuggingFaceTokenizer loads it
    torchscript.json  the manifest io.dualign.model.torchscript reads: kind, files, sha256s, eos/pad tokens and ids,
                      vocab size, max length, fixed_length (null when variable lengths were checked to work)
    SHA256SUMS        `sha256sum -c` format, for the two files

The input/output contract (what the wrappers below implement):
    forward(input_ids int64 [B,T], attention_mask int64 [B,T] of 0/1)
      causal-lm -> logits float32 [B,T,V]    (logits[b,t] predicts token t+1)
      score     -> end scores float32 [B]    (the score head read at each row's LAST token whose mask is 1)
    Padding: the Java side right-pads with the tokenizer's pad id; position ids are computed from the mask
    (cumsum(mask)-1), so left padding gives the same values. Rows need at least one real token.
    Dropout: the model is traced in eval mode, so training through DJL runs without dropout.

Score models:
    * AutoModelForSequenceClassification checkpoints with one label (e.g. GPT-2/Llama/Mistral/Qwen2 "...ForSequenceClassification"):
      the base model's hidden states go through the classification head (found as `score`, `classifier`, `v_head`,
      or --head-attr) at every position, and the value at the last mask-1 token is returned. HF's own pooling is
      bypassed because it finds the end from pad_token_id in input_ids, which breaks when pad == eos.
    * safe-rlhf score models (beaver-7b-*-reward/-cost; architecture LlamaForScore, not in transformers):
      --head-key score_head loads the backbone with AutoModel and the head's weight (and bias, if any) from the
      checkpoint files. If the config sets do_normalize, the recorded normaliser (affine for reward: (x-mean)/(std+1e-8),
      scale for cost: x/(std+1e-8)) is applied like safe-rlhf does; otherwise the raw end scores are returned.
    Only decoder-only models are accepted (the config must have a causal-LM class in transformers).
"""
import argparse
import glob
import hashlib
import json
import math
import os
import shutil
import sys

import torch
import torch.nn as nn

FORMAT = "dualign-torchscript"
FORMAT_VERSION = 1


# ----------------------------------------------------------------------------------------------- wrappers

def positions_from_mask(attention_mask):
    """Position ids counted over real tokens only: left and right padding give the same positions."""
    return (attention_mask.cumsum(-1) - 1).clamp(min=0)


def last_real_index(attention_mask):
    """Index of each row's last token whose mask is 1 (safe-rlhf's end index)."""
    t = attention_mask.size(1)
    positions = torch.arange(t, device=attention_mask.device).unsqueeze(0)
    return (attention_mask * positions).argmax(-1)


class CausalLmWrapper(nn.Module):
    """forward(input_ids, attention_mask) -> float32 logits [B,T,V] of an HF causal LM."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids, attention_mask):
        out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                         position_ids=positions_from_mask(attention_mask), use_cache=False, return_dict=True)
        return out.logits.float()


class ScoreWrapper(nn.Module):
    """forward(input_ids, attention_mask) -> float32 end scores [B]: head(hidden state) at the last real token."""

    def __init__(self, backbone, head, normalize_shift=0.0, normalize_scale=1.0):
        super().__init__()
        self.backbone = backbone
        self.head = head
        self.normalize_shift = float(normalize_shift)
        self.normalize_scale = float(normalize_scale)

    def forward(self, input_ids, attention_mask):
        out = self.backbone(input_ids=input_ids, attention_mask=attention_mask,
                            position_ids=positions_from_mask(attention_mask), use_cache=False, return_dict=True)
        scores = self.head(out.last_hidden_state).float()          # [B,T,1]
        scores = scores[..., 0]
        end = last_real_index(attention_mask)
        end_scores = scores.gather(1, end.unsqueeze(1)).squeeze(1)
        return (end_scores - self.normalize_shift) / self.normalize_scale


# ----------------------------------------------------------------------------------------------- loading (transformers)

def resolve(model_id, local_files_only):
    if os.path.isdir(model_id):
        return model_id
    from huggingface_hub import snapshot_download
    return snapshot_download(model_id, local_files_only=local_files_only)


def load_tokenizer(path, pad_token):
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(path, use_fast=True)
    if not tok.is_fast:
        sys.exit(f"the tokenizer of {path} has no fast (tokenizer.json) version; DJL needs tokenizer.json")
    if tok.eos_token is None:
        sys.exit(f"the tokenizer of {path} declares no eos_token")
    pad = pad_token or tok.pad_token or tok.unk_token or tok.eos_token
    return tok, tok.eos_token, pad


def load_causal_lm(path, dtype, attn, untie):
    from transformers import AutoModelForCausalLM
    kwargs = {"torch_dtype": dtype, "attn_implementation": attn}
    if untie:
        kwargs["torchscript"] = True   # HF clones tied embeddings; older torch could not trace shared weights
    model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    return CausalLmWrapper(model.eval()), model.config


def find_head(model, attr):
    names = [attr] if attr else ["score", "classifier", "v_head", "score_head"]
    for name in names:
        head = getattr(model, name, None)
        if isinstance(head, nn.Linear):
            if head.out_features != 1:
                sys.exit(f"head '{name}' has {head.out_features} outputs; a score model needs exactly 1")
            return head
    sys.exit(f"no nn.Linear score head named {names} on {type(model).__name__}; pass --head-attr")


def read_checkpoint_tensors(path, keys):
    """Reads the named tensors from safetensors or (weights_only) .bin checkpoint files of a model folder."""
    found = {}
    st = sorted(glob.glob(os.path.join(path, "*.safetensors")))
    if st:
        from safetensors import safe_open
        for f in st:
            with safe_open(f, framework="pt") as h:
                for k in keys:
                    if k in h.keys():
                        found[k] = h.get_tensor(k)
    else:
        for f in sorted(glob.glob(os.path.join(path, "pytorch_model*.bin"))):
            state = torch.load(f, map_location="cpu", weights_only=True)   # never an unrestricted unpickle
            for k in keys:
                if k in state:
                    found[k] = state[k]
    return found


def load_score_model(path, dtype, attn, head_attr, head_key):
    from transformers import AutoConfig, AutoModel, AutoModelForSequenceClassification
    config = AutoConfig.from_pretrained(path)
    shift, scale = 0.0, 1.0
    if head_key:
        backbone = AutoModel.from_pretrained(path, torch_dtype=dtype, attn_implementation=attn).eval()
        tensors = read_checkpoint_tensors(path, [head_key + ".weight", head_key + ".bias"])
        if head_key + ".weight" not in tensors:
            sys.exit(f"no tensor '{head_key}.weight' in the checkpoint files of {path}")
        w = tensors[head_key + ".weight"]
        if w.dim() != 2 or w.size(0) != 1:
            sys.exit(f"'{head_key}.weight' has shape {tuple(w.shape)}; a score head must be [1, hidden]")
        head = nn.Linear(w.size(1), 1, bias=head_key + ".bias" in tensors).to(dtype)
        with torch.no_grad():
            head.weight.copy_(w)
            if head.bias is not None:
                head.bias.copy_(tensors[head_key + ".bias"])
        if getattr(config, "do_normalize", False):
            mean = getattr(config, "mean", None)
            var = getattr(config, "var", None)
            if mean is None or var is None:
                sys.exit("config sets do_normalize but records no mean/var")
            std = math.sqrt(float(var[0]) if isinstance(var, list) else float(var)) + 1e-8   # safe-rlhf's epsilon
            if getattr(config, "score_type", "reward") == "reward":
                shift = float(mean[0]) if isinstance(mean, list) else float(mean)
            scale = std
    else:
        model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=1, torch_dtype=dtype,
                                                                   attn_implementation=attn).eval()
        head = find_head(model, head_attr)
        backbone = getattr(model, model.base_model_prefix)
    return ScoreWrapper(backbone, head.eval(), shift, scale), config


# ----------------------------------------------------------------------------------------------- tracing and checks

def padded(rows, pad_id, left, length=None):
    t = length or max(len(r) for r in rows)
    ids = [([pad_id] * (t - len(r)) + r) if left else (r + [pad_id] * (t - len(r))) for r in rows]
    mask = [([0] * (t - len(r)) + [1] * len(r)) if left else ([1] * len(r) + [0] * (t - len(r))) for r in rows]
    return torch.tensor(ids, dtype=torch.int64), torch.tensor(mask, dtype=torch.int64)


def sample_rows(tok_encode, lengths, vocab_limit):
    """Rows of real token ids of the given lengths, from a fixed text (repeated), kept below vocab_limit."""
    text = ("BEGINNING OF CONVERSATION: USER: How do I bake bread at home? ASSISTANT: Mix flour, water, salt "
            "and yeast, knead the dough, let it rise for an hour, then bake it in a hot oven. ") * 64
    ids = [i for i in tok_encode(text) if i < vocab_limit]
    return [ids[:n] for n in lengths]


def real_positions(out, mask):
    return out[mask.bool()] if out.dim() == 3 else out


def check_trace(kind, eager, traced, rows, pad_id, atol):
    """Max abs differences eager vs traced (right padding) and left vs right padding, per checked batch."""
    diffs = {}
    with torch.no_grad():
        for name, batch_rows in rows.items():
            ids_r, mask_r = padded(batch_rows, pad_id, left=False)
            ids_l, mask_l = padded(batch_rows, pad_id, left=True)
            e = eager(ids_r, mask_r)
            tr = traced(ids_r, mask_r)
            tl = traced(ids_l, mask_l)
            if kind == "causal-lm":
                d_trace = (real_positions(e, mask_r) - real_positions(tr, mask_r)).abs().max().item()
                d_side = (real_positions(tr, mask_r) - real_positions(tl, mask_l)).abs().max().item()
            else:
                d_trace = (e - tr).abs().max().item()
                d_side = (tr - tl).abs().max().item()
            diffs[name] = {"eager_vs_traced": d_trace, "left_vs_right": d_side}
    ok = all(d["eager_vs_traced"] <= atol and d["left_vs_right"] <= atol for d in diffs.values())
    return ok, diffs


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_bundle(out, kind, traced, tokenizer_json_path, eos, eos_id, pad, pad_id, vocab_size, max_length,
                 fixed_length, dtype_name, source, checks):
    os.makedirs(out, exist_ok=True)
    model_path = os.path.join(out, "model.pt")
    torch.jit.save(traced, model_path)
    tok_path = os.path.join(out, "tokenizer.json")
    if os.path.abspath(tokenizer_json_path) != os.path.abspath(tok_path):
        shutil.copyfile(tokenizer_json_path, tok_path)
    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "kind": kind,
        "model_file": "model.pt",
        "model_sha256": sha256(model_path),
        "tokenizer_file": "tokenizer.json",
        "tokenizer_sha256": sha256(tok_path),
        "eos_token": eos,
        "eos_token_id": int(eos_id),
        "pad_token": pad,
        "pad_token_id": int(pad_id),
        "vocab_size": int(vocab_size),
        "max_length": int(max_length),
        "fixed_length": fixed_length,
        "dtype": dtype_name,
        "source": source,
        "torch_version": torch.__version__,
        "export_checks": checks,
    }
    with open(os.path.join(out, "torchscript.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    with open(os.path.join(out, "SHA256SUMS"), "w") as f:
        f.write(f"{manifest['model_sha256']}  model.pt\n{manifest['tokenizer_sha256']}  tokenizer.json\n")
    return manifest


def trace_and_write(kind, wrapper, out, tok_encode, tokenizer_json_path, eos, eos_id, pad, pad_id, vocab_size,
                    max_length, fixed_length, trace_length, atol, dtype_name, source):
    wrapper = wrapper.eval()
    for p in wrapper.parameters():
        p.requires_grad_(True)      # DJL's trainParam trains what requires grad
    if fixed_length:
        length = fixed_length
        rows = {"fixed": sample_rows(tok_encode, [length, length - 3, max(2, length // 2)], vocab_size)}
        example = padded(rows["fixed"], pad_id, left=False, length=length)
        check_rows = {"fixed": rows["fixed"]}
    else:
        length = min(trace_length, max_length)
        example = padded(sample_rows(tok_encode, [length, length - 3], vocab_size), pad_id, left=False)
        longer = min(max_length, 2 * length + 5)
        check_rows = {
            f"T={length}": sample_rows(tok_encode, [length, length - 3], vocab_size),
            f"T={max(2, length // 2 - 1)}": sample_rows(tok_encode, [max(2, length // 2 - 1), 2], vocab_size),
            f"T={longer}": sample_rows(tok_encode, [longer, longer // 2, 1], vocab_size),
        }
    # traced with autograd on: some modules take inference-only fast paths under no_grad that cannot train
    traced = torch.jit.trace(wrapper, example, check_trace=False)
    ok, diffs = check_trace(kind, wrapper, traced, check_rows, pad_id, atol)
    print(json.dumps({"trace_length": length, "fixed_length": fixed_length, "checks": diffs}, indent=1))
    if not ok:
        hint = "" if fixed_length else (" Variable lengths may not be captured by this model's trace: re-export with "
                                        "--fixed-length N (N >= your longest prompt+response); Java then pads to N.")
        sys.exit(f"trace check failed (atol {atol}): {diffs}.{hint}")
    return write_bundle(out, kind, traced, tokenizer_json_path, eos, eos_id, pad, pad_id, vocab_size, max_length,
                        fixed_length, dtype_name, source, diffs)


# ----------------------------------------------------------------------------------------------- main

DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def export(args):
    import tempfile
    path = resolve(args.model, args.local_files_only)
    dtype = DTYPES[args.dtype]
    from transformers import MODEL_FOR_CAUSAL_LM_MAPPING, AutoConfig
    config = AutoConfig.from_pretrained(path)
    if getattr(config, "is_encoder_decoder", False) or type(config) not in MODEL_FOR_CAUSAL_LM_MAPPING:
        sys.exit(f"{args.model} ({type(config).__name__}) is not a decoder-only model with a causal-LM class")
    tok, eos, pad = load_tokenizer(path, args.pad_token)
    if args.kind == "causal-lm":
        wrapper, config = load_causal_lm(path, dtype, args.attn_implementation, args.untie_weights)
        vocab_size = wrapper.model.get_output_embeddings().weight.size(0)
    else:
        wrapper, config = load_score_model(path, dtype, args.attn_implementation, args.head_attr, args.head_key)
        vocab_size = wrapper.backbone.get_input_embeddings().weight.size(0)
    positions = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    max_length = min(args.max_length, positions) if positions else args.max_length
    eos_id = tok.convert_tokens_to_ids(eos)
    pad_id = tok.convert_tokens_to_ids(pad)
    with tempfile.TemporaryDirectory() as tmp:
        tok.save_pretrained(tmp)
        tj = os.path.join(tmp, "tokenizer.json")
        if not os.path.isfile(tj):
            sys.exit(f"the tokenizer of {args.model} did not write a tokenizer.json")
        manifest = trace_and_write(
            args.kind, wrapper, args.out, lambda s: tok(s, add_special_tokens=False)["input_ids"], tj, eos, eos_id,
            pad, pad_id, vocab_size, max_length, args.fixed_length, args.trace_length, args.atol, args.dtype,
            f"{args.model} ({args.kind}, exported by jobs/scripts/export_hf_torchscript.py)")
    print(json.dumps({k: manifest[k] for k in ("kind", "model_sha256", "eos_token_id", "pad_token_id",
                                                "vocab_size", "max_length", "fixed_length")}, indent=1))


class _SelfTestLm(nn.Module):
    """An HF-shaped stand-in (keyword forward, .logits / .last_hidden_state outputs) built from plain torch."""

    class _Out:
        def __init__(self, logits=None, hidden=None):
            self.logits = logits
            self.last_hidden_state = hidden

    def __init__(self, vocab, d=16, max_pos=64, lm=True):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(max_pos, d)
        self.norm = nn.LayerNorm(d)
        self.qkv = nn.Linear(d, 3 * d)
        self.scale = 1.0 / math.sqrt(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d), nn.Dropout(0.1))
        self.lm_head = nn.Linear(d, vocab, bias=False) if lm else None

    def get_input_embeddings(self):
        return self.tok

    def forward(self, input_ids, attention_mask, position_ids, use_cache, return_dict):
        t = input_ids.size(1)
        idx = torch.arange(t, device=input_ids.device)
        allowed = (idx.unsqueeze(0) <= idx.unsqueeze(1)).unsqueeze(0) & (attention_mask > 0).unsqueeze(1)
        x = self.tok(input_ids) + self.pos(position_ids)
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=-1)
        att = torch.matmul(q, k.transpose(1, 2)) * self.scale
        att = torch.softmax(att.masked_fill(~allowed, -1e9), dim=-1)
        h = x + torch.matmul(att, v)
        h = h + self.mlp(h)
        return self._Out(logits=self.lm_head(h)) if self.lm_head is not None else self._Out(hidden=h)


def self_test(out):
    """Runs the wrapping, tracing, checks and bundle writing on plain-torch stand-ins with a WordLevel tokenizer."""
    torch.manual_seed(7)
    words = ["<pad>", "<eos>", "<unk>"] + [f"w{i}" for i in range(45)]
    vocab = {w: i for i, w in enumerate(words)}
    tokenizer = {"version": "1.0", "truncation": None, "padding": None,
                 "added_tokens": [{"id": i, "content": w, "single_word": False, "lstrip": False, "rstrip": False,
                                   "normalized": False, "special": True} for i, w in enumerate(words[:3])],
                 "normalizer": None, "pre_tokenizer": {"type": "Whitespace"}, "post_processor": None,
                 "decoder": None, "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "<unk>"}}
    os.makedirs(out, exist_ok=True)
    tj = os.path.join(out, "tokenizer.self-test.json")
    with open(tj, "w") as f:
        json.dump(tokenizer, f)
    encode = lambda s: [3 + (sum(map(ord, w)) % 45) for w in s.split()]   # any ids in range do for tracing
    rows = [[3, 10, 11, 12, 13, 1], [3, 20, 21, 1], [5]]
    ids, mask = padded(rows, 0, left=False)
    reference = {"input_ids": ids.tolist(), "attention_mask": mask.tolist()}
    for kind in ("causal-lm", "score"):
        if kind == "causal-lm":
            wrapper = CausalLmWrapper(_SelfTestLm(len(words)))
        else:
            wrapper = ScoreWrapper(_SelfTestLm(len(words), lm=False), nn.Linear(16, 1), 0.5, 2.0)
        trace_and_write(kind, wrapper, os.path.join(out, kind), encode, tj, "<eos>", 1, "<pad>", 0, len(words), 64,
                        None, 16, 1e-4, "float32", "export_hf_torchscript.py --self-test")
        with torch.no_grad():
            got = torch.jit.load(os.path.join(out, kind, "model.pt"))(ids, mask)
        reference[kind] = got.reshape(-1).tolist()
    os.remove(tj)
    with open(os.path.join(out, "reference.json"), "w") as f:
        json.dump(reference, f)
        f.write("\n")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("kind", nargs="?", choices=["causal-lm", "score"])
    p.add_argument("model", nargs="?", help="a local HF model folder or a hub id")
    p.add_argument("out", nargs="?", help="the bundle folder to write")
    p.add_argument("--dtype", choices=sorted(DTYPES), default="float32",
                   help="weights dtype (outputs are always float32); float32 for CPU executors")
    p.add_argument("--attn-implementation", default="eager", help="HF attention implementation to trace")
    p.add_argument("--max-length", type=int, default=2048, help="longest sequence recorded in the manifest")
    p.add_argument("--trace-length", type=int, default=32, help="example length for tracing (variable-length mode)")
    p.add_argument("--fixed-length", type=int, default=None,
                   help="trace at exactly this length and record it; Java pads every batch to it")
    p.add_argument("--atol", type=float, default=1e-3, help="tolerance of the eager-vs-traced and padding checks")
    p.add_argument("--pad-token", default=None, help="pad token (default: tokenizer's pad, else unk, else eos)")
    p.add_argument("--head-attr", default=None, help="score head attribute of a sequence-classification model")
    p.add_argument("--head-key", default=None,
                   help="checkpoint key prefix of a score head outside transformers (safe-rlhf: score_head)")
    p.add_argument("--untie-weights", action="store_true", help="load with torchscript=True (HF unties embeddings)")
    p.add_argument("--local-files-only", action="store_true", help="never download; MODEL must be cached")
    p.add_argument("--self-test", metavar="OUT", help="exercise this script with plain-torch stand-ins, no transformers")
    args = p.parse_args()
    if args.self_test:
        self_test(args.self_test)
        return
    if not (args.kind and args.model and args.out):
        p.error("KIND MODEL OUT are required (or --self-test OUT)")
    export(args)


if __name__ == "__main__":
    main()
