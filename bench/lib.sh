# Shared by bench/run-*: build the Release configuration (harness, consumer, API), then hand the
# process over to the harness (exec), so Ctrl+C and SIGTERM reach it directly and it stops every
# child it started (consumer, API, PostgreSQL, wrk, pgbench) before exiting.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(dirname "$BENCH_DIR")"
HARNESS="$REPO_ROOT/bench/Backoffice.Bench/bin/Release/net10.0/Backoffice.Bench"

bench_build() {
  echo "[bench] building Release (harness, Sync Consumer, Admin API)…" >&2
  if ! dotnet build "$REPO_ROOT/bench/Backoffice.Bench/Backoffice.Bench.csproj" -c Release -nologo -v q >"$BENCH_DIR/results/build.log" 2>&1; then
    cat "$BENCH_DIR/results/build.log" >&2
    echo "[bench] build failed" >&2
    exit 1
  fi
}

bench_require() {
  local missing=()
  for tool in wrk pgbench; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "[bench] missing tools: ${missing[*]} (Debian: apt-get install -y wrk postgresql-client)" >&2
    exit 1
  fi
}

# Other work on this 2-core machine (builds, test runs) skews every figure: wait up to
# BENCH_QUIET_WAIT seconds (default 90, 0 = no wait) for the 1-minute load average to drop below 1.5.
# The load average at the start and end of each benchmark is in the JSON either way.
bench_wait_quiet() {
  local waited=0 limit="${BENCH_QUIET_WAIT:-90}" load
  while :; do
    load="$(cut -d' ' -f1 /proc/loadavg)"
    if awk -v l="$load" 'BEGIN { exit !(l < 1.5) }' || [ "$waited" -ge "$limit" ]; then
      break
    fi
    [ "$waited" -eq 0 ] && echo "[bench] load average $load: waiting up to ${limit}s for a quieter machine…" >&2
    sleep 5
    waited=$((waited + 5))
  done
  echo "[bench] load average $(cut -d' ' -f1-3 /proc/loadavg) at start" >&2
}

bench_run() {
  mkdir -p "$BENCH_DIR/results/logs"
  bench_require
  bench_build
  [[ " $* " == *" --quick "* ]] || bench_wait_quiet
  exec "$HARNESS" "$@"
}
