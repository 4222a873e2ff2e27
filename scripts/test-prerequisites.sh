#!/usr/bin/env bash
# What `pnpm test` needs beyond `pnpm install`, made present before vitest starts (CI's .ci/run runs
# this same script through `pnpm test`):
# - Redis on 127.0.0.1:6379 and PostgreSQL on 127.0.0.1:5432, which the tests use directly;
# - Debian's chromium (the browser tests drive it through playwright-core; no browser is downloaded);
# - Debian's python3-flask and golang-go (the seed 003 receiver tests run the seed's Flask and Go
#   samples; Flask goes to /usr/bin/python3, which the test falls back to when the PATH's python3 has
#   no Flask);
# - Debian's prometheus (its promtool checks and unit-tests docker/prometheus's alert rules, and its
#   prometheus scrapes the running apps in test/integration/prometheus-alerts.test.ts).
# Missing Debian packages are installed with apt-get when this runs as root; otherwise it names the
# command to run and stops, so no test is skipped for a missing tool.
set -euo pipefail

fail() {
  echo "pnpm test: $1" >&2
  exit 1
}

redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 ||
  fail "Redis is not answering on 127.0.0.1:6379 (start it, e.g. docker compose -f docker/compose.yaml up -d redis)"
pg_isready -h 127.0.0.1 -p 5432 -q ||
  fail "PostgreSQL is not answering on 127.0.0.1:5432 (start it, e.g. docker compose -f docker/compose.yaml up -d postgres)"

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c 'import flask' >/dev/null 2>&1 || missing+=(python3-flask)
command -v go >/dev/null 2>&1 || missing+=(golang-go)
{ command -v promtool && command -v prometheus; } >/dev/null 2>&1 || missing+=(prometheus)
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  fail "the tests need Debian's ${missing[*]}: run  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
fi
echo "pnpm test: installing Debian's ${missing[*]} (once; the tests need them)" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
