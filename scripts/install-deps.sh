#!/usr/bin/env bash
# Installs what FineTune needs on Debian 12 and is missing: the .NET 10 SDK, a C++ toolchain with CMake, libtorch
# (CPU, with OpenBLAS; skipped when Torch_DIR names another), PostgreSQL, node with npm (reference tests), numpy
# (reference scripts) and chromium (the dashboard's browser tests).
# Idempotent and quiet when everything is present. Used by ./finetune and ./test.sh.
# `install-deps.sh --runtime` installs only what a running worker needs (libtorch's shared libraries and OpenBLAS, no
# toolchain, headers, Postgres, node or SDK): the worker stage of the Dockerfile uses it.
set -euo pipefail

runtime_only=false
[ "${1:-}" != "--runtime" ] || runtime_only=true

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "install-deps: need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

if [ "$runtime_only" = true ]; then
    # The shared-library package that libtorch-dev depends on (libtorch1.13 on Debian 12, libtorch2.x on Ubuntu 24.04),
    # asked of apt so that its versioned name follows the distribution.
    as_root apt-get update -qq
    libtorch_runtime=$(apt-cache depends libtorch-dev | sed -n 's/^ *Depends: \(libtorch[0-9][0-9.]*\)$/\1/p' | head -n 1)
    [ -n "$libtorch_runtime" ] || { echo "install-deps: no libtorch shared-library package found beside libtorch-dev" >&2; exit 1; }
    apt_packages=("$libtorch_runtime" libopenblas0-pthread ca-certificates)
else
    apt_packages=(cmake g++ make postgresql python3-numpy ca-certificates curl chromium)
    # A Torch_DIR (from scripts/torch-dir.sh: a CUDA libtorch on a GPU machine) replaces Debian's CPU libtorch.
    [ -n "${Torch_DIR:-}" ] || apt_packages+=(libtorch-dev libopenblas0-pthread)
    command -v node >/dev/null || apt_packages+=(nodejs)
    command -v npm >/dev/null || apt_packages+=(npm)
fi

missing=()
for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Debian picks the BLAS that libtorch calls through alternatives; make sure it is OpenBLAS, not the slow reference.
blas_target=$(readlink -f /usr/lib/x86_64-linux-gnu/libblas.so.3 2>/dev/null || true)
case "$blas_target" in
    *openblas*) ;;
    *)
        openblas=$(ls /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 2>/dev/null || true)
        if [ -n "$openblas" ]; then
            as_root update-alternatives --set libblas.so.3-x86_64-linux-gnu "$openblas" >/dev/null
        fi
        ;;
esac

if [ "$runtime_only" = false ] && ! command -v dotnet >/dev/null && [ ! -x "$HOME/.dotnet/dotnet" ]; then
    echo "install-deps: installing the .NET 10 SDK into ~/.dotnet"
    curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
    bash /tmp/dotnet-install.sh --channel 10.0 --install-dir "$HOME/.dotnet" >/dev/null
fi
