#!/usr/bin/env bash
# Prints the Torch_DIR (libtorch's CMake config folder) the shim is built against, or nothing for the system libtorch
# (Debian's CPU libtorch-dev). ./finetune, ./test.sh and Dockerfile.gpu all ask this script, so they agree.
# In order: $LIBTORCH (a libtorch folder), $Torch_DIR, then, only on a machine with an NVIDIA GPU, the CUDA libtorch
# inside python3's torch package. FINETUNE_GPU=1 assumes a GPU (docker build sees none), FINETUNE_GPU=0 assumes none.
# Quiet unless a GPU is present without a CUDA libtorch; then one line on stderr says what to install.
#
# CMake configures the shim's build folder once (src/Torch/Torch.csproj), and MSBuild rebuilds it only when a native
# source changes, so a build folder made against another libtorch is removed here; the next dotnet build redoes it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
native_build="$root/artifacts/native/build-Release"
cuda_hint="pip install torch --index-url https://download.pytorch.org/whl/cu130 (a CUDA wheel), or set LIBTORCH to a CUDA libtorch folder"

case "${FINETUNE_GPU:-}" in
    1) gpu=1 ;;
    0) gpu=0 ;;
    *) if [ -e /dev/nvidia0 ] || nvidia-smi -L 2>/dev/null | grep -q '^GPU '; then gpu=1; else gpu=0; fi ;;
esac

# A Torch_DIR is <prefix>/share/cmake/Torch; a CUDA libtorch has <prefix>/lib/libtorch_cuda.so.
has_cuda() {
    [ -e "$1/../../../lib/libtorch_cuda.so" ]
}

require_config() {
    if [ ! -f "$1/TorchConfig.cmake" ] && [ ! -f "$1/torch-config.cmake" ]; then
        echo "torch-dir: $2 names no libtorch: $1 has no TorchConfig.cmake" >&2
        exit 1
    fi
}

torch_dir=""
if [ -n "${LIBTORCH:-}" ]; then
    torch_dir="$LIBTORCH/share/cmake/Torch"
    require_config "$torch_dir" "LIBTORCH"
elif [ -n "${Torch_DIR:-}" ]; then
    torch_dir="$Torch_DIR"
    require_config "$torch_dir" "Torch_DIR"
elif [ "$gpu" = 1 ]; then
    # torch.utils.cmake_prefix_path is <torch package>/share/cmake; find_spec locates the package without importing
    # it, which would cost seconds on every ./finetune.
    package=$(python3 -c 'import importlib.util as u; s = u.find_spec("torch"); print(s.submodule_search_locations[0] if s else "")' 2>/dev/null || true)
    if [ -n "$package" ] && [ -f "$package/share/cmake/Torch/TorchConfig.cmake" ] && has_cuda "$package/share/cmake/Torch"; then
        torch_dir="$package/share/cmake/Torch"
    fi
fi
if [ -n "$torch_dir" ]; then
    torch_dir="$(cd "$torch_dir" && pwd)"
fi

if [ "$gpu" = 1 ] && { [ -z "$torch_dir" ] || ! has_cuda "$torch_dir"; }; then
    echo "torch-dir: an NVIDIA GPU is present but the libtorch found has no CUDA, so the shim is built for CPU: $cuda_hint" >&2
fi

# No record means the folder was built without Torch_DIR, as every build was before this script.
if [ "$(cat "$native_build/torch-dir" 2>/dev/null || true)" != "$torch_dir" ]; then
    rm -rf "$native_build"
    mkdir -p "$native_build"
    printf '%s\n' "$torch_dir" >"$native_build/torch-dir"
fi
echo "$torch_dir"
