#!/usr/bin/env python3
"""Hugging Face transformers + PEFT LoRA training speed, the reference `finetune bench train` is compared with.

Runs the same work on the same model folder (e.g. from `finetune init-model --config llama-3.2-1b --out DIR`):
base weights in bf16 (f32 by default on the CPU, as `bench train --backend libtorch-cpu`), SDPA attention, LoRA
r=16 alpha=32 dropout 0 on every linear layer but the output head (PEFT's "all-linear", adapters kept in fp32 by
PEFT's autocast_adapter_dtype), AdamW lr 1e-4 on the LoRA parameters only (fused on CUDA, the HF Trainer's default
optimizer there), gradient-norm clipping at 1.0 (the HF Trainer's and our trainer's default), no gradient
checkpointing, no KV cache. Random token rows of B x L, a fresh batch each step, every token counted; 2 warm-up steps,
then N timed steps between two device synchronisations. The peak memory is torch.cuda.max_memory_allocated over the
warm-up and timed steps, reset after the model is loaded, as `bench train` does (on the CPU: the process's peak RSS).

Prints ONE JSON line on stdout: tokens_per_second, step_ms, peak_memory_bytes, batch_size, seq_len, steps, torch,
transformers, peft, device (plus device_name, dtype, parameters); the shared names match `bench train --json`.

Usage: hf_peft_bench.py --model DIR --batch-size 8 --seq-len 1024 --steps 10 [--device cuda|cuda:N|cpu] [--dtype bf16]
"""

import argparse
import json
import platform
import resource
import sys
import time

import peft
import torch
import transformers

WARMUP_STEPS = 2
DTYPES = {"f32": torch.float32, "bf16": torch.bfloat16, "f16": torch.float16}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="Hugging Face model folder (config.json + safetensors)")
    parser.add_argument("--batch-size", type=int, default=4, help="rows per step, B")
    parser.add_argument("--seq-len", type=int, default=256, help="tokens per row, L")
    parser.add_argument("--steps", type=int, default=5, help="timed steps after %d warm-up steps" % WARMUP_STEPS)
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu")
    parser.add_argument("--dtype", choices=sorted(DTYPES), default=None,
                        help="base weights (default bf16 on CUDA, f32 on the CPU)")
    parser.add_argument("--gradient-checkpointing", action="store_true",
                        help="recompute each decoder layer in backward (transformers' gradient_checkpointing_enable)")
    args = parser.parse_args()
    if args.batch_size < 1 or args.seq_len < 2 or args.steps < 1:
        parser.error("--batch-size and --steps must be at least 1, --seq-len at least 2")
    return args


def resolve_device(text):
    device = torch.device(text)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            sys.exit("error: --device %s: torch %s sees no CUDA device" % (text, torch.__version__))
        # "cuda" alone means the current device; print it as cuda:N, as `bench train` does.
        device = torch.device("cuda", device.index if device.index is not None else torch.cuda.current_device())
    elif device.type != "cpu":
        sys.exit("error: --device %s: use cuda, cuda:N or cpu" % text)
    return device


def version_tuple(text):
    parts = []
    for piece in text.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


def load_model(folder, dtype, device):
    # transformers 4.56 renamed torch_dtype to dtype; an unknown keyword would silently land in the config and load
    # fp32, so the name is chosen by version and the result checked.
    dtype_keyword = "dtype" if version_tuple(transformers.__version__) >= (4, 56) else "torch_dtype"
    model = transformers.AutoModelForCausalLM.from_pretrained(
        folder, attn_implementation="sdpa", **{dtype_keyword: dtype})
    loaded = next(model.parameters()).dtype
    if loaded != dtype:
        sys.exit("error: transformers loaded %s weights, not %s" % (loaded, dtype))
    model.config.use_cache = False
    return model.to(device)


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def peak_memory_bytes(device):
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device)
    # ru_maxrss is in KiB on Linux, the same figure as /proc/self/status VmHWM.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def device_name(device):
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return platform.processor() or "cpu"


def main():
    args = parse_args()
    device = resolve_device(args.device)
    dtype = DTYPES[args.dtype] if args.dtype else (torch.bfloat16 if device.type == "cuda" else torch.float32)
    torch.manual_seed(0)

    model = load_model(args.model, dtype, device)
    parameters = sum(p.numel() for p in model.parameters())
    if args.gradient_checkpointing:
        # Non-reentrant checkpointing needs no input that requires grad, which a frozen base with LoRA lacks.
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    lora = peft.LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear", task_type="CAUSAL_LM")
    model = peft.get_peft_model(model, lora)
    model.train()
    trainable = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(trainable, lr=1e-4, fused=device.type == "cuda")

    vocab_size = model.get_input_embeddings().weight.shape[0]
    generator = torch.Generator().manual_seed(0)
    batches = [torch.randint(0, vocab_size, (args.batch_size, args.seq_len), generator=generator).to(device)
               for _ in range(WARMUP_STEPS + args.steps)]

    def step(input_ids):
        # No .item(): the step queues its kernels without waiting for the GPU, as an untimed training loop would.
        loss = model(input_ids=input_ids, labels=input_ids).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(trainable, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    for input_ids in batches[:WARMUP_STEPS]:
        step(input_ids)
    synchronize(device)
    start = time.perf_counter()
    for input_ids in batches[WARMUP_STEPS:]:
        step(input_ids)
    synchronize(device)
    seconds = time.perf_counter() - start

    tokens = args.batch_size * args.seq_len * args.steps
    print(json.dumps({
        "tokens_per_second": tokens / seconds,
        "step_ms": seconds / args.steps * 1e3,
        "peak_memory_bytes": peak_memory_bytes(device),
        "batch_size": args.batch_size,
        "seq_len": args.seq_len,
        "steps": args.steps,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "peft": peft.__version__,
        "device": str(device),
        "device_name": device_name(device),
        "dtype": next(name for name, value in DTYPES.items() if value == dtype),
        "parameters": parameters,
        "gradient_checkpointing": args.gradient_checkpointing,
    }), flush=True)


if __name__ == "__main__":
    main()
