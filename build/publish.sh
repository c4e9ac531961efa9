#!/usr/bin/env bash
# The one publish command. The Dockerfile's build stage runs it and CI runs it (.ci/checks/publish.sh),
# so a publish that breaks fails CI even where no container engine is available.
#
# Framework-dependent on purpose: the runtime image (aspnet chiseled) already carries ASP.NET Core, and
# KubernetesClient and AWSSDK rely on reflection that trimming would break. Without arguments no RID: one
# output serves amd64 and arm64 images; the Dockerfile adds `-a $TARGETARCH` (further arguments go to dotnet
# publish) so each image gets its architecture's assets.
set -euo pipefail
out=${1:?usage: build/publish.sh OUTPUT_DIRECTORY [dotnet publish arguments]}
shift
cd "$(dirname "$0")/.."

dotnet publish src/WebhookSolver/WebhookSolver.csproj \
  --configuration Release \
  --output "$out" \
  --no-self-contained \
  -p:UseAppHost=false \
  -p:DebugType=none \
  -p:SatelliteResourceLanguages=en \
  -p:IsTransformWebConfigDisabled=true \
  "$@"
