# The CPU image: API, hub and/or worker (the command picks). Mirrors ./test.sh and ./finetune: Debian 12 packages from
# scripts/install-deps.sh (libtorch-dev with OpenBLAS, Postgres client tools, node), the .NET 10 SDK, dotnet build.
# Not built in CI (no Docker engine there); keep it in step with scripts/install-deps.sh.
FROM mcr.microsoft.com/dotnet/sdk:10.0-bookworm-slim AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh
COPY . .
RUN dotnet build src/Cli/Cli.csproj -c Release --nologo -v quiet

FROM build AS runtime
ENV FINETUNE_MODELS_DIR=/models ASPNETCORE_URLS=http://0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["dotnet", "/src/artifacts/bin/Cli/release/finetune.dll"]
CMD ["serve", "--urls", "http://0.0.0.0:8080", "--no-worker"]
