#!/usr/bin/env python3
"""The Python peer of `dualign bench hf`: the same model work timed with transformers on CPU, float32.

Run with the reference virtual environment (torch 2.7.1, transformers 4.57.6; lib/src/test/resources/hf/README.md):

    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python jobs/scripts/bench_hf_peer.py \
        --model ~/.cache/dualign/models/smollm2-135m-instruct --threads 2 --new-tokens 128 --batches 1,16,64 \
        [--seed 0] [--score-model DIR] [--rounds 1] [--nocache-batch 1]

What it measures (torch.set_num_threads(--threads), interop threads 1, attn_implementation "eager", no grad):
  generation   for each batch size B of --batches: B rows cycling through PROMPTS (each rendered with the model's
               chat template, add_generation_prompt=True, left-padded to the longest), model.generate with
               do_sample=True, temperature 1.0, top_p 0.9, top_k 0 (off), KV cache on, EOS disabled (no
               eos_token_id: every row makes exactly --new-tokens tokens). gen_tokens_per_s_bB = B * new_tokens /
               wall seconds of the whole generate call (prefill included; prompt tokens are not counted).
  no cache     batch --nocache-batch (1), --nocache-tokens new tokens (default 32), the same sampling with
               use_cache=False (every step recomputes the whole sequence), and the cached run of the same shape:
               nocache_tokens_per_s_bN, cached_short_tokens_per_s_bN, cache_speedup_bN = uncached / cached seconds.
  log-prob     the DPO forward: --logprob-batch rows (16) of --logprob-tokens tokens (256; seeded random ids of the
               tokenizer's ordinary tokens, no padding), one full forward of the causal model, then the log-softmax of
               the response tokens (the second half of each row) gathered as logit[token] - logsumexp(logits) (trl's
               selective_log_softmax for float32). logprob_tokens_per_s = batch * tokens / seconds.
  dpo          --dpo-steps (3; 0: skipped) DPO training steps after one warm-up step, on a fresh copy of the model,
               with LoRA (peft, r 8, alpha 16, dropout 0, q/k/v/o_proj) and with full fine-tuning: --dpo-pairs
               pairs (4) of --dpo-tokens tokens (128: half prompt, half response; seeded random ids), the
               sigmoid DPO loss (beta 0.1) against reference log-probs computed once, AdamW (lr 1e-5) over the
               trainable parameters. dpo_<mode>_tokens_per_s = steps * 2 * pairs * tokens / seconds;
               dpo_<mode>_peak_mb = the process's peak resident memory during the steps (VmHWM after resetting
               it through /proc/self/clear_refs) above its resident memory at the reset, in MB.
  scoring      with --score-model DIR (a *ForSequenceClassification folder or safe-rlhf's LlamaForScore layout):
               --score-batch rows (16) of --score-tokens tokens (128; seeded random ids), end scores of the last
               token; score_rows_per_s = rows / seconds over --score-reps batches (4).
Each figure is the best of --rounds runs after a short warm-up. Progress lines go to stderr; the last line on stdout
is one JSON object with every figure, the settings and the versions.
"""
import argparse
import json
import os
import platform
import sys
import time

import torch
import torch.nn as nn
import transformers
from transformers import (AutoConfig, AutoModelForCausalLM, AutoModelForSequenceClassification, AutoTokenizer,
                          GenerationConfig, LlamaModel, LlamaPreTrainedModel)

PROMPTS = [
    "What is the capital of France?",
    "Give me three tips for staying healthy.",
    "How do I make a cup of tea?",
    "Write a short poem about the sea.",
    "Explain what a neural network is in simple words.",
    "What should I pack for a weekend hiking trip?",
    "Summarize the plot of Romeo and Juliet.",
    "How can I learn to cook on a small budget?",
]


def log(msg):
    print(f"[bench_hf_peer] {msg}", file=sys.stderr, flush=True)


class LlamaForScore(LlamaPreTrainedModel):
    """safe-rlhf's LlamaForScore in eval mode (see lib/src/test/python/make_hf_fixtures.py for the source and formula):
    end score = score_head(last hidden state at the last token), normalised when config.do_normalize."""

    def __init__(self, config):
        super().__init__(config)
        self.model = LlamaModel(config)
        self.score_head = nn.Linear(config.hidden_size, getattr(config, "score_dim", 1),
                                    bias=getattr(config, "score_bias", True))
        self.normalizer = nn.Module()
        dim = getattr(config, "score_dim", 1)
        self.normalizer.register_buffer("mean", torch.zeros(dim))
        self.normalizer.register_buffer("var", torch.ones(dim))
        self.normalizer.register_buffer("count", torch.zeros(1, dtype=torch.long))
        self.post_init()

    def forward(self, input_ids, attention_mask=None):
        h = self.model(input_ids, attention_mask=attention_mask).last_hidden_state
        end = self.score_head(h[:, -1]).float()
        if getattr(self.config, "do_normalize", False):
            kind = getattr(self.config, "score_type", "reward")
            std = self.normalizer.var.sqrt() + 1e-8
            end = (end - self.normalizer.mean) / std if kind == "reward" else end / std if kind == "cost" else end
        return end


def load_score_model(folder):
    cfg = AutoConfig.from_pretrained(folder)
    if "LlamaForScore" in (cfg.architectures or []):
        return LlamaForScore.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32).eval()
    return AutoModelForSequenceClassification.from_pretrained(folder, attn_implementation="eager",
                                                              dtype=torch.float32).eval()


def ordinary_ids(tok, n_rows, n_tokens, seed):
    """Seeded random ids of ordinary (not special/added) tokens."""
    special = set(tok.all_special_ids) | set(getattr(tok, "added_tokens_decoder", {}).keys())
    low = max(special) + 1 if special else 0
    g = torch.Generator().manual_seed(seed)
    return torch.randint(low, len(tok), (n_rows, n_tokens), generator=g)


def render(tok, prompt):
    if tok.chat_template:
        return tok.apply_chat_template([{"role": "user", "content": prompt}], tokenize=False,
                                       add_generation_prompt=True)
    return prompt


def resident_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise SystemExit(f"no {field} in /proc/self/status")


def dpo_figures(a, mode):
    """DPO steps with LoRA or full fine-tuning on a fresh copy of the model (see the module docstring)."""
    import gc
    gc.collect()
    model = AutoModelForCausalLM.from_pretrained(a.model, attn_implementation="eager", dtype=torch.float32)
    tok = AutoTokenizer.from_pretrained(a.model)
    if mode == "lora":
        import peft
        model = peft.get_peft_model(model, peft.LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, target_modules=[
            "q_proj", "k_proj", "v_proj", "o_proj"], task_type="CAUSAL_LM"))
    model.train()
    half = a.dpo_tokens // 2
    chosen = ordinary_ids(tok, a.dpo_pairs, a.dpo_tokens, a.seed + 2)
    rejected = torch.cat([chosen[:, :half], ordinary_ids(tok, a.dpo_pairs, a.dpo_tokens - half, a.seed + 3)], 1)
    both = torch.cat([chosen, rejected], 0)

    def logps():
        logits = model(input_ids=both, attention_mask=torch.ones_like(both), use_cache=False).logits
        pred = logits[:, half - 1:-1].float()
        target = both[:, half:]
        lp = (pred.gather(-1, target.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(pred, dim=-1)).sum(-1)
        return lp[:a.dpo_pairs], lp[a.dpo_pairs:]

    with torch.no_grad():
        ref_c, ref_r = logps()
    opt = torch.optim.AdamW([q for q in model.parameters() if q.requires_grad], lr=1e-5)

    def step():
        c, r = logps()
        loss = -torch.nn.functional.logsigmoid(0.1 * ((c - ref_c) - (r - ref_r))).mean()
        opt.zero_grad(set_to_none=False)
        loss.backward()
        opt.step()
        return float(loss)

    gc.collect()
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    base = resident_kb("VmRSS")
    step()                                                    # warm-up (allocates gradients and moments)
    start = time.perf_counter()
    for _ in range(a.dpo_steps):
        step()
    seconds = time.perf_counter() - start
    peak_mb = (resident_kb("VmHWM") - base) / 1024
    toks = a.dpo_steps * 2 * a.dpo_pairs * a.dpo_tokens
    trainable = sum(q.numel() for q in model.parameters() if q.requires_grad)
    log(f"DPO {mode}: {trainable} trainable parameters, {toks / seconds:.1f} tokens/s, peak {peak_mb:.0f} MB "
        f"above the loaded model")
    del model, opt
    return {f"dpo_{mode}_tokens_per_s": round(toks / seconds, 2), f"dpo_{mode}_peak_mb": round(peak_mb, 1),
            f"dpo_{mode}_trainable_parameters": trainable}


def best_of(rounds, fn):
    return min(fn() for _ in range(rounds))


def main():
    p = argparse.ArgumentParser(description="transformers peer of dualign bench hf")
    p.add_argument("--model", required=True, help="causal LM folder (Hugging Face layout)")
    p.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("--new-tokens", type=int, default=128)
    p.add_argument("--batches", default="1,16,64")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--rounds", type=int, default=1)
    p.add_argument("--nocache-tokens", type=int, default=32)
    p.add_argument("--nocache-batch", type=int, default=1)
    p.add_argument("--logprob-batch", type=int, default=16)
    p.add_argument("--logprob-tokens", type=int, default=256)
    p.add_argument("--score-model")
    p.add_argument("--score-batch", type=int, default=16)
    p.add_argument("--score-tokens", type=int, default=128)
    p.add_argument("--score-reps", type=int, default=4)
    p.add_argument("--skip-logprob", action="store_true")
    p.add_argument("--dpo-steps", type=int, default=3)
    p.add_argument("--dpo-pairs", type=int, default=4)
    p.add_argument("--dpo-tokens", type=int, default=128)
    a = p.parse_args()
    batches = [int(b) for b in a.batches.split(",") if b]

    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    t0 = time.time()
    model = AutoModelForCausalLM.from_pretrained(a.model, attn_implementation="eager", dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(a.model)
    tok.padding_side = "left"
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    model.generation_config.eos_token_id = None       # EOS never stops a row
    log(f"loaded {type(model).__name__} ({sum(x.numel() for x in model.parameters()) / 1e6:.1f}M parameters) "
        f"in {time.time() - t0:.1f}s, threads {torch.get_num_threads()}")
    texts = [render(tok, q) for q in PROMPTS]

    def gen(batch, new_tokens, use_cache):
        enc = tok([texts[i % len(texts)] for i in range(batch)], return_tensors="pt", padding=True,
                  add_special_tokens=False)
        cfg = GenerationConfig(do_sample=True, temperature=1.0, top_p=0.9, top_k=0, max_new_tokens=new_tokens,
                               min_new_tokens=0, eos_token_id=None, pad_token_id=pad, use_cache=use_cache)
        torch.manual_seed(a.seed)
        start = time.perf_counter()
        with torch.no_grad():
            out = model.generate(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                                 generation_config=cfg)
        seconds = time.perf_counter() - start
        made = out.shape[1] - enc["input_ids"].shape[1]
        if made != new_tokens:
            raise SystemExit(f"generation made {made} tokens per row, not {new_tokens}")
        return seconds, int(enc["attention_mask"].sum())

    gen(1, 4, True)    # warm-up
    result = {"bench": "hf-peer", "model": os.path.abspath(a.model), "class": type(model).__name__,
              "threads": torch.get_num_threads(), "new_tokens": a.new_tokens, "batches": batches, "seed": a.seed,
              "rounds": a.rounds, "sampling": {"temperature": 1.0, "top_p": 0.9, "top_k": 0, "eos": "disabled"}}
    for b in batches:
        runs = [gen(b, a.new_tokens, True) for _ in range(a.rounds)]
        seconds, prompt_tokens = min(runs)
        result[f"gen_tokens_per_s_b{b}"] = round(b * a.new_tokens / seconds, 2)
        result[f"gen_seconds_b{b}"] = round(seconds, 3)
        result[f"gen_prompt_tokens_b{b}"] = prompt_tokens
        log(f"generate batch {b}: {b * a.new_tokens} new tokens in {seconds:.2f}s = "
            f"{b * a.new_tokens / seconds:.1f} tokens/s")

    n, nb = a.nocache_tokens, a.nocache_batch
    cached = min(gen(nb, n, True)[0] for _ in range(a.rounds))
    uncached = min(gen(nb, n, False)[0] for _ in range(a.rounds))
    result.update({"nocache_new_tokens": n, "nocache_batch": nb,
                   f"cached_short_tokens_per_s_b{nb}": round(nb * n / cached, 2),
                   f"nocache_tokens_per_s_b{nb}": round(nb * n / uncached, 2),
                   f"cache_speedup_b{nb}": round(uncached / cached, 2)})
    log(f"batch {nb}, {n} tokens: cached {nb * n / cached:.1f} tokens/s, no cache {nb * n / uncached:.1f} tokens/s "
        f"(x{uncached / cached:.2f})")

    if not a.skip_logprob:
        ids = ordinary_ids(tok, a.logprob_batch, a.logprob_tokens, a.seed)
        half = a.logprob_tokens // 2

        def logprob():
            start = time.perf_counter()
            with torch.no_grad():
                logits = model(input_ids=ids, attention_mask=torch.ones_like(ids), use_cache=False).logits
                pred = logits[:, half - 1:-1]                      # positions predicting the response tokens
                target = ids[:, half:]
                lp = pred.gather(-1, target.unsqueeze(-1)).squeeze(-1) - torch.logsumexp(pred, dim=-1)
                seq = lp.sum(-1)
            assert torch.isfinite(seq).all()
            return time.perf_counter() - start

        logprob_fn = lambda: logprob()
        seconds = best_of(a.rounds, logprob_fn)
        toks = a.logprob_batch * a.logprob_tokens
        result.update({"logprob_batch": a.logprob_batch, "logprob_tokens": a.logprob_tokens,
                       "logprob_response_tokens": a.logprob_batch * (a.logprob_tokens - half),
                       "logprob_seconds": round(seconds, 3), "logprob_tokens_per_s": round(toks / seconds, 2)})
        log(f"log-prob forward {a.logprob_batch}x{a.logprob_tokens}: {seconds:.2f}s = {toks / seconds:.1f} tokens/s")
    del model

    if a.score_model:
        scorer = load_score_model(a.score_model)
        stok = AutoTokenizer.from_pretrained(a.score_model)
        ids = ordinary_ids(stok, a.score_batch, a.score_tokens, a.seed + 1)
        mask = torch.ones_like(ids)
        with torch.no_grad():
            scorer(input_ids=ids[:1, :8], attention_mask=mask[:1, :8])    # warm-up

        def score():
            start = time.perf_counter()
            with torch.no_grad():
                for _ in range(a.score_reps):
                    out = scorer(input_ids=ids, attention_mask=mask)
                    end = out if torch.is_tensor(out) else out.logits
                    assert end.shape[0] == a.score_batch
            return time.perf_counter() - start

        seconds = best_of(a.rounds, score)
        rows = a.score_batch * a.score_reps
        result.update({"score_model": os.path.abspath(a.score_model), "score_class": type(scorer).__name__,
                       "score_batch": a.score_batch, "score_tokens": a.score_tokens, "score_rows": rows,
                       "score_seconds": round(seconds, 3), "score_rows_per_s": round(rows / seconds, 2)})
        log(f"scoring {rows} rows of {a.score_tokens} tokens ({type(scorer).__name__}): {rows / seconds:.1f} rows/s")

    if a.dpo_steps > 0:
        for mode in ("lora", "full"):
            result.update(dpo_figures(a, mode))

    result["versions"] = {"python": platform.python_version(), "torch": torch.__version__,
                          "transformers": transformers.__version__}
    result["wall_seconds"] = round(time.time() - t0, 1)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
