#!/usr/bin/env bash
# `make test` as two streams at once, because neither keeps two cores busy on its own: the
# scenarios spend much of their time waiting on Docker, apt, pip and their own polls.
#   scripts/test-streams.sh "<scenarios for the checks stream>" "<scenarios for the other>"
#   checks:    lint changelog sanity (ansible-test sanity, then ansible-test units: the unit
#              tests, once per leg), the ansible-core 2.21 leg (lint changelog integration
#              sanity and its scenarios: the integration tests and those scenarios run there
#              only, on the current ansible-core), then its share of the others
#   scenarios: the other molecule scenarios, then the acceptance scripts' own tests (torchtests)
# The Makefile shares the scenarios out (SCENARIOS_WITH_CHECKS) so both streams take about as
# long. Each stream's output goes to the terminal with its name in front of every line and,
# whole, to .cache/test-logs/<stream>.log. Both streams always run to the end; the exit status
# is non-zero when either failed, and the last lines of a failed stream's log are printed again
# at the end, then the failed tests' names and first assertion lines. The streams share nothing
# they could both write at once: the image build takes a lock per image
# (scripts/build-test-image.sh), and each molecule scenario a lock of its own (Makefile).
# `make test-serial` runs the same checks one after the other (it also runs the integration
# tests and the 2.21 leg's scenarios on this venv's ansible-core).
set -euo pipefail
cd "$(dirname "$0")/.."
logs=.cache/test-logs
mkdir -p "${logs}"

stream() {
  local name=$1 start rc
  shift
  start=$(date +%s)
  set +e
  make --no-print-directory "$@" 2>&1 | tee "${logs}/${name}.log" | sed -u "s/^/[${name}] /"
  rc=${PIPESTATUS[0]}
  set -e
  if [ "${rc}" -eq 0 ]; then
    echo "[${name}] stream passed in $(( $(date +%s) - start )) s: make $*"
  else
    echo "[${name}] stream FAILED (make exited ${rc}) after $(( $(date +%s) - start )) s: make $*"
  fi
  return "${rc}"
}

with_checks=${1:?scenarios for the checks stream}
others=${2:?scenarios for the other stream}
stream checks lint changelog sanity test-2.21 molecule SCENARIOS="${with_checks}" &
checks=$!
stream scenarios molecule SCENARIOS="${others}" torchtests &
scenarios=$!

failed=()
wait "${checks}" || failed+=(checks)
wait "${scenarios}" || failed+=(scenarios)
for name in "${failed[@]}"; do
  echo "=== last 150 lines of ${logs}/${name}.log"
  tail -n 150 "${logs}/${name}.log"
done
# Last, where a CI page that shows only the end of the output still has it: which tests and
# tasks failed, and their first assertion lines.
for name in "${failed[@]}"; do
  echo "=== why ${name} failed (from ${logs}/${name}.log)"
  grep -E '^=== molecule scenario [^ ]+$' "${logs}/${name}.log" | tail -n 1 || true
  grep -E '^(FAILED|ERROR) [^-]|^fatal: \[' "${logs}/${name}.log" | cut -c1-400 | head -n 15 || true
  grep -E '^E   ' "${logs}/${name}.log" | cut -c1-400 | head -n 25 || true
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "make test: FAILED: ${failed[*]}"
  exit 1
fi
echo "make test: both streams passed"
