#!/usr/bin/env bash
# Builds the shim against libtorch 2.x and runs the engine's tests on it, on a machine without a GPU.
#
# CI and ./test.sh build against Debian 12's libtorch 1.13; GPU machines run pip's libtorch 2.x, and a lent GPU gives
# 15 minutes. Debian 13 (trixie) ships a CPU libtorch 2.6, so a trixie root made by debootstrap compiles the shim's
# 2.x branches and runs them (libtorch's own scaled_dot_product_attention with enable_gqa, the meta-device fallbacks)
# before a GPU session spends its minutes on a compile error. The first run found two faults no 1.13 run could show:
# index_select and where have no meta kernel in 2.x's C++ library, nor has its SDPA on meta (docs/gpu.md).
#
# Needs root (debootstrap, mount, chroot), network to Debian and NuGet, and ~3 GB of disk. The first run takes ~5
# minutes to make the root; later runs reuse it and only copy the working tree in and rebuild.
# Usage: sudo scripts/libtorch2-check.sh [--root DIR] [--project tests/X.Tests]... [extra dotnet test arguments]
#   --project (repeatable) replaces the default projects, tests/Torch.Tests and tests/Training.Tests; the extra
#   arguments go to every dotnet test, e.g. --filter FullyQualifiedName~Attention. FINETUNE_TEST_PG, when set (see
#   ./test.sh), is passed in: the host's Postgres on loopback serves the tests that need one.
#   --cli ARGS... runs the command line in the root instead of tests (built there against 2.6), e.g. --cli init-model
#   --config llama-30m --out artifacts/l30, then --cli bench train --model artifacts/l30 (paths under artifacts/
#   persist between runs; the tree is copied in fresh each time).
#   --gpu-check rehearses a lent GPU's flow instead of running tests: scripts/gpu-check.sh --bundle
#   artifacts/gpu/cli.tar.xz --cpu (make the bundle first with scripts/gpu-bundle.sh), the shim built against
#   python's torch (Debian's python3-torch 2.6) and the trimmed CLI run against it; the summary JSON is printed last.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
rootfs="$repo/artifacts/libtorch2/rootfs"
projects=()
gpu_check=0
cli=0
while [ $# -gt 0 ]; do
    case "$1" in
        --root) rootfs="$(realpath -m "$2")"; shift 2 ;;
        --project) projects+=("$2"); shift 2 ;;
        --gpu-check) gpu_check=1; shift ;;
        --cli) cli=1; shift; break ;;
        *) break ;;
    esac
done
[ ${#projects[@]} -gt 0 ] || projects=(tests/Torch.Tests tests/Training.Tests)
if [ "$(id -u)" != 0 ]; then
    echo "libtorch2-check: needs root for debootstrap, mount and chroot (run it with sudo)" >&2
    exit 1
fi
dotnet_dir="$(dirname "$(readlink -f "$(command -v dotnet)")")"
shared="$(realpath "$repo/../shared")"
tree=/work/finetune
# The environment the .NET SDK runs in inside the root (the host's SDK on PATH).
root_env=(env HOME=/root PATH="$dotnet_dir:/usr/sbin:/usr/bin:/sbin:/bin" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
    NUGET_CERT_REVOCATION_MODE=offline)

# Installs Debian packages in the root, showing the end of apt's log on failure.
root_apt_install() {
    if ! chroot "$rootfs" bash -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
        --no-install-recommends $*" >"$rootfs.apt.log" 2>&1; then
        tail -20 "$rootfs.apt.log" >&2
        exit 1
    fi
}

# 1. The root: Debian 13 with its libtorch 2.6, a compiler and what the .NET runtime loads.
if [ ! -f "$rootfs/usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake" ]; then
    command -v debootstrap >/dev/null || apt-get install -y -q debootstrap >/dev/null
    mkdir -p "$rootfs"
    if ! debootstrap --variant=minbase trixie "$rootfs" http://deb.debian.org/debian >"$rootfs.debootstrap.log" 2>&1; then
        tail -20 "$rootfs.debootstrap.log" >&2
        exit 1
    fi
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    root_apt_install libtorch-dev libopenblas0-pthread cmake g++ make libicu76 libssl3t64 ca-certificates
fi
# This machine's CA bundle: NuGet may sit behind an egress proxy whose CA only the host trusts.
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
# A root made before OpenBLAS was part of it links the reference BLAS (~20x slower GEMMs): add it to any root.
[ -e "$rootfs/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3" ] || root_apt_install libopenblas0-pthread

# 2. Mounts: the host's .NET SDK and NuGet cache, and ../shared (the tests' assets) beside the copied tree.
mounted=()
bind() {
    mkdir -p "$rootfs$2"
    mount --bind "$1" "$rootfs$2"
    mounted=("$rootfs$2" "${mounted[@]}")
}
cleanup() {
    for target in "${mounted[@]}"; do
        umount "$target" || true
    done
}
trap cleanup EXIT
bind /proc /proc
bind /sys /sys
bind /dev /dev
bind "$dotnet_dir" "$dotnet_dir"
mkdir -p "$HOME/.nuget"
bind "$HOME/.nuget" /root/.nuget
bind "$shared" /work/shared

# 3. The working tree as git sees it (tracked and untracked, not ignored); the root's own build folders are kept.
mkdir -p "$rootfs$tree"
find "$rootfs$tree" -mindepth 1 -maxdepth 1 ! -name artifacts -exec rm -rf {} +
git -C "$repo" ls-files -z -co --exclude-standard | (cd "$repo" && tar --null -T - -cf -) | tar -xf - -C "$rootfs$tree"
# The npm packages ./test.sh installed (the Api build copies the dashboard's; the root has no node to install them).
(cd "$repo" && find tools -maxdepth 3 -type d -name node_modules -prune -print0 | tar --null -T - -cf -) | tar -xf - -C "$rootfs$tree"

if [ "$gpu_check" = 1 ]; then
    bundle="$repo/artifacts/gpu/cli.tar.xz"
    [ -f "$bundle" ] || { echo "libtorch2-check: no $bundle: run scripts/gpu-bundle.sh first" >&2; exit 1; }
    mkdir -p "$rootfs$tree/artifacts/gpu" && cp "$bundle" "$rootfs$tree/artifacts/gpu/"
    chroot "$rootfs" bash -c "command -v xz >/dev/null && python3 -c 'import torch' 2>/dev/null || \
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-torch xz-utils" >"$rootfs.apt.log" 2>&1
    # Debian's python3-torch has no share/cmake of its own (pip's wheel has): point it at libtorch-dev's.
    forward=/usr/lib/python3/dist-packages/torch/share/cmake/Torch
    mkdir -p "$rootfs$forward"
    echo "include(/usr/lib/x86_64-linux-gnu/cmake/Torch/TorchConfig.cmake)" >"$rootfs$forward/TorchConfig.cmake"
    chroot "$rootfs" env HOME=/root bash -c "cd $tree && scripts/gpu-check.sh --bundle artifacts/gpu/cli.tar.xz --cpu --out /tmp/gpu-check" \
        | tail -n 1
    exit "${PIPESTATUS[0]}"
fi

if [ "$cli" = 1 ]; then
    chroot "$rootfs" "${root_env[@]}" GLIBC_TUNABLES=glibc.malloc.hugetlb=1 bash -c '
        set -euo pipefail
        cd '"$tree"'
        if ! log=$(dotnet build src/Cli -c Release --nologo -v quiet -p:NuGetAudit=false 2>&1); then
            echo "$log" | grep -E "error" | sort -u | head -20
            exit 1
        fi
        exec dotnet artifacts/bin/Cli/release/finetune.dll "$@"' libtorch2-check "$@"
    exit $?
fi

# 4. Build against libtorch 2.6 and run the projects that call libtorch.
chroot "$rootfs" "${root_env[@]}" PROJECTS="${projects[*]}" \
    ${FINETUNE_TEST_PG:+FINETUNE_TEST_PG="$FINETUNE_TEST_PG"} bash -c '
    set -euo pipefail
    cd '"$tree"'
    echo "libtorch $(dpkg-query -W -f "\${Version}" libtorch-dev)"
    status=0
    for project in $PROJECTS; do
        if ! log=$(dotnet build "$project" -c Release --nologo -v quiet -p:NuGetAudit=false 2>&1); then
            echo "$log" | grep -E "error" | sort -u | head -20
            exit 1
        fi
        dotnet test "$project" -c Release --no-build --nologo "$@" | grep -E "^\s+Failed |Passed!|Failed!" || status=1
    done
    exit $status' libtorch2-check "$@"
