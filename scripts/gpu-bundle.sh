#!/usr/bin/env bash
# Builds what a lent GPU machine (no .NET, no network) needs for scripts/gpu-check.sh --bundle: a self-contained,
# trimmed publish of src/Cli packed as artifacts/gpu/cli.tar.xz (artifacts/ is git-ignored; name artifacts/gpu in the
# device tool's `carry`). The shim is not in it: gpu-check.sh builds that on the machine against python's torch.
# Usage: scripts/gpu-bundle.sh   then, on the machine:   scripts/gpu-check.sh --bundle artifacts/gpu/cli.tar.xz --out "$OUT"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$PATH:$HOME/.dotnet" DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
publish="$root/artifacts/gpu/publish"
rm -rf "$publish" && mkdir -p "$publish"
# Reflection-based JSON stays on (the CLI serialises records and anonymous objects); trimming warnings are not errors
# here because the trimmed CLI is only this check's carrier, and the check itself exercises every command it uses.
# The referenced Worker project is an executable too: its apphost and runtimeconfig collide with the CLI's (the CLI's win).
dotnet publish "$root/src/Cli" -c Release -r linux-x64 --self-contained -o "$publish" --nologo -v quiet \
    -p:PublishTrimmed=true -p:TrimMode=partial -p:JsonSerializerIsReflectionEnabledByDefault=true \
    -p:TreatWarningsAsErrors=false -p:SuppressTrimAnalysisWarnings=true -p:ErrorOnDuplicatePublishOutputFiles=false
# The CPU shim built here is Debian's libtorch 1.13; the machine builds its own against its torch.
rm -f "$publish"/libtorchshim.so
tar -C "$publish" -cJf "$root/artifacts/gpu/cli.tar.xz" .
# Only the archive stays: the device tool's carry is limited to 64 MiB and the unpacked publish is several times that.
rm -rf "$publish"
echo "$root/artifacts/gpu/cli.tar.xz ($(du -h "$root/artifacts/gpu/cli.tar.xz" | cut -f1))"
