#!/usr/bin/python3
"""Independent numpy reference of a Hugging Face Llama-family forward pass (float64), for parity tests.

Reads a model folder (config.json + model.safetensors, tied weights via the __metadata__ alias or lm_head), runs the
forward pass for fixed token-id prompts and writes the logits into a safetensors fixture that the C# tests compare
against (tolerance 1e-4 in fp32). Written from the published architecture (RMSNorm, rotate-half RoPE, grouped-query
attention, SwiGLU MLP), not from FineTune's code.

Usage: /usr/bin/python3 tools/reference/llama_reference.py MODEL_DIR OUT.safetensors "1,2,3" "1,4,5,6" ...
Needs only Debian's python3-numpy.
"""
import json
import struct
import sys

import numpy as np

DTYPES = {"F32": np.float32, "F16": np.float16, "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    with open(path, "rb") as f:
        (header_len,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(header_len))
        data = f.read()
    metadata = header.pop("__metadata__", {}) or {}
    tensors = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
    for alias, target in metadata.items():
        if alias not in tensors and target in tensors:
            tensors[alias] = tensors[target]
    return tensors


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, array in tensors.items():
        raw = np.ascontiguousarray(array).tobytes()
        dtype = {np.dtype(np.float32): "F32", np.dtype(np.int64): "I64"}[array.dtype]
        header[name] = {"dtype": dtype, "shape": list(array.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)))
        f.write(encoded)
        for raw in blobs:
            f.write(raw)


def rms_norm(x, weight, eps):
    variance = np.mean(x * x, axis=-1, keepdims=True)
    return x / np.sqrt(variance + eps) * weight


def rotate_half(x):
    half = x.shape[-1] // 2
    return np.concatenate([-x[..., half:], x[..., :half]], axis=-1)


def forward(cfg, w, ids):
    hidden = cfg["hidden_size"]
    n_head = cfg["num_attention_heads"]
    n_kv = cfg.get("num_key_value_heads", n_head)
    head_dim = cfg.get("head_dim", hidden // n_head)
    eps = cfg["rms_norm_eps"]
    theta = cfg.get("rope_theta", 10000.0)
    T = len(ids)

    x = w["model.embed_tokens.weight"].astype(np.float64)[ids]  # (T, C)
    inv_freq = 1.0 / theta ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim)
    angles = np.outer(np.arange(T, dtype=np.float64), inv_freq)  # (T, hs/2)
    cos = np.cos(np.concatenate([angles, angles], axis=-1))  # (T, hs)
    sin = np.sin(np.concatenate([angles, angles], axis=-1))
    causal = np.triu(np.full((T, T), -np.inf), k=1)

    def get(name):
        return w[name].astype(np.float64)

    for i in range(cfg["num_hidden_layers"]):
        p = f"model.layers.{i}."
        h = rms_norm(x, get(p + "input_layernorm.weight"), eps)
        q = h @ get(p + "self_attn.q_proj.weight").T
        k = h @ get(p + "self_attn.k_proj.weight").T
        v = h @ get(p + "self_attn.v_proj.weight").T
        for name, proj in (("q", "q_proj"), ("k", "k_proj"), ("v", "v_proj")):
            bias = w.get(p + f"self_attn.{proj}.bias")
            if bias is not None:
                if name == "q":
                    q = q + bias
                elif name == "k":
                    k = k + bias
                else:
                    v = v + bias
        q = q.reshape(T, n_head, head_dim).transpose(1, 0, 2)  # (nh, T, hs)
        k = k.reshape(T, n_kv, head_dim).transpose(1, 0, 2)  # (nkv, T, hs)
        v = v.reshape(T, n_kv, head_dim).transpose(1, 0, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = np.repeat(k, n_head // n_kv, axis=0)  # (nh, T, hs)
        v = np.repeat(v, n_head // n_kv, axis=0)
        scores = q @ k.transpose(0, 2, 1) / np.sqrt(head_dim) + causal  # (nh, T, T)
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attn = (scores / scores.sum(axis=-1, keepdims=True)) @ v  # (nh, T, hs)
        attn = attn.transpose(1, 0, 2).reshape(T, n_head * head_dim)
        x = x + attn @ get(p + "self_attn.o_proj.weight").T
        h = rms_norm(x, get(p + "post_attention_layernorm.weight"), eps)
        gate = h @ get(p + "mlp.gate_proj.weight").T
        up = h @ get(p + "mlp.up_proj.weight").T
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ get(p + "mlp.down_proj.weight").T

    x = rms_norm(x, get("model.norm.weight"), eps)
    head = w["lm_head.weight"] if "lm_head.weight" in w else w["model.embed_tokens.weight"]
    return x @ head.astype(np.float64).T  # (T, V)


def main():
    model_dir, out_path, prompts = sys.argv[1], sys.argv[2], sys.argv[3:]
    with open(f"{model_dir}/config.json") as f:
        cfg = json.load(f)
    weights = read_safetensors(f"{model_dir}/model.safetensors")
    fixture = {}
    for index, prompt in enumerate(prompts):
        ids = [int(t) for t in prompt.split(",")]
        fixture[f"prompt{index}.ids"] = np.array(ids, dtype=np.int64)
        fixture[f"prompt{index}.logits"] = forward(cfg, weights, ids).astype(np.float32)
    write_safetensors(out_path, fixture)


if __name__ == "__main__":
    main()
