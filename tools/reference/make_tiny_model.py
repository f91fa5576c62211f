#!/usr/bin/python3
"""Writes a tiny random Hugging Face model folder of a given family (qwen2 with q/k/v biases, or mistral), so the
numpy reference can check the loader and forward pass on architecture features the real shared models lack.

Usage: /usr/bin/python3 tools/reference/make_tiny_model.py qwen2|mistral OUT_DIR
"""
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from llama_reference import write_safetensors  # noqa: E402


def main():
    family, out = sys.argv[1], sys.argv[2]
    rng = np.random.default_rng(7)
    c, inter, layers, heads, kv, vocab = 32, 64, 2, 4, 2, 96
    hd = c // heads
    config = {
        "model_type": family, "hidden_size": c, "intermediate_size": inter, "num_hidden_layers": layers,
        "num_attention_heads": heads, "num_key_value_heads": kv, "vocab_size": vocab, "rms_norm_eps": 1e-6,
        "rope_theta": 1000000.0 if family == "qwen2" else 10000.0, "tie_word_embeddings": family == "qwen2",
        "max_position_embeddings": 128, "bos_token_id": 1, "eos_token_id": 2,
    }
    w = {"model.embed_tokens.weight": rng.normal(0, 0.5, (vocab, c))}
    for i in range(layers):
        p = f"model.layers.{i}."
        w[p + "input_layernorm.weight"] = 1 + rng.normal(0, 0.1, c)
        w[p + "post_attention_layernorm.weight"] = 1 + rng.normal(0, 0.1, c)
        for name, rows in (("q_proj", heads * hd), ("k_proj", kv * hd), ("v_proj", kv * hd)):
            w[p + f"self_attn.{name}.weight"] = rng.normal(0, 0.2, (rows, c))
            if family == "qwen2":
                w[p + f"self_attn.{name}.bias"] = rng.normal(0, 0.2, rows)
        w[p + "self_attn.o_proj.weight"] = rng.normal(0, 0.2, (c, heads * hd))
        w[p + "mlp.gate_proj.weight"] = rng.normal(0, 0.2, (inter, c))
        w[p + "mlp.up_proj.weight"] = rng.normal(0, 0.2, (inter, c))
        w[p + "mlp.down_proj.weight"] = rng.normal(0, 0.2, (c, inter))
    w["model.norm.weight"] = 1 + rng.normal(0, 0.1, c)
    if not config["tie_word_embeddings"]:
        w["lm_head.weight"] = rng.normal(0, 0.2, (vocab, c))
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    write_safetensors(os.path.join(out, "model.safetensors"), {k: v.astype(np.float32) for k, v in w.items()})


if __name__ == "__main__":
    main()
