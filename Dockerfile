# syntax=docker/dockerfile:1
#
# docker build -t cert-manager-webhook-route53:dev .
#
# Base images are pinned by fixed version tags (SDK 10.0.401, ASP.NET Core runtime 10.0.12: the toolchain
# this repository is built and tested with). For a release, pin digests as well by overriding the
# arguments, e.g. --build-arg RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12-noble-chiseled@sha256:...
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0.12-noble-chiseled

FROM ${SDK_IMAGE} AS build
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Restore in its own layer so that a source change does not download the packages again.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY src/WebhookSolver/WebhookSolver.csproj src/WebhookSolver/
RUN dotnet restore src/WebhookSolver/WebhookSolver.csproj

COPY src/ src/
COPY build/publish.sh build/
RUN bash build/publish.sh /app

# Chiseled Ubuntu: the .NET runtime and ASP.NET Core only, no shell, no package manager.
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /app ./
# Numeric so that Kubernetes can verify runAsNonRoot; matches the chart's podSecurityContext.
USER 65532:65532
ENV AWS_EC2_METADATA_DISABLED=true
EXPOSE 8443 9402
ENTRYPOINT ["dotnet", "/app/WebhookSolver.dll"]
