#!/usr/bin/env bash
# The prepared GPU check (scripts/gpu_check.py says what it compares): ./scripts/gpu-check.sh [--cpu] [--out DIR].
# On a GPU machine with .NET, ./finetune builds the CUDA shim itself. On one without .NET (a lent check machine), give
# --bundle TAR.XZ: a self-contained `dotnet publish` of src/Cli; the shim is then built here against python's torch
# and put beside it. --cpu rehearses the whole flow on the CPU (CI runs it).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
args=()
bundle=""
while [ $# -gt 0 ]; do
    case "$1" in
        --bundle) bundle="$2"; shift 2 ;;
        *) args+=("$1"); shift ;;
    esac
done

if [ -n "$bundle" ]; then
    cli=/tmp/finetune-cli
    rm -rf "$cli" && mkdir -p "$cli" && tar xJf "$bundle" -C "$cli"
    torch_dir="$(python3 -c 'import torch;print(torch.utils.cmake_prefix_path)')/Torch"
    start=$(date +%s)
    # A build folder configured from another checkout is refused by CMake; one from this checkout rebuilds in seconds.
    grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$root/src/Torch/native" /tmp/finetune-shim/CMakeCache.txt 2>/dev/null || rm -rf /tmp/finetune-shim
    cmake -S "$root/src/Torch/native" -B /tmp/finetune-shim -DCMAKE_BUILD_TYPE=Release -DTorch_DIR="$torch_dir" >/tmp/finetune-shim.log 2>&1 \
        || { tail -30 /tmp/finetune-shim.log >&2; exit 1; }
    cmake --build /tmp/finetune-shim --parallel "$(nproc)" >>/tmp/finetune-shim.log 2>&1 || { grep -E "error" /tmp/finetune-shim.log | head -20 >&2; exit 1; }
    cp /tmp/finetune-shim/libtorchshim.so "$cli/"
    echo "gpu-check: built the CUDA shim against $torch_dir in $(( $(date +%s) - start )) s" >&2
    export FINETUNE="$cli/finetune" DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
fi
# As ./finetune runs the CLI (the bundle's launcher does not): huge pages for malloc's large blocks.
GLIBC_TUNABLES="$("$root/scripts/glibc-tunables.sh")"
export GLIBC_TUNABLES
exec python3 "$root/scripts/gpu_check.py" "${args[@]}"
