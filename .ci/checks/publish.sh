#!/usr/bin/env bash
# Runs the image's publish step (build/publish.sh, the same command the Dockerfile runs) and starts the
# published app, so a broken publish fails CI although no container engine runs here.
set -euo pipefail
cd "$(dirname "$0")/../.."

grep -q '^RUN bash build/publish.sh /app -a "$TARGETARCH"$' Dockerfile || { echo "Dockerfile no longer publishes with build/publish.sh"; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash build/publish.sh "$out" > "$out.log" 2>&1 || { cat "$out.log"; rm -f "$out.log"; exit 1; }
rm -f "$out.log"

for file in WebhookSolver.dll WebhookSolver.runtimeconfig.json WebhookSolver.deps.json; do
  [ -f "$out/$file" ] || { echo "publish output lacks $file"; exit 1; }
done

# The image's entrypoint, run as the image runs it.
if ! usage=$(dotnet "$out/WebhookSolver.dll" --help); then
  echo "the published app does not start"; exit 1
fi
grep -q -- '--secure-port' <<<"$usage" || { echo "the published app's --help lacks --secure-port"; exit 1; }

echo "publish ok: $(du -sh "$out" | cut -f1) published output"
