#!/usr/bin/env bash
# Installs what FineTune needs on Debian 12 and is missing: the .NET 10 SDK, a C++ toolchain with CMake, libtorch
# (CPU, with OpenBLAS; skipped when Torch_DIR names another), PostgreSQL, node with npm (reference tests) and numpy
# (reference scripts).
# Idempotent and quiet when everything is present. Used by ./finetune and ./test.sh.
set -euo pipefail

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        echo "install-deps: need root (or sudo) to run: $*" >&2
        exit 1
    fi
}

apt_packages=(cmake g++ make postgresql python3-numpy ca-certificates curl)
# A Torch_DIR (from scripts/torch-dir.sh: a CUDA libtorch on a GPU machine) replaces Debian's CPU libtorch.
[ -n "${Torch_DIR:-}" ] || apt_packages+=(libtorch-dev libopenblas0-pthread)
command -v node >/dev/null || apt_packages+=(nodejs)
command -v npm >/dev/null || apt_packages+=(npm)

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

if ! command -v dotnet >/dev/null && [ ! -x "$HOME/.dotnet/dotnet" ]; then
    echo "install-deps: installing the .NET 10 SDK into ~/.dotnet"
    curl -fsSL https://dot.net/v1/dotnet-install.sh -o /tmp/dotnet-install.sh
    bash /tmp/dotnet-install.sh --channel 10.0 --install-dir "$HOME/.dotnet" >/dev/null
fi
