#!/usr/bin/env python3
"""Builds the tiny Hugging Face model folders of io.dualign.model.hf and records transformers' own outputs on them.

Run with the reference virtual environment (torch 2.7.1, transformers 4.57.6; see lib/src/test/resources/hf/README.md):

    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python lib/src/test/python/make_hf_fixtures.py lib/src/test/resources/hf

and, to check a folder that dualign's Java saver wrote against transformers:

    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python lib/src/test/python/make_hf_fixtures.py reload <folder> <out.json>

which loads <folder> with AutoModelForCausalLM.from_pretrained and writes the logits of the same three prompts,
one row at a time (batch 1, no padding), in the format of reference.json ("prompts", "logits", "logits_shape");
and, to check a LoRA adapter that dualign wrote against PEFT:

    HF_HUB_OFFLINE=1 ~/.venvs/ref/bin/python lib/src/test/python/make_hf_fixtures.py peft <base> <adapter> <out.json>

which loads <base> as above, wraps it with peft.PeftModel.from_pretrained(model, <adapter>) and writes the same
fields (and "merged_max_abs_diff": how far merge_and_unload()'s logits are from the adapter's).

It writes, under the output folder, one folder per model, each exactly as save_pretrained(dir, safe_serialization=True)
writes it (config.json, model.safetensors or model.safetensors.index.json + shards, generation_config.json for causal
LMs), plus the shared tokenizer files (tokenizer.json, tokenizer_config.json, special_tokens_map.json) and
reference.json (the outputs below):

  llama-mha          LlamaForCausalLM, 4 heads / 4 kv heads, untied lm_head, rope_theta 1e4, rms_norm_eps 1e-6
  llama-gqa-tied     LlamaForCausalLM, 4 heads / 2 kv heads, tied embeddings, rope_theta 5e5, eps 1e-5, 3 shards
  llama3-rope        LlamaForCausalLM, 8 heads / 2 kv heads, head_dim 8, rope_scaling llama3 (original 64 positions):
                     of the 4 rotary frequencies one is kept, one smoothed and two scaled
  llama-linear-rope  LlamaForCausalLM, rope_scaling linear factor 2
  mistral            MistralForCausalLM, 4 heads / 1 kv head, sliding_window 16
  qwen2              Qwen2ForCausalLM (q/k/v biases, set to non-zero values), tied embeddings, 4 heads / 2 kv heads
  llama-seqcls       LlamaForSequenceClassification, num_labels 1, pad_token_id 3
  qwen2-seqcls       Qwen2ForSequenceClassification, num_labels 1, pad_token_id 3
  llama-score        safe-rlhf's LlamaForScore (the class of beaver-7b-v1.0-reward/cost), see LlamaForScore below

reference.json holds (floats rounded to float32, shortest form):
  prompts        three token-id rows (5, 11 and 8 tokens)
  logits         causal LMs: per row, run alone (batch 1, no padding), the float32 logits [len, vocab] flattened
  greedy         causal LMs: per row alone, 16 greedy new tokens; EOS neither stops nor is suppressed
                 (model.generate with do_sample=False and no eos_token_id, checked against a no-cache argmax loop)
  greedy_min_margin  the smallest top-1 minus top-2 logit gap met while decoding (how robust the argmax is); the
                 seed of each causal LM is the first whose gaps are all >= 0.01
  end_scores     score models: per row alone, the end score (the value at the last token; seqcls: logits[0, 0];
                 LlamaForScore: normalised end_scores[0, 0]); llama-score also has end_scores_raw (before normalising)
  rope           causal LMs: the rotary inv_freq and attention_scaling transformers computed from config.json
  template       for two chat conversations, apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
                 and its ids (apply_chat_template(..., tokenize=True))
  tokenizer      a few texts and their ids (tokenizer(text, add_special_tokens=False)) and the decoded texts
  config, versions, seed

The tokenizer is a byte-level BPE (GPT-2's ByteLevel pre-tokenizer, add_prefix_space false, and decoder) trained with
the tokenizers library on TRAINING_TEXT below (vocab 352 = 256 bytes + 4 special tokens + 92 merges); its merges are
written in the classic "a b" string form, which every tokenizers version (including DJL's) reads. Models have
vocab_size 384, more than the tokenizer (as real checkpoints often do).

Everything is seeded and computed in float32 on one CPU thread with attn_implementation="eager". CI does not run this
script (it needs torch): the committed outputs are what the Java tests read.
"""
import json
import math
import os
import platform
import shutil
import sys
import tempfile

import numpy as np
import safetensors
import tokenizers
import torch
import torch.nn as nn
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import (AutoModelForCausalLM, AutoTokenizer, LlamaConfig, LlamaForCausalLM,
                          LlamaForSequenceClassification, LlamaModel, LlamaPreTrainedModel, MistralConfig,
                          MistralForCausalLM, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM,
                          Qwen2ForSequenceClassification)

SEED = 20240611
MODEL_VOCAB = 384
TOKENIZER_VOCAB = 352
NEW_TOKENS = 16
MIN_MARGIN = 0.01
SPECIAL = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<pad>"]
UNK, BOS, EOS, PAD = 0, 1, 2, 3          # ids of the special tokens above (trained first, so ids 0..3)
TOKEN_IDS = dict(bos_token_id=BOS, eos_token_id=EOS, pad_token_id=PAD)

TRAINING_TEXT = """\
The quick brown fox jumps over the lazy dog. A helpful assistant answers the question of the user with care.
You are a helpful assistant. What is the capital of France? The capital of France is Paris.
How do I make a cup of tea? Boil the water, put the tea in the cup, pour the water and wait three minutes.
Give me three tips for staying healthy: eat well, sleep well and walk every day.
The model reads the tokens, then it writes the next token, one at a time, until the end of the text.
It is not safe to share a password. I am sorry, but I cannot help with that. Thank you, that is very kind!
Numbers like 12, 345 and 2024 are split into pieces. Alignment keeps the answers helpful and harmless.
"""

# ChatML, as SmolLM2-Instruct's template (with a shorter default system prompt).
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{% endif %}"
    "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
CONVERSATIONS = [
    [{"role": "user", "content": "What is the capital of France?"}],
    [{"role": "system", "content": "You answer in one short sentence."},
     {"role": "user", "content": "How do I make a cup of tea?"}],
]
TOKENIZER_TEXTS = [
    "The quick brown fox jumps over the lazy dog.",
    "  Two spaces, tabs\tand\nnew lines!",
    "Numbers 2024 and 3.14159; caf\u00e9 na\u00efve \u00fcber \u2014 \u4f60\u597d \U0001f600",
    "<|im_start|>user\nHi<|im_end|>\n<pad><|endoftext|>",
]
PROMPT_TEXTS = [
    "How do I make a cup of tea?",
    "Give me three tips for staying healthy: eat well, sleep well and walk every day.",
    "The model reads the tokens, then it writes the next token.",
]
PROMPT_LENGTHS = [5, 11, 8]

# ---------------------------------------------------------------------------------------------------------------
# safe-rlhf's LlamaForScore, rebuilt on transformers' own LlamaModel.
#
# Source: PKU-Alignment/safe-rlhf, safe_rlhf/models/score_model/__init__.py (ScoreModelMixin.init_score_head and
# get_scores), safe_rlhf/models/score_model/llama/modeling_llama.py (LlamaForScore) and safe_rlhf/models/normalizer.py
# (Normalizer.normalize). What they do, in eval mode:
#   h          = LlamaModel(input_ids, attention_mask).last_hidden_state            [B, L, E] (after the final RMSNorm)
#   scores     = score_head(h).float()       score_head = nn.Linear(E, score_dim, bias=score_bias)   [B, L, D]
#   end_index  = index of the last non-zero of attention_mask, per row             (torch.cat([m.nonzero()[-1] ...]))
#   end_scores = scores[b, end_index[b], :]                                         [B, D]
#   if do_normalize:  scores and end_scores = normalize(.)   with the function chosen by score_type
#       (init_score_head: reward -> 'affine', cost -> 'scale', critic -> 'identity'; config key normalize_function is
#        written by safe-rlhf but the function actually used comes from score_type):
#       affine:   (x - mean) / (sqrt(var) + 1e-8)
#       scale:    x / (sqrt(var) + 1e-8)
#       translate x - mean;  identity x
#   mean, var (shape [D]) and count (shape [1], int64) are buffers of the normalizer module, saved as
#   normalizer.mean / normalizer.var / normalizer.count; init_score_head also reads config.mean / config.var
#   (set_mean_var), and the loaded buffers override them; here both hold the same values.
# Weight names: model.* (the LlamaModel), score_head.weight [D, E], score_head.bias [D], normalizer.{mean,var,count}.
# Config keys: score_dim, score_bias, score_type, do_normalize, normalize_function, normalizer_type, momentum, mean,
# var, architectures ["LlamaForScore"].
# ---------------------------------------------------------------------------------------------------------------
SCORE_MEAN = 0.3
SCORE_VAR = 2.25


class Normalizer(nn.Module):
    """safe-rlhf's Normalizer buffers (mean [D], var [D], count [1] int64) and its normalize()."""

    def __init__(self, function, dim):
        super().__init__()
        self.function = function
        self.register_buffer("mean", torch.zeros(dim))
        self.register_buffer("var", torch.ones(dim))
        self.register_buffer("count", torch.zeros(1, dtype=torch.long))

    def normalize(self, data, epsilon=1e-8):
        if self.function == "affine":
            return (data - self.mean) / (self.var.sqrt() + epsilon)
        if self.function == "scale":
            return data / (self.var.sqrt() + epsilon)
        if self.function == "translate":
            return data - self.mean
        if self.function == "identity":
            return data
        raise ValueError(self.function)


class LlamaForScore(LlamaPreTrainedModel):
    """The shape of safe_rlhf.models.score_model.llama.modeling_llama.LlamaForScore (eval mode only)."""

    def __init__(self, config):
        super().__init__(config)
        self.model = LlamaModel(config)
        self.score_head = nn.Linear(config.hidden_size, config.score_dim, bias=config.score_bias)
        function = {"reward": "affine", "cost": "scale", "critic": "identity"}[config.score_type]
        self.normalizer = Normalizer(function, config.score_dim)
        self.post_init()

    def forward(self, input_ids, attention_mask=None, normalize=None):
        if attention_mask is None:
            attention_mask = torch.ones_like(input_ids)
        h = self.model(input_ids, attention_mask=attention_mask).last_hidden_state
        scores = self.score_head(h).float()
        end_index = torch.cat([m.nonzero()[-1] for m in attention_mask])
        end_scores = scores.gather(1, end_index.view(-1, 1, 1).expand(-1, 1, scores.size(-1))).squeeze(1)
        if self.config.do_normalize if normalize is None else normalize:
            end_scores = self.normalizer.normalize(end_scores)
        return end_scores


# ---------------------------------------------------------------------------------------------------------------

def common(**kw):
    base = dict(vocab_size=MODEL_VOCAB, hidden_size=32, intermediate_size=80, num_hidden_layers=2,
                max_position_embeddings=128, initializer_range=0.1, torch_dtype="float32", **TOKEN_IDS)
    base.update(kw)
    return base


def llama_cfg(**kw):
    return LlamaConfig(**common(**kw))


FIXTURES = [
    ("llama-mha", LlamaForCausalLM, lambda: llama_cfg(num_attention_heads=4, num_key_value_heads=4,
                                                       tie_word_embeddings=False, rope_theta=10000.0,
                                                       rms_norm_eps=1e-6), {}),
    ("llama-gqa-tied", LlamaForCausalLM, lambda: llama_cfg(num_attention_heads=4, num_key_value_heads=2,
                                                            tie_word_embeddings=True, rope_theta=500000.0,
                                                            rms_norm_eps=1e-5), {"max_shard_size": "60KB"}),
    ("llama3-rope", LlamaForCausalLM, lambda: llama_cfg(
        hidden_size=64, num_attention_heads=8, num_key_value_heads=2, head_dim=8, rope_theta=10000.0,
        max_position_embeddings=256, rms_norm_eps=1e-5, tie_word_embeddings=False,
        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                      "original_max_position_embeddings": 64}), {}),
    ("llama-linear-rope", LlamaForCausalLM, lambda: llama_cfg(
        num_attention_heads=4, num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-6,
        tie_word_embeddings=False, rope_scaling={"rope_type": "linear", "factor": 2.0}), {}),
    ("mistral", MistralForCausalLM, lambda: MistralConfig(**common(
        num_attention_heads=4, num_key_value_heads=1, sliding_window=16, rope_theta=10000.0, rms_norm_eps=1e-5,
        tie_word_embeddings=False)), {}),
    ("qwen2", Qwen2ForCausalLM, lambda: Qwen2Config(**common(
        num_attention_heads=4, num_key_value_heads=2, tie_word_embeddings=True, rope_theta=1000000.0,
        rms_norm_eps=1e-6, use_sliding_window=False)), {}),
    ("llama-seqcls", LlamaForSequenceClassification, lambda: llama_cfg(
        num_attention_heads=4, num_key_value_heads=2, num_labels=1, rope_theta=10000.0, rms_norm_eps=1e-6), {}),
    ("qwen2-seqcls", Qwen2ForSequenceClassification, lambda: Qwen2Config(**common(
        num_attention_heads=4, num_key_value_heads=2, num_labels=1, rope_theta=1000000.0, rms_norm_eps=1e-6,
        tie_word_embeddings=False, use_sliding_window=False)), {}),
    ("llama-score", LlamaForScore, lambda: llama_cfg(
        num_attention_heads=4, num_key_value_heads=2, rope_theta=10000.0, rms_norm_eps=1e-6,
        tie_word_embeddings=False, score_dim=1, score_bias=True, score_type="reward", do_normalize=True,
        normalize_function="affine", normalizer_type="ExponentialMovingAverage", momentum=0.9,
        mean=[SCORE_MEAN], var=[SCORE_VAR]), {}),
]


def f32(x):
    """A float rounded to float32, in the shortest decimal form that reads back as that float32."""
    return float(str(np.float32(x)))


def f32_list(t):
    return [f32(v) for v in t.detach().float().reshape(-1).tolist()]


def versions():
    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "safetensors": safetensors.__version__, "tokenizers": tokenizers.__version__, "numpy": np.__version__}


def build_tokenizer(folder):
    """Trains the byte-level BPE and writes tokenizer.json, tokenizer_config.json, special_tokens_map.json."""
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.post_processor = processors.ByteLevel(trim_offsets=False)
    trainer = trainers.BpeTrainer(vocab_size=TOKENIZER_VOCAB, special_tokens=SPECIAL, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator(TRAINING_TEXT.splitlines(), trainer)
    assert [tok.token_to_id(s) for s in SPECIAL] == [UNK, BOS, EOS, PAD]
    assert tok.get_vocab_size() == TOKENIZER_VOCAB, tok.get_vocab_size()
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=SPECIAL[BOS], eos_token=SPECIAL[EOS],
                                   pad_token=SPECIAL[PAD], unk_token=SPECIAL[UNK], chat_template=CHAT_TEMPLATE,
                                   clean_up_tokenization_spaces=False)
    fast.save_pretrained(folder, save_jinja_files=False)
    # tokenizer.json: merges in the classic "a b" form; ignore_merges left out (its default, false)
    path = os.path.join(folder, "tokenizer.json")
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    doc["model"]["merges"] = [m if isinstance(m, str) else " ".join(m) for m in doc["model"]["merges"]]
    assert all(len(m.split(" ")) == 2 for m in doc["model"]["merges"])
    if doc["model"].get("ignore_merges") is False:
        del doc["model"]["ignore_merges"]
    with open(path, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False, indent=2)
        f.write("\n")
    path = os.path.join(folder, "tokenizer_config.json")
    with open(path, encoding="utf-8") as f:
        cfg = json.load(f)
    cfg["add_bos_token"] = False
    cfg["add_eos_token"] = False
    cfg["chat_template"] = CHAT_TEMPLATE
    with open(path, "w", encoding="utf-8") as f:
        json.dump(cfg, f, ensure_ascii=False, indent=2, sort_keys=True)
        f.write("\n")
    for extra in ("chat_template.jinja",):
        if os.path.exists(os.path.join(folder, extra)):
            os.remove(os.path.join(folder, extra))
    return sorted(os.listdir(folder))


def randomize(model, seed):
    """Every parameter (tied ones once) from a seeded generator, in named_parameters order: norm weights
    1 + 0.2 N(0,1), biases 0.1 N(0,1) (so the q/k/v biases of Qwen2 are non-zero), embeddings 0.2 N(0,1), lm_head, score
    heads, o_proj and down_proj 0.3 N(0,1), other weights 0.1 N(0,1), so that logits and attention are far from uniform
    and the layers outweigh the (tied) embeddings: greedy rows do not just repeat a token."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            noise = torch.randn(p.shape, generator=g, dtype=torch.float32)
            if "norm" in name:
                p.copy_(1.0 + 0.2 * noise)
            elif name.endswith(".bias"):
                p.copy_(0.1 * noise)
            elif "embed_tokens" in name:
                p.copy_(0.2 * noise)
            elif "lm_head" in name or "score" in name or "o_proj" in name or "down_proj" in name:
                p.copy_(0.3 * noise)
            else:
                p.copy_(0.1 * noise)


def config_summary(cfg, model):
    keys = ["model_type", "architectures", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
            "num_attention_heads", "num_key_value_heads", "head_dim", "rope_theta", "rope_scaling", "rms_norm_eps",
            "max_position_embeddings", "tie_word_embeddings", "attention_bias", "sliding_window",
            "use_sliding_window", "num_labels", "bos_token_id", "eos_token_id", "pad_token_id", "score_dim",
            "score_bias", "score_type", "do_normalize", "normalize_function", "normalizer_type", "mean", "var"]
    d = cfg.to_dict()
    out = {k: d[k] for k in keys if k in d}
    out["parameters"] = sum(p.numel() for p in model.parameters())
    return out


def prompt_rows(tokenizer):
    rows = []
    for text, n in zip(PROMPT_TEXTS, PROMPT_LENGTHS):
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        assert len(ids) >= n, (text, len(ids))
        rows.append(ids[:n])
    assert all(r[0] != PAD for r in rows)
    return rows


def row_logits(model, row):
    ids = torch.tensor([row])
    with torch.no_grad():
        return model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[0].float()


def greedy_loop(model, row, n):
    """Argmax decoding with a full forward (no cache) per step; EOS is an ordinary token."""
    seq = list(row)
    margins = []
    for _ in range(n):
        last = row_logits(model, seq)[-1]
        top = torch.topk(last, 2).values
        margins.append(float(top[0] - top[1]))
        seq.append(int(last.argmax()))
    return seq[len(row):], min(margins)


def greedy_generate(model, row, n):
    ids = torch.tensor([row])
    saved = model.generation_config.eos_token_id
    model.generation_config.eos_token_id = None
    try:
        out = model.generate(input_ids=ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, do_sample=False,
                             eos_token_id=None, pad_token_id=PAD, use_cache=True)
    finally:
        model.generation_config.eos_token_id = saved
    return out[0, len(row):].tolist()


def rope_info(model):
    rot = model.model.rotary_emb
    return {"inv_freq": f32_list(rot.inv_freq), "attention_scaling": float(rot.attention_scaling),
            "rope_type": rot.rope_type}


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False, separators=(",", ":"))
        f.write("\n")


def make_fixture(out, name, cls, make_cfg, save_kw, tok_dir, tokenizer, index):
    folder = os.path.join(out, name)
    if os.path.exists(folder):
        shutil.rmtree(folder)
    # the first seed (SEED + 100 * index + k, k = 0, 1, ...) whose greedy decoding of every prompt keeps a top-1/top-2
    # logit gap of at least MIN_MARGIN, so that a float32 implementation elsewhere decodes the same tokens
    for k in range(50):
        seed = SEED + 100 * index + k
        cfg = make_cfg()
        cfg._attn_implementation = "eager"
        torch.manual_seed(seed)
        model = cls(cfg).eval()
        randomize(model, seed)
        if not isinstance(model, (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)):
            break
        tok_rows = prompt_rows(tokenizer)
        if min(greedy_loop(model, r, NEW_TOKENS)[1] for r in tok_rows) >= MIN_MARGIN:
            break
    else:
        raise RuntimeError(f"{name}: no seed with greedy margins >= {MIN_MARGIN}")
    if isinstance(model, LlamaForScore):
        with torch.no_grad():
            model.normalizer.mean.fill_(SCORE_MEAN)
            model.normalizer.var.fill_(SCORE_VAR)
            model.normalizer.count.fill_(1000)
    model.save_pretrained(folder, safe_serialization=True, **save_kw)
    for f in os.listdir(tok_dir):
        shutil.copyfile(os.path.join(tok_dir, f), os.path.join(folder, f))

    # from here on, everything comes from the folder as transformers loads it
    if isinstance(model, LlamaForScore):
        loaded = LlamaForScore.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32).eval()
        assert float(loaded.normalizer.var[0]) == SCORE_VAR and float(loaded.normalizer.mean[0]) == np.float32(SCORE_MEAN)
    else:
        loaded = type(model).from_pretrained(folder, attn_implementation="eager", dtype=torch.float32).eval()
    for k, v in model.state_dict().items():
        assert torch.equal(v, loaded.state_dict()[k]), k
    model = loaded
    tok = AutoTokenizer.from_pretrained(folder)
    rows = prompt_rows(tok)
    ref = {"generated_by": "lib/src/test/python/make_hf_fixtures.py", "name": name,
           "class": type(model).__name__, "seed": seed, "config": config_summary(model.config, model),
           "versions": versions(), "prompts": rows}
    checks = {}
    if name.endswith("seqcls") or name.endswith("score"):
        ref["kind"] = "score" if name.endswith("score") else "sequence-classification"
        scores, raw = [], []
        with torch.no_grad():
            for r in rows:
                ids = torch.tensor([r])
                if isinstance(model, LlamaForScore):
                    scores.append(f32(model(ids)[0, 0]))
                    raw.append(f32(model(ids, normalize=False)[0, 0]))
                else:
                    scores.append(f32(model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits[0, 0]))
            # padded batch (right padding) must give the same end scores: a check of the pooling index
            t = max(len(r) for r in rows)
            ids = torch.tensor([r + [PAD] * (t - len(r)) for r in rows])
            mask = torch.tensor([[1] * len(r) + [0] * (t - len(r)) for r in rows])
            if isinstance(model, LlamaForScore):
                batched = model(ids, mask)[:, 0]
            else:
                batched = model(input_ids=ids, attention_mask=mask).logits[:, 0]
        checks["batched_right_padded_vs_single"] = float((batched - torch.tensor(scores)).abs().max())
        ref["end_scores"] = scores
        if raw:
            ref["end_scores_raw"] = raw
            ref["normalizer"] = {"function": model.normalizer.function, "mean": SCORE_MEAN, "var": SCORE_VAR,
                                 "epsilon": 1e-8, "formula": "(raw - mean) / (sqrt(var) + 1e-8)"}
    else:
        ref["kind"] = "causal-lm"
        logits = [row_logits(model, r) for r in rows]
        ref["logits_shape"] = [list(l.shape) for l in logits]
        ref["logits"] = [f32_list(l) for l in logits]
        greedy, margins = [], []
        for r in rows:
            loop, margin = greedy_loop(model, r, NEW_TOKENS)
            gen = greedy_generate(model, r, NEW_TOKENS)
            assert len(gen) == NEW_TOKENS, gen
            checks.setdefault("greedy_generate_equals_no_cache_loop", True)
            checks["greedy_generate_equals_no_cache_loop"] &= (gen == loop)
            greedy.append(gen)
            margins.append(f32(margin))
        ref["greedy"] = greedy
        ref["greedy_min_margin"] = margins
        ref["rope"] = rope_info(model)
        if getattr(model.config, "sliding_window", None) and name == "mistral":
            ref["sliding_window_note"] = ("prompt + generated tokens exceed sliding_window: transformers lets query i "
                                          "attend keys j with i - window < j <= i")
            nowin = MistralForCausalLM.from_pretrained(folder, attn_implementation="eager",
                                                       dtype=torch.float32, sliding_window=None).eval()
            ref["greedy_without_window"] = [greedy_loop(nowin, r, NEW_TOKENS)[0] for r in rows]
    ref["template"] = []
    for messages in CONVERSATIONS:
        text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        ids = tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)
        assert ids == tok(text, add_special_tokens=False)["input_ids"]
        ref["template"].append({"messages": messages, "text": text, "ids": ids})
    ref["tokenizer"] = {"texts": TOKENIZER_TEXTS,
                        "ids": [tok(t, add_special_tokens=False)["input_ids"] for t in TOKENIZER_TEXTS]}
    ref["tokenizer"]["decoded"] = [tok.decode(i) for i in ref["tokenizer"]["ids"]]
    ref["python_checks"] = checks
    write_json(os.path.join(folder, "reference.json"), ref)
    size = sum(os.path.getsize(os.path.join(folder, f)) for f in os.listdir(folder))
    print(f"{name:18s} {type(model).__name__:32s} params={ref['config']['parameters']:6d} "
          f"files={sorted(os.listdir(folder))} bytes={size} checks={checks}", flush=True)
    return size


def main(out):
    torch.set_num_threads(1)
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as tok_dir:
        build_tokenizer(tok_dir)
        tokenizer = AutoTokenizer.from_pretrained(tok_dir)
        total = 0
        for i, (name, cls, make_cfg, save_kw) in enumerate(FIXTURES):
            total += make_fixture(out, name, cls, make_cfg, save_kw, tok_dir, tokenizer, i)
    print(f"total bytes {total}")


def reload(folder, out_json):
    """Loads a folder (e.g. written by dualign's Java saver) with transformers and writes the per-row logits of the
    fixture prompts: {"prompts", "logits_shape", "logits", "versions", "class", "config"}."""
    torch.set_num_threads(1)
    model = AutoModelForCausalLM.from_pretrained(folder, attn_implementation="eager", dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    rows = prompt_rows(tok)
    logits = [row_logits(model, r) for r in rows]
    write_json(out_json, {"generated_by": "lib/src/test/python/make_hf_fixtures.py reload", "folder": folder,
                          "class": type(model).__name__, "config": config_summary(model.config, model),
                          "versions": versions(), "prompts": rows, "logits_shape": [list(l.shape) for l in logits],
                          "logits": [f32_list(l) for l in logits]})
    print(f"wrote {out_json}: {type(model).__name__}, rows {[len(r) for r in rows]}")


def peft_reload(base, adapter, out_json):
    """Loads <base>, then the LoRA adapter <adapter> with PEFT, and writes the per-row logits of the fixture prompts."""
    import peft
    torch.set_num_threads(1)
    model = AutoModelForCausalLM.from_pretrained(base, attn_implementation="eager", dtype=torch.float32).eval()
    tok = AutoTokenizer.from_pretrained(base)
    wrapped = peft.PeftModel.from_pretrained(model, adapter).eval()
    rows = prompt_rows(tok)
    logits = [row_logits(wrapped, r) for r in rows]
    merged = wrapped.merge_and_unload()
    diff = max(float((row_logits(merged, r) - l).abs().max()) for r, l in zip(rows, logits))
    write_json(out_json, {"generated_by": "lib/src/test/python/make_hf_fixtures.py peft", "base": base,
                          "adapter": adapter, "class": type(wrapped).__name__, "versions": versions(),
                          "peft_version": peft.__version__, "merged_max_abs_diff": diff, "prompts": rows,
                          "logits_shape": [list(l.shape) for l in logits], "logits": [f32_list(l) for l in logits]})
    print(f"wrote {out_json}: {type(wrapped).__name__}, rows {[len(r) for r in rows]}, merged differs by {diff:.2e}")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "reload":
        reload(sys.argv[2], sys.argv[3])
    elif len(sys.argv) == 5 and sys.argv[1] == "peft":
        peft_reload(sys.argv[2], sys.argv[3], sys.argv[4])
    elif len(sys.argv) <= 2:
        main(sys.argv[1] if len(sys.argv) > 1 else "lib/src/test/resources/hf")
    else:
        sys.exit("usage: make_hf_fixtures.py [OUT_DIR] | make_hf_fixtures.py reload FOLDER OUT_JSON"
                 " | make_hf_fixtures.py peft BASE ADAPTER OUT_JSON")
