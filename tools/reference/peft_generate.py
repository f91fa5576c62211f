#!/usr/bin/env python3
"""Greedy tokens from Hugging Face transformers + PEFT: a base model folder with a LoRA adapter folder applied.

The reference for FineTune's `generate --greedy --adapter`: the same prompt ids, argmax each step, stopping after the
config's eos_token_id (as FineTune does). Prints one JSON line: {"token_ids": [...], "peft": ..., "transformers": ...}.
Usage: peft_generate.py --model DIR --adapter DIR --prompt-ids 1,2,3 [--max-new-tokens 40] [--device cuda|cpu]
"""
import argparse
import json

import peft
import torch
import transformers
from peft import PeftModel
from transformers import AutoModelForCausalLM


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--adapter", required=True)
    parser.add_argument("--prompt-ids", required=True, help="comma-separated token ids")
    parser.add_argument("--max-new-tokens", type=int, default=40)
    parser.add_argument("--device", default="cuda")
    args = parser.parse_args()

    base = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32, attn_implementation="eager")
    model = PeftModel.from_pretrained(base, args.adapter).to(args.device).eval()
    eos = base.config.eos_token_id
    stops = set(eos if isinstance(eos, list) else [] if eos is None else [eos])
    ids = [int(i) for i in args.prompt_ids.split(",") if i.strip()]
    generated = []
    with torch.no_grad():
        for _ in range(args.max_new_tokens):
            logits = model(torch.tensor([ids + generated], device=args.device)).logits[0, -1]
            token = int(logits.float().argmax())
            generated.append(token)
            if token in stops:
                break
    print(json.dumps({"token_ids": generated, "peft": peft.__version__, "transformers": transformers.__version__,
                      "torch": torch.__version__}))


if __name__ == "__main__":
    main()
