# syntax=docker/dockerfile:1
#
# docker build -t cert-manager-webhook-route53:dev .
#
# Base images are pinned by fixed version tags (SDK 10.0.401; runtime-deps 10.0.12, the libraries a .NET
# executable links against: the toolchain this repository is built and tested with). For a release, pin digests
# as well by overriding the arguments, e.g.
# --build-arg RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0.12-noble-chiseled@sha256:...
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0.401-noble
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/runtime-deps:10.0.12-noble-chiseled

# The SDK runs on the build machine's own platform (no emulation in a multi-arch build) and compiles for the
# target's architecture: buildx sets TARGETARCH (amd64, arm64), which dotnet's -a accepts as it is. Native AOT
# links with clang; for another architecture, with that architecture's GNU toolchain and zlib.
FROM --platform=$BUILDPLATFORM ${SDK_IMAGE} AS build
ARG TARGETARCH
WORKDIR /src
ENV DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
COPY build/aot-prerequisites.sh build/
RUN bash build/aot-prerequisites.sh "$TARGETARCH" && rm -rf /var/lib/apt/lists/*

# Restore in its own layer so that a source change does not download the packages again. .editorconfig
# carries the style rules that the build treats as errors, as it does outside the image.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/WebhookSolver/WebhookSolver.csproj src/WebhookSolver/
RUN dotnet restore src/WebhookSolver/WebhookSolver.csproj -a "$TARGETARCH"

COPY src/ src/
COPY build/publish.sh build/
RUN bash build/publish.sh /app -a "$TARGETARCH"

# Chiseled Ubuntu with only what a native executable needs (C library, OpenSSL, CA certificates): no .NET
# runtime, no shell, no package manager.
FROM ${RUNTIME_IMAGE}
WORKDIR /app
COPY --from=build /app ./
# Numeric so that Kubernetes can verify runAsNonRoot; matches the chart's podSecurityContext. The user has no
# entry in /etc/passwd, so HOME is set: the AWS SDK looks for ~/.aws there (docker run -v ~/.aws:/home/app/.aws).
USER 65532:65532
ENV AWS_EC2_METADATA_DISABLED=true HOME=/home/app
EXPOSE 8443 9402
ENTRYPOINT ["/app/WebhookSolver"]
