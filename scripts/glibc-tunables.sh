#!/usr/bin/env bash
# Prints GLIBC_TUNABLES with glibc.malloc.hugetlb=1 added (kept as it is when it names hugetlb already), for
# ./finetune, ./test.sh to export before .NET starts: glibc reads it once, at process start.
#
# Why: glibc maps every block above its mmap threshold (at most 32 MiB) afresh and unmaps it on free, so each
# training step faults in every page of its large activations again, 4 KiB at a time. hugetlb=1 makes malloc ask
# for transparent huge pages on those mappings (madvise), 512 times fewer faults, where the kernel's THP mode is
# `madvise` (a kernel in `always` mode does it anyway; `never` ignores it). llama-30m on the CPU (bench train, figures
# in src/Training/Backends/MallocHugePages.cs): 1.2x tokens/s at B=4 L=256, 2.5x at B=1 L=2048, same peak memory.
set -euo pipefail
current="${GLIBC_TUNABLES:-}"
case ":$current:" in
    *:glibc.malloc.hugetlb=*) echo "$current" ;;
    ::) echo "glibc.malloc.hugetlb=1" ;;
    *) echo "$current:glibc.malloc.hugetlb=1" ;;
esac
