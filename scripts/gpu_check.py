#!/usr/bin/env python3
"""The GPU check (issue 9): one prepared run that shows the CUDA path works, for anyone with an NVIDIA GPU.

It drives the `finetune` CLI only (what users run) and compares: CPU vs CUDA f32 losses, bf16 vs f32 losses, CPU vs
CUDA greedy tokens, Hugging Face PEFT's greedy tokens with our adapter, DP-SGD's epsilon vs the accountant's, a
checkpoint + resume vs an uninterrupted run, a forced CUDA out-of-memory (micro-batch halved, the run goes on),
LoRA training throughput against HF + PEFT (llama-3.2-1b shape; `throughput_8b`: llama-3.1-8b), and issue 10's speed
levers (`speed_levers`: chunked loss vs whole logits, DP-SGD on packed rows vs non-DP, a 16k-token sequence with
gradient checkpointing, ours and HF's). It prints one JSON summary (also written to OUT/gpu-check.json after every
check, so a run cut off by a time limit keeps what it measured) and exits non-zero when a check that ran failed.
`--only a,b` runs those checks (and the ones they read from), e.g. `--only throughput_vs_hf_peft,speed_levers`;
`--only correctness` and `--only speed` name the two halves.

`--cpu` rehearses the same flow on the CPU (CI runs it, so the script cannot rot): the "device" side is the CPU
backend, and the checks that need CUDA (OOM) or python torch (PEFT, HF throughput) report "skipped" with the reason.

Environment: FINETUNE = the command that runs the CLI (default: ./finetune in the checkout); GPU_CHECK_ASSETS = a
folder with models/tinystories-656k, tokenizers/llama3 and datasets/alpaca-en-demo/alpaca_en_demo.json (default
../shared/assets).
"""
import argparse
import json
import math
import os
import shlex
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Tolerances, stated once: f32 on two devices differs only by summation order; bf16 base weights (with f32 LoRA,
# optimizer state and loss, as PEFT trains) change each loss by rounding, not by drift.
F32_LOSS_ABS_TOLERANCE = 1e-4
BF16_LOSS_REL_TOLERANCE = 0.01
RESUME_LOSS_ABS_TOLERANCE = 1e-6
EPSILON_REL_TOLERANCE = 1e-9


class Check:
    def __init__(self, name):
        self.name = name
        self.result = {"name": name}

    def __enter__(self):
        self.start = time.time()
        if ONLY and self.name not in ONLY and self.name != "doctor":
            # Not selected: the body still runs, but every check body starts by asking selected().
            skip(self.result, "not in --only")
        return self.result

    def __exit__(self, kind, error, trace):
        self.result["seconds"] = round(time.time() - self.start, 2)
        if error is not None:
            self.result["ok"] = False
            self.result["error"] = f"{kind.__name__}: {error}"[:2000]
        RESULTS.append(self.result)
        print(json.dumps(self.result), file=sys.stderr, flush=True)
        # Written after every check, so a run cut off by its time limit still leaves what it measured.
        write_summary(final=False)
        return True


RESULTS = []
ONLY = set()
SUMMARY = {}


# Checks that read what an earlier one produced (its losses, its adapter, its tokens).
PREREQUISITES = {
    "bf16_tracks_f32": ["cpu_vs_device_f32_losses"],
    "greedy_tokens_cpu_vs_device": ["cpu_vs_device_f32_losses"],
    "peft_greedy_tokens": ["greedy_tokens_cpu_vs_device"],
}


# --only takes these names for their checks, so a lent GPU's two runs need no long lists typed under time pressure:
# the correctness checks first (whenever native code changed), then the speed checks.
SPEED_CHECKS = ["throughput_vs_hf_peft", "speed_levers", "packed_real_data", "throughput_8b"]
GROUPS = {
    "correctness": ["cpu_vs_device_f32_losses", "bf16_tracks_f32", "varlen_attention_on_device",
                    "greedy_tokens_cpu_vs_device", "peft_greedy_tokens", "dp_sgd_epsilon_record_level",
                    "dp_sgd_entity_level", "checkpoint_resume_equals_uninterrupted", "dropout_resume_on_device",
                    "forced_oom_halves_micro_batch"],
    "speed": SPEED_CHECKS,
}


def with_prerequisites(names):
    wanted = set()
    pending = [check for name in names for check in GROUPS.get(name, [name])]
    while pending:
        name = pending.pop()
        if name not in wanted:
            wanted.add(name)
            pending.extend(PREREQUISITES.get(name, []))
    return wanted


def selected(result):
    """False when --only left this check out (its result already says skipped)."""
    return result.get("skipped") != "not in --only"


def write_summary(final):
    ran = [c for c in RESULTS if c.get("ok") is not None]
    # A check in neither group would be left out of both halves of a GPU session: the rehearsal fails on it.
    grouped = {check for checks in GROUPS.values() for check in checks} | {"doctor"}
    ungrouped = [c["name"] for c in RESULTS if c["name"] not in grouped]
    SUMMARY.update({
        "complete": final,
        "ok": all(c["ok"] for c in ran) and not ungrouped,
        "ungrouped": ungrouped,
        "passed": sum(1 for c in ran if c["ok"]),
        "failed": [c["name"] for c in ran if not c["ok"]],
        "skipped": [c["name"] for c in RESULTS if c.get("ok") is None],
        "seconds": round(time.time() - SUMMARY["started"], 1),
        "checks": RESULTS,
    })
    with open(os.path.join(SUMMARY["out"], "gpu-check.json"), "w") as f:
        json.dump({k: v for k, v in SUMMARY.items() if k not in ("started", "out")}, f, indent=1)


def skip(result, reason):
    result["ok"] = None
    result["skipped"] = reason


def run(args, timeout=900):
    """Runs the CLI; returns stdout. A non-zero exit raises with the last lines of stderr."""
    command = FINETUNE + [str(a) for a in args]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-6:])
        raise RuntimeError(f"`{' '.join(shlex.quote(c) for c in command)}` exited {done.returncode}: {tail}")
    return done.stdout


def json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def train(out, backend, dtype, extra, data=None, dropout=0, cuda_options=None, max_seq_len=256):
    """Trains the tiny model 'out'; returns (step events, result event). dtype and cuda_options (more backend options)
    apply to libtorch-cuda only. Without LoRA dropout unless given, so runs on different devices (whose generators
    differ) can be compared."""
    args = ["train", "--model", MODEL, "--data", data or DATA, "--out", out, "--backend", backend, "--json",
            "--lr", "1e-2", "--targets", "all-linear", "--lora-dropout", str(dropout), "--seed", "1",
            "--max-seq-len", str(max_seq_len), "--batch-size", "4", *extra]
    if backend == "libtorch-cuda":
        args += ["--backend-options", json.dumps({"dtype": dtype, **(cuda_options or {})})]
    events = json_lines(run(args))
    steps = [e for e in events if e["type"] == "step"]
    result = next(e for e in events if e["type"] == "result")
    return steps, result


def losses(steps):
    return [s["loss"] for s in steps]


def python_has(*modules):
    probe = "import " + ", ".join(modules)
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cpu", action="store_true", help="rehearse the flow on the CPU")
    parser.add_argument("--out", default="/tmp/finetune-gpu-check")
    parser.add_argument("--skip-throughput", action="store_true", help="leave out the HF + PEFT throughput comparison")
    parser.add_argument("--only", default="", help="comma-separated check names to run (and the checks they need)")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ONLY.update(with_prerequisites(name.strip() for name in args.only.split(",") if name.strip()))
    SUMMARY.update(mode="cpu rehearsal" if args.cpu else "cuda", only=sorted(ONLY), started=time.time(), out=args.out)
    cuda = not args.cpu
    device_backend = "libtorch-cuda" if cuda else "libtorch-cpu"
    device = "cuda" if cuda else "cpu"
    work = lambda name: os.path.join(args.out, name)  # noqa: E731

    with Check("doctor") as r:
        # doctor exits non-zero for what serve needs (PostgreSQL) even where training works, so read its JSON anyway.
        done = subprocess.run(FINETUNE + ["doctor", "--json"], capture_output=True, text=True, timeout=120, cwd=ROOT)
        report = json.loads(done.stdout)
        r["doctor_exit_code"] = done.returncode
        r["libtorch"] = report.get("libtorch", {}).get("version")
        r["cuda_devices"] = report.get("cudaDevices") or report.get("cuda_devices")
        r["ok"] = (len(r["cuda_devices"] or []) > 0) if cuda else True

    with Check("cpu_vs_device_f32_losses") as r:
        if selected(r):
            cpu_steps, _ = train(work("cpu-f32"), "libtorch-cpu", "f32", ["--steps", "8"])
            dev_steps, _ = train(work("dev-f32"), device_backend, "f32", ["--steps", "8"])
            diff = max(abs(a - b) for a, b in zip(losses(cpu_steps), losses(dev_steps)))
            r.update(cpu=losses(cpu_steps), device=losses(dev_steps), max_abs_diff=diff, tolerance=F32_LOSS_ABS_TOLERANCE)
            r["ok"] = len(cpu_steps) == len(dev_steps) == 8 and diff <= F32_LOSS_ABS_TOLERANCE

    with Check("bf16_tracks_f32") as r:
        if selected(r):
            bf16_steps, _ = train(work("dev-bf16"), device_backend, "bf16", ["--steps", "8"]) if cuda else (None, None)
            if bf16_steps is None:
                skip(r, "bf16 base weights are a libtorch-cuda option")
            else:
                f32 = losses(dev_steps)
                rel = max(abs(a - b) / abs(b) for a, b in zip(losses(bf16_steps), f32))
                r.update(bf16=losses(bf16_steps), f32=f32, max_rel_diff=rel, tolerance=BF16_LOSS_REL_TOLERANCE)
                r["ok"] = rel <= BF16_LOSS_REL_TOLERANCE

    # Packed rows through libtorch's variable-length flash kernel (backend option packed_attention: varlen) against the
    # default per-record batches: bf16 on the device, rows of up to 512 tokens so that short alpaca examples share them.
    # The CPU tests show the two ways give the same losses when the same math runs; here the kernel must agree too.
    # The rehearsal runs the same flow on the CPU backend, which has no such option: both runs take the default way.
    with Check("varlen_attention_on_device") as r:
        if selected(r):
            default_steps, _ = train(work("dev-packed-auto"), device_backend, "bf16", ["--steps", "6"], max_seq_len=512)
            varlen_steps, _ = train(work("dev-packed-varlen"), device_backend, "bf16", ["--steps", "6"], max_seq_len=512,
                                    cuda_options={"packed_attention": "varlen"})
            rel = max(abs(a - b) / abs(b) for a, b in zip(losses(varlen_steps), losses(default_steps)))
            r.update(packed_attention="varlen" if cuda else "auto (a libtorch-cuda option)", auto=losses(default_steps),
                     varlen=losses(varlen_steps), max_rel_diff=rel, tolerance=BF16_LOSS_REL_TOLERANCE)
            r["ok"] = (len(varlen_steps) == len(default_steps) == 6 and rel <= BF16_LOSS_REL_TOLERANCE
                       and all(math.isfinite(x) for x in losses(varlen_steps)))

    adapter = work("dev-f32")
    prompt = "Once upon a time"
    with Check("greedy_tokens_cpu_vs_device") as r:
        if selected(r):
            gen = lambda d: json.loads(run(["generate", "--model", MODEL, "--adapter", adapter, "--prompt", prompt,  # noqa: E731
                                            "--greedy", "--max-new-tokens", "40", "--json", "--device", d]))["token_ids"]
            cpu_tokens, dev_tokens = gen("cpu"), gen(device)
            r.update(cpu=cpu_tokens, device=dev_tokens)
            r["ok"] = cpu_tokens == dev_tokens and len(dev_tokens) > 0

    with Check("peft_greedy_tokens") as r:
        if selected(r):
            if not python_has("torch", "transformers", "peft"):
                skip(r, "python torch, transformers and peft are not importable here")
            else:
                prompt_ids = json.loads(run(["tokenize", "--tokenizer", MODEL, "--json", prompt]))["ids"]
                done = subprocess.run([sys.executable, os.path.join(ROOT, "tools/reference/peft_generate.py"), "--model", MODEL,
                                       "--adapter", adapter, "--prompt-ids", ",".join(map(str, prompt_ids)),
                                       "--max-new-tokens", "40", "--device", device], capture_output=True, text=True, timeout=600)
                if done.returncode != 0:
                    raise RuntimeError(done.stderr.strip()[-1500:])
                peft = json.loads(done.stdout.strip().splitlines()[-1])
                r.update(peft=peft["token_ids"], ours=dev_tokens, peft_version=peft.get("peft"))
                r["ok"] = peft["token_ids"] == dev_tokens

    with Check("dp_sgd_epsilon_record_level") as r:
        if selected(r):
            steps, result = train(work("dev-dp"), device_backend, "f32",
                                  ["--steps", "6", "--dp", "--target-epsilon", "8", "--expected-batch-size", "8", "--dp-seed", "3"])
            privacy = result["privacy"]
            get = lambda k: privacy.get(k, privacy.get(k[0].lower() + "".join(w.title() for w in k.split("_"))[1:]))  # noqa: E731
            accountant = json.loads(run(["privacy", "epsilon", "--noise-multiplier", get("noise_multiplier"),
                                         "--sample-rate", get("sample_rate"), "--steps", get("steps"),
                                         "--delta", get("delta"), "--accountant", get("accountant"), "--json"]))["epsilon"]
            r.update(epsilon=get("epsilon"), accountant_epsilon=accountant, steps=get("steps"), sigma=get("noise_multiplier"),
                     step_epsilons=[s["epsilon"] for s in steps])
            r["ok"] = abs(get("epsilon") - accountant) <= EPSILON_REL_TOLERANCE * accountant and get("epsilon") <= 8

    with Check("dp_sgd_entity_level") as r:
        if selected(r):
            tabular = work("entities.jsonl")
            with open(tabular, "w") as f:
                for i in range(60):
                    f.write(json.dumps({"user": f"u{i % 12}", "day": i // 12, "note": f"visit {i} went fine"}) + "\n")
            steps, result = train(work("dev-dp-entity"), device_backend, "f32",
                                  ["--steps", "4", "--dp", "--noise-multiplier", "1.0", "--expected-batch-size", "4",
                                   "--entity-column", "user", "--format", "tabular", "--dp-seed", "5"], data=tabular)
            privacy = result["privacy"]
            # 12 people; the validation split (10% of the examples, one per person) may hold a person or two out.
            r.update(unit=privacy.get("unit"), units=privacy.get("units"), epsilon=privacy.get("epsilon"), losses=losses(steps))
            r["ok"] = len(steps) == 4 and "entit" in str(privacy.get("unit")) and 9 <= privacy.get("units", 0) <= 12

    def resume_at_step_4(name, dropout=0):
        """8 f32 steps on the device saving at step 4, then the same run resumed from that checkpoint: (the
        uninterrupted losses, the resumed run's steps 5-8, their largest difference)."""
        full, _ = train(work(name + "-full"), device_backend, "f32", ["--steps", "8", "--save-every", "4"], dropout=dropout)
        resumed, _ = train(work(name + "-resumed"), device_backend, "f32",
                           ["--steps", "8", "--resume", os.path.join(work(name + "-full"), "checkpoint-4")], dropout=dropout)
        again = [s["loss"] for s in resumed if s["step"] > 4]
        diff = max(abs(a - b) for a, b in zip(losses(full)[4:], again)) if again else float("inf")
        return losses(full), again, diff

    with Check("checkpoint_resume_equals_uninterrupted") as r:
        if selected(r):
            full, again, diff = resume_at_step_4("dev")
            r.update(uninterrupted=full[4:], resumed=again, max_abs_diff=diff, tolerance=RESUME_LOSS_ABS_TOLERANCE)
            r["ok"] = len(again) == 4 and diff <= RESUME_LOSS_ABS_TOLERANCE

    # Training's default LoRA dropout on the device: masks from the trainer's generator there, LoRA's dropout and A as
    # one autograd node (dropped_linear), and a resume that must restore the generator's stream exactly.
    with Check("dropout_resume_on_device") as r:
        if selected(r):
            full, again, diff = resume_at_step_4("dev-dropout", dropout=0.05)
            no_dropout, _ = train(work("dev-dropout-none"), device_backend, "f32", ["--steps", "4"])
            # Step 1 sees the same adapter either way (B starts at zero); the masks move the later steps.
            moved = max(abs(a - b) for a, b in zip(full[1:4], losses(no_dropout)[1:4]))
            r.update(lora_dropout=0.05, losses=full, resumed=again, max_abs_diff=diff,
                     tolerance=RESUME_LOSS_ABS_TOLERANCE, moved_from_no_dropout=moved)
            r["ok"] = (len(again) == 4 and diff <= RESUME_LOSS_ABS_TOLERANCE and moved > 0
                       and all(math.isfinite(x) for x in full))

    with Check("forced_oom_halves_micro_batch") as r:
        if selected(r):
            if not cuda:
                skip(r, "a forced out-of-memory needs CUDA (memory_fraction caps the caching allocator)")
            else:
                big = work("llama-30m")
                if not os.path.exists(os.path.join(big, "config.json")):
                    run(["init-model", "--config", "llama-30m", "--out", big, "--tokenizer", MODEL])
                attempts = []
                # Logits of 32 packed rows of 512 tokens need a few GiB; these caps leave room for a smaller micro-batch.
                for fraction in (0.01, 0.005, 0.02):
                    try:
                        args_ = ["train", "--model", big, "--data", DATA, "--out", work(f"oom-{fraction}"), "--json",
                                 "--backend", "libtorch-cuda", "--backend-options",
                                 json.dumps({"dtype": "bf16", "memory_fraction": fraction}),
                                 "--steps", "3", "--batch-size", "32", "--max-seq-len", "512", "--lr", "1e-3"]
                        steps = [e for e in json_lines(run(args_)) if e["type"] == "step"]
                        micro = [s["micro_batch_size"] for s in steps]
                        attempts.append({"fraction": fraction, "micro_batch_sizes": micro})
                        if len(steps) == 3 and micro[-1] < 32:
                            r["ok"] = True
                            break
                    except RuntimeError as e:
                        attempts.append({"fraction": fraction, "error": str(e)[-300:]})
                r["attempts"] = attempts
                r.setdefault("ok", False)

    hf_ok = python_has("torch", "transformers", "peft")
    speed_model = lambda preset: model_folder(work(preset), preset, cuda)  # noqa: E731

    with Check("throughput_vs_hf_peft") as r:
        if selected(r):
            if args.skip_throughput:
                skip(r, "--skip-throughput")
            else:
                folder = speed_model("llama-3.2-1b" if cuda else "tiny")
                shapes = [(8, 1024), (4, 2048)] if cuda else [(2, 64)]
                r["shapes"] = [side_by_side(folder, b, l, cuda, device, hf_ok) for b, l in shapes]
                r["ok"] = True
                if not hf_ok:
                    r["note"] = "HF + PEFT not importable here: only FineTune's figures"

    # Issue 10's levers, each against the default at the same shape: the chunked loss against whole logits, DP-SGD on
    # packed rows against non-DP packed rows, packed rows attending per record against one dense mask, LoRA branches
    # in the base dtype against float32, training's default LoRA dropout against none, and a long sequence with
    # gradient checkpointing (ours and HF's).
    with Check("speed_levers") as r:
        if selected(r):
            folder = speed_model("llama-3.2-1b" if cuda else "tiny")
            batch, length = (8, 1024) if cuda else (2, 64)
            default = bench(folder, batch, length, cuda)
            whole = bench(folder, batch, length, cuda, ["--loss-chunk-tokens", 0])
            r["loss_chunking"] = {
                "batch_size": batch, "seq_len": length,
                "default": pick(default, "tokens_per_second", "peak_memory_bytes", "loss_chunk_tokens"),
                "whole_logits": pick(whole, "tokens_per_second", "peak_memory_bytes", "loss_chunk_tokens"),
                "speedup_of_default": default["tokens_per_second"] / whole["tokens_per_second"],
            }
            # LoRA branches in bf16 (autocast's way) against float32 inputs (PEFT's), at the same shape.
            half_branch = bench(folder, batch, length, cuda, ["--lora-in-base-dtype"])
            r["lora_in_base_dtype"] = {
                "batch_size": batch, "seq_len": length,
                "default": pick(default, "tokens_per_second", "peak_memory_bytes"),
                "in_base_dtype": pick(half_branch, "tokens_per_second", "peak_memory_bytes", "lora_in_base_dtype"),
                "speedup": half_branch["tokens_per_second"] / default["tokens_per_second"],
            }
            # Training's default LoRA dropout (0.05) against none: each adapter's one-byte mask, and the backward's
            # rebuilt dropped inputs (LoRA's dropout and A as one autograd node, dropped_linear).
            dropout = bench(folder, batch, length, cuda, ["--lora-dropout", 0.05])
            r["lora_dropout"] = {
                "batch_size": batch, "seq_len": length,
                "no_dropout": pick(default, "tokens_per_second", "peak_memory_bytes"),
                "dropout_0_05": pick(dropout, "tokens_per_second", "peak_memory_bytes", "lora_dropout"),
                "relative_throughput": dropout["tokens_per_second"] / default["tokens_per_second"],
            }
            packed = bench(folder, batch, length, cuda, ["--dp", "--records-per-row", 4])
            r["dp_packed"] = pick(packed, "tokens_per_second", "dp_tokens_per_second", "dp_unpacked_tokens_per_second",
                                  "dp_relative_throughput", "records_per_row", "peak_memory_bytes", "dp_peak_memory_bytes")
            r["dp_packed"]["target"] = 0.8
            # The same packed rows (non-DP) attending as per-record batches (the default) or through one dense mask.
            dense = bench(folder, batch, length, cuda, ["--records-per-row", 4, "--dense-packing-mask"])
            r["packed_attention"] = {
                "records_per_row": 4,
                "segments": pick(packed, "tokens_per_second", "peak_memory_bytes"),
                "dense_mask": pick(dense, "tokens_per_second", "peak_memory_bytes"),
                "speedup_of_segments": packed["tokens_per_second"] / dense["tokens_per_second"],
            }
            # The same packed rows through variable-length attention (libtorch's flash kernel on CUDA in bf16; on the
            # CPU record by record), non-DP and DP.
            varlen = bench(folder, batch, length, cuda, ["--dp", "--records-per-row", 4, "--varlen-attention"])
            r["varlen_attention"] = {
                "records_per_row": 4,
                "kernel": varlen.get("varlen_attention"),
                "segments": pick(packed, "tokens_per_second", "peak_memory_bytes", "dp_tokens_per_second"),
                "varlen": pick(varlen, "tokens_per_second", "peak_memory_bytes", "dp_tokens_per_second",
                               "dp_relative_throughput"),
                "speedup_over_segments": varlen["tokens_per_second"] / packed["tokens_per_second"],
            }
            long_batch, long_length = (1, 16384) if cuda else (1, 256)
            r["gradient_checkpointing"] = side_by_side(folder, long_batch, long_length, cuda, device, hf_ok,
                                                       ["--gradient-checkpointing"], ["--gradient-checkpointing"])
            r["ok"] = True

    # Packing and DP-SGD on real records of mixed lengths (alpaca_en_demo, tokenized by the folder's tokenizer) rather
    # than the levers' random records of one length: non-DP packed, DP packed and DP one record per row, through the
    # per-record batches and through variable-length attention.
    with Check("packed_real_data") as r:
        if selected(r):
            folder = speed_model("llama-3.2-1b" if cuda else "tiny")
            batch, length = (8, 1024) if cuda else (2, 128)
            data = ["--data", DATA, "--dp"]
            segments = bench(folder, batch, length, cuda, data)
            varlen = bench(folder, batch, length, cuda, [*data, "--varlen-attention"])
            figures = ("tokens_per_second", "dp_tokens_per_second", "dp_unpacked_tokens_per_second",
                       "dp_relative_throughput", "peak_memory_bytes", "dp_peak_memory_bytes")
            r.update(batch_size=batch, seq_len=length, data=segments.get("data"),
                     examples=segments.get("data_examples"), mean_record_tokens=segments.get("mean_record_tokens"),
                     segments=pick(segments, *figures), varlen=pick(varlen, *figures, "varlen_attention"),
                     dp_target=0.8)
            r["ok"] = segments["tokens_per_second"] > 0 and varlen["tokens_per_second"] > 0

    with Check("throughput_8b") as r:
        if selected(r):
            if not cuda:
                skip(r, "an 8B model needs a GPU's memory")
            else:
                # bf16 on disk: half the 32 GB an f32 folder would take to write and to read back.
                folder = model_folder(work("llama-3.1-8b"), "llama-3.1-8b", cuda, ["--dtype", "bf16"])
                r["shapes"] = [side_by_side(folder, 4, 2048, cuda, device, hf_ok)]
                r["target_ratio"] = 1.1
                r["ok"] = True

    write_summary(final=True)
    print(json.dumps({k: v for k, v in SUMMARY.items() if k not in ("started", "out")}))
    return 0 if SUMMARY["ok"] else 1


def model_folder(folder, preset, cuda, extra=()):
    """A random model of a published shape (init-model), written once per output folder."""
    if not os.path.exists(os.path.join(folder, "config.json")):
        tokenizer = os.path.join(ASSETS, "tokenizers", "llama3") if cuda else MODEL
        run(["init-model", "--config", preset, "--out", folder, "--tokenizer", tokenizer, *extra])
    return folder


def bench(folder, batch, length, cuda, extra=()):
    """`finetune bench train`'s figures (5 timed steps; the CLI's JSON names are snake_case)."""
    args = ["bench", "train", "--model", folder, "--batch-size", batch, "--seq-len", length, "--steps", 5, "--json", *extra]
    if cuda:
        args += ["--backend", "libtorch-cuda", "--dtype", "bf16"]
    return json.loads(run(args))


def hf_bench(folder, batch, length, device, extra=()):
    done = subprocess.run([sys.executable, os.path.join(ROOT, "tools/reference/hf_peft_bench.py"), "--model", folder,
                           "--batch-size", str(batch), "--seq-len", str(length), "--steps", "5", "--device", device, *extra],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-1500:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def side_by_side(folder, batch, length, cuda, device, hf_ok, extra=(), hf_extra=()):
    """Ours and (where importable) HF + PEFT on the same folder and shape, with the tokens/s and peak-memory ratios."""
    row = {"batch_size": batch, "seq_len": length, "finetune": bench(folder, batch, length, cuda, extra)}
    if hf_ok:
        row["hf_peft"] = hf_bench(folder, batch, length, device, hf_extra)
        row["ratio"] = row["finetune"]["tokens_per_second"] / row["hf_peft"]["tokens_per_second"]
        row["peak_memory_ratio"] = row["finetune"]["peak_memory_bytes"] / row["hf_peft"]["peak_memory_bytes"]
    return row


def pick(figures, *names):
    return {name: figures.get(name) for name in names}


ASSETS = os.environ.get("GPU_CHECK_ASSETS") or os.path.join(os.path.dirname(ROOT), "shared", "assets")
MODEL = os.path.join(ASSETS, "models", "tinystories-656k")
DATA = os.path.join(ASSETS, "datasets", "alpaca-en-demo", "alpaca_en_demo.json")
FINETUNE = shlex.split(os.environ.get("FINETUNE") or os.path.join(ROOT, "finetune"))

if __name__ == "__main__":
    sys.exit(main())
