# The CPU images, one target per host (docs/architecture.md, "Hosts"):
#   api    — src/Api's own host (FineTune.Api.dll): REST /v1, the jobs hub, Swagger, /healthz and /readyz. No libtorch.
#   worker — src/Worker's own host (FineTune.Worker.dll) with Debian/Ubuntu's CPU libtorch: claims and trains jobs.
#   cli    — the finetune command, for operators: `docker compose run --rm cli keys create --tenant NAME`.
# The .NET 10 images are Ubuntu 24.04 (Microsoft ships no Debian image for .NET 10). The build stage installs its
# packages with scripts/install-deps.sh (the one place for them); the runtime stages start from the official ASP.NET
# Core runtime image and hold neither the SDK, nor a compiler, nor a Postgres server (compose runs Postgres apart).
# Not built in CI (no Docker engine there): tests/Cli.Tests/DeploymentFilesTests.cs checks this file statically.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN scripts/install-deps.sh
COPY . .
# The dashboard's browser libraries (signalr, uPlot) come from npm, pinned by the lock file; the Api build copies them in.
RUN npm ci --prefix tools/dashboard --no-audit --no-fund --loglevel=error
RUN dotnet publish src/Api/Api.csproj -c Release --nologo -v quiet -o /out/api \
    && dotnet publish src/Worker/Worker.csproj -c Release --nologo -v quiet -o /out/worker \
    && dotnet publish src/Cli/Cli.csproj -c Release --nologo -v quiet -o /out/cli

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS api
# curl answers the compose healthcheck on /readyz; the runtime image has no HTTP client of its own.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /out/api .
ENV ASPNETCORE_HTTP_PORTS=8080 FINETUNE_MODELS_DIR=/models
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=5s --timeout=3s --start-period=20s --retries=12 CMD curl -fsS http://127.0.0.1:8080/readyz || exit 1
ENTRYPOINT ["dotnet", "FineTune.Api.dll"]

# libtorch's shared libraries and OpenBLAS, for the hosts that train or generate (the worker, the CLI).
FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS torch-runtime
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh --runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh
# Huge pages for malloc's large blocks, as ./finetune sets them (scripts/glibc-tunables.sh says why).
ENV FINETUNE_MODELS_DIR=/models GLIBC_TUNABLES=glibc.malloc.hugetlb=1

FROM torch-runtime AS cli
WORKDIR /cli
COPY --from=build /out/cli .
USER $APP_UID
ENTRYPOINT ["dotnet", "/cli/finetune.dll"]
CMD ["--help"]

# Last, so that a plain `docker build .` builds the worker.
FROM torch-runtime AS worker
WORKDIR /app
COPY --from=build /out/worker .
USER $APP_UID
ENTRYPOINT ["dotnet", "FineTune.Worker.dll"]
