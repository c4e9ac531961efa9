#!/usr/bin/env bash
# The one publish command. The Dockerfile's build stage runs it and CI runs it (.ci/checks/publish.sh),
# so a publish that breaks fails CI even where no container engine is available.
#
# A Native AOT executable (PublishAot in WebhookSolver.csproj): no .NET runtime in the image, a few tens of MB
# of memory, start-up in milliseconds. It needs clang and zlib's headers (apt-get install clang zlib1g-dev).
# Without arguments it targets this machine's architecture; the Dockerfile adds `-a $TARGETARCH` (further
# arguments go to dotnet publish).
set -euo pipefail
out=${1:?usage: build/publish.sh OUTPUT_DIRECTORY [dotnet publish arguments]}
shift
cd "$(dirname "$0")/.."

command -v clang > /dev/null || { echo "Native AOT needs clang: apt-get install clang zlib1g-dev" >&2; exit 1; }

dotnet publish src/WebhookSolver/WebhookSolver.csproj \
  --configuration Release \
  --output "$out" \
  -p:DebugType=none \
  -p:StripSymbols=true \
  -p:SatelliteResourceLanguages=en \
  -p:IsTransformWebConfigDisabled=true \
  "$@"
# The symbols ILC splits off (a .dbg file) are for debugging, not for the image.
rm -f "$out"/*.dbg
