#!/usr/bin/env bash
# The README's test command (`npm run test:all`): every suite, in dependency order, each timed,
# then one closing summary line "tests: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
log=$(mktemp); trap 'rm -f "$log"' EXIT
failed_stages=()

run() {
  local name=$1; shift
  local start; start=$(date +%s)
  echo "=== test stage: $name"
  "$@" 2>&1 | tee -a "$log"
  local rc=${PIPESTATUS[0]}
  echo "=== test stage: $name took $(( $(date +%s) - start ))s (exit $rc)"
  [ "$rc" -eq 0 ] || failed_stages+=("$name")
}

run lint npm run --silent lint
run unit npm test --silent
run app-pytest npm run --silent test:py
run image npm run --silent test:image

# mocha prints "N passing"/"N failing", pytest "N passed"/"N failed".
sum() { grep -Eo "[0-9]+ ($1)" "$log" | awk '{s+=$1} END {print s+0}'; }
passed=$(sum 'passing|passed')
failed=$(sum 'failing|failed')
if [ "${#failed_stages[@]}" -gt 0 ]; then
  echo "failed stages: ${failed_stages[*]}"
  echo "tests: $passed passed, $failed failed"
  exit 1
fi
echo "tests: $passed passed, $failed failed"
