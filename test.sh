#!/usr/bin/env bash
# Installs what is missing (Debian), builds everything, and runs every test. CI runs exactly this (.ci/run).
# Usage: ./test.sh [extra dotnet test arguments, e.g. --filter FullyQualifiedName~Safetensors]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$root"
export PATH="$PATH:$HOME/.dotnet"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Empty for Debian's CPU libtorch; a CUDA libtorch's CMake folder on a GPU machine that has one.
torch_dir=$(scripts/torch-dir.sh)
Torch_DIR="$torch_dir" scripts/install-deps.sh

# Reference implementations the tests compare against (npm packages, pinned by their lock files).
# tools/dashboard holds the dashboard's browser libraries, copied in by the Api build; tools/dashboard-test drives
# the dashboard in Debian's chromium (playwright-core, which downloads no browser).
for reference in tools/reference/*/package-lock.json tools/*/package-lock.json; do
    [ -f "$reference" ] || continue
    dir=$(dirname "$reference")
    if [ ! -d "$dir/node_modules" ] || [ "$reference" -nt "$dir/node_modules" ]; then
        npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
        touch "$dir/node_modules"
    fi
done

# C++ formatting is enforced by the tool (STYLE.md); C# style is enforced by the build (EnforceCodeStyleInBuild).
if command -v clang-format >/dev/null; then
    clang-format --dry-run --Werror src/Torch/native/*.cpp src/Torch/native/*.h src/Torch/native/include/*.h
fi

# A private local Postgres for the persistence and service tests (started once, reused by later runs).
FINETUNE_TEST_PG=$(scripts/postgres.sh start)
export FINETUNE_TEST_PG

# The tests train as ./finetune does: with huge pages for malloc's large blocks (scripts/glibc-tunables.sh).
GLIBC_TUNABLES="$(scripts/glibc-tunables.sh)"
export GLIBC_TUNABLES

dotnet build FineTune.sln -c Release --nologo -v quiet ${torch_dir:+"-p:Torch_DIR=$torch_dir"}
# The whole log is kept when a run fails (its path is printed last), so a failure is readable after the fact.
log=$(mktemp "${TMPDIR:-/tmp}/finetune-test-$(date +%Y%m%dT%H%M%S)-XXXX.log")
status=0
dotnet test FineTune.sln -c Release --no-build --nologo "$@" 2>&1 | tee "$log" || status=$?

# A failed run names its failed tests and keeps its whole log.
if [ "$status" -ne 0 ]; then
    grep -E '^\s*Failed [A-Za-z_][A-Za-z0-9_.]* \[' "$log" | sed 's/^ *Failed /failed: /' | sort -u || true
    echo "test.sh: the whole log is $log"
fi

# One closing line summed over every test assembly: "N passed, N failed, N skipped".
awk '/(Passed|Failed)!/ {
        gsub(",", "")
        for (i = 1; i < NF; i++) {
            if ($i == "Failed:") failed += $(i + 1)
            if ($i == "Passed:") passed += $(i + 1)
            if ($i == "Skipped:") skipped += $(i + 1)
        }
     }
     END { printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped }' "$log"
[ "$status" -ne 0 ] || rm -f "$log"
exit "$status"
