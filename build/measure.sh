#!/usr/bin/env bash
# Figures of the published server (the output of build/publish.sh): its size and the image it makes, start-up to a
# serving /healthz, resident memory when idle, and the benchmark's overhead scenario run against the executable
# (RSS under load). Fails when the executable does not start, serves another OpenAPI document than the one in the
# repository, or the benchmark reports a correctness failure; the figures themselves are printed, not judged.
#
#   build/measure.sh PUBLISH_DIRECTORY [--no-bench]
set -euo pipefail
dir=$(cd "${1:?usage: build/measure.sh PUBLISH_DIRECTORY [--no-bench]}" && pwd)
bench=${2:-}
cd "$(dirname "$0")/.."
exe="$dir/WebhookSolver"
[ -x "$exe" ] || { echo "$exe is not an executable: publish with build/publish.sh"; exit 1; }
starts=5

# Size. The image is its base plus this directory. runtime-deps:10.0.12-noble-chiseled is documented at about 6 MB
# compressed; uncompressed it holds glibc, OpenSSL, libstdc++ and the CA bundle, about 13 MB (the same files measure
# so on Ubuntu and Debian). No container engine runs here, so the image size is that sum, not a measurement.
base_mib=13
published_kib=$(du -sk "$dir" | cut -f1)
mib() { awk -v kib="$1" 'BEGIN { printf "%.1f", kib / 1024 }'; }
echo "published output: $(mib "$published_kib") MiB ($(cd "$dir" && ls | tr '\n' ' '))"
echo "image estimate: $(mib $((base_mib * 1024 + published_kib))) MiB uncompressed ($base_mib MiB runtime-deps chiseled base + the published output)"

free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 20000))
    (echo > "/dev/tcp/127.0.0.1/$port") 2> /dev/null || { echo "$port"; return; }
  done
}

pid=
stop() { [ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null; pid=; }
trap stop EXIT

# Starts the server in local mode on a free port; sets elapsed to the milliseconds until /healthz answered ok.
start() {
  port=$(free_port)
  log=$(mktemp)
  local begin now
  begin=$(date +%s%N)
  env -i PATH="$PATH" HOME="${HOME:-/tmp}" AWS_EC2_METADATA_DISABLED=true AWS_REGION=us-east-1 \
    "$exe" --local --secure-port "$port" --metrics-port 0 > "$log" 2>&1 &
  pid=$!
  while :; do
    if [ "$(curl -sk --max-time 1 "https://127.0.0.1:$port/healthz" 2> /dev/null)" = ok ]; then
      now=$(date +%s%N)
      elapsed=$(((now - begin) / 1000000))
      # CPU time the process spent getting there (user + system, in clock ticks): what start-up costs, whatever
      # else the machine is doing at the time.
      cpu=$(awk -v tick="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); print int(($12 + $13) * 1000 / tick) }' "/proc/$pid/stat")
      return
    fi
    if ! kill -0 "$pid" 2> /dev/null; then
      echo "the server exited while starting:" >&2; cat "$log" >&2; return 1
    fi
    if [ $(($(date +%s%N) - begin)) -gt 20000000000 ]; then
      echo "the server did not answer /healthz within 20 s:" >&2; cat "$log" >&2; return 1
    fi
    sleep 0.002
  done
}

times=()
cpus=()
for ((i = 1; i <= starts; i++)); do
  start
  times+=("$elapsed")
  cpus+=("$cpu")
  if [ "$i" -eq 1 ]; then
    # Idle: started, one request served, nothing else.
    sleep 2
    idle_kib=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    idle_anon_kib=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status")
    idle_file_kib=$(awk '/^RssFile:/ { print $2 }' "/proc/$pid/status")
    served=$(curl -sk --max-time 5 "https://127.0.0.1:$port/openapi/v2")
    if [ "$(jq -S . <<<"$served")" != "$(jq -S . src/WebhookSolver/Challenges/openapi-v2.json)" ]; then
      echo "the executable serves another /openapi/v2 than src/WebhookSolver/Challenges/openapi-v2.json"; exit 1
    fi
    swagger_ui=$(curl -sk --max-time 5 -o /dev/null -w '%{http_code}' "https://127.0.0.1:$port/swagger/index.html")
    [ "$swagger_ui" = 200 ] || { echo "Swagger UI answered $swagger_ui in local mode"; exit 1; }
  fi
  stop
  rm -f "$log"
done
sorted=$(printf '%s\n' "${times[@]}" | sort -n)
printf 'start-up to a serving /healthz: median %s ms, max %s ms (%s starts: %s)\n' \
  "$(sed -n "$(((starts + 1) / 2))p" <<<"$sorted")" "$(tail -1 <<<"$sorted")" "$starts" "${times[*]}"
sorted=$(printf '%s\n' "${cpus[@]}" | sort -n)
printf 'CPU time to a serving /healthz: median %s ms (%s starts: %s)\n' "$(sed -n "$(((starts + 1) / 2))p" <<<"$sorted")" "$starts" "${cpus[*]}"
echo "idle RSS: $(mib "$idle_kib") MiB, of which $(mib "$idle_anon_kib") MiB anonymous and $(mib "$idle_file_kib") MiB mapped from the executable and libraries (2 s after start-up, one request served)"
echo "/openapi/v2 and Swagger UI served by the executable: ok"

if [ "$bench" != --no-bench ]; then
  # The benchmark's overhead scenario against this executable: idle, loaded and peak RSS of the server process.
  # A phase that hangs is stopped after 5 minutes (the bench fails then) rather than holding CI for the default 15.
  dotnet run -c Release --project bench/WebhookSolver.Bench -- --scenario overhead --server "$exe" --time-cap 5m
fi
