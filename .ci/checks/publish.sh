#!/usr/bin/env bash
# Runs the image's publish step (build/publish.sh, the same command the Dockerfile runs: a Native AOT executable),
# runs the tests that start the server as a process against the published executable, then measures it
# (build/measure.sh: start-up, idle RSS, the served OpenAPI document, and the benchmark's overhead scenario against
# it), so a broken publish fails CI although no container engine runs here.
set -euo pipefail
cd "$(dirname "$0")/../.."

grep -q '^RUN bash build/publish.sh /app -a "$TARGETARCH"$' Dockerfile || { echo "Dockerfile no longer publishes with build/publish.sh"; exit 1; }

# clang, llvm and zlib's headers, as the Dockerfile's build stage installs them.
out=$(mktemp -d)
trap 'rm -rf "$out" "$out.log"' EXIT
bash build/aot-prerequisites.sh > "$out.log" 2>&1 || { cat "$out.log"; echo "installing the Native AOT toolchain failed"; exit 1; }

began=$SECONDS
if ! bash build/publish.sh "$out" > "$out.log" 2>&1; then
  # The AOT compiler has died of SIGBUS ("Bus error", exit 135) once on a build machine and succeeded when rerun;
  # that one failure is retried once, visibly. Any other failure fails the check.
  grep -q "Bus error" "$out.log" || { cat "$out.log"; exit 1; }
  echo "the AOT compiler died of a bus error; publishing once more"
  bash build/publish.sh "$out" > "$out.log" 2>&1 || { cat "$out.log"; exit 1; }
fi
echo "Native AOT publish took $((SECONDS - began)) s"

[ -x "$out/WebhookSolver" ] || { echo "publish output lacks the WebhookSolver executable"; exit 1; }
# The image's entrypoint, run as the image runs it.
if ! usage=$("$out/WebhookSolver" --help); then
  echo "the published executable does not start"; exit 1
fi
grep -q -- '--secure-port' <<<"$usage" || { echo "the published executable's --help lacks --secure-port"; exit 1; }

# The tests that start the server as a process (trait Server=Process: first run, JSON logs, a non-local deployment
# with front-proxy trust, SubjectAccessReviews, Secrets, TokenRequests, STS and Leases), against the executable.
began=$SECONDS
if ! WEBHOOK_SERVER="$out/WebhookSolver" dotnet test tests/WebhookSolver.Tests --no-build --filter "Server=Process" > "$out.log" 2>&1; then
  grep -E "Failed |Error Message|Expected|error" "$out.log" | head -40
  echo "the process tests fail against the Native AOT executable"; exit 1
fi
grep -Eo "Passed: +[0-9]+" "$out.log" | tail -1 | sed "s/^/process tests against the executable: /"
echo "process tests took $((SECONDS - began)) s"

began=$SECONDS
bash build/measure.sh "$out"
echo "measuring took $((SECONDS - began)) s"
echo "publish ok"
