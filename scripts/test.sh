#!/usr/bin/env bash
# `npm test`: typecheck, lint, unit, conformance and end-to-end tests; exits non-zero when any part
# fails (every part always runs to the end). Independent parts run side by side in three lanes, so
# the wall time is the longest lane, not the sum (docs/decisions/0034-ci.md):
#
#   A  typecheck and lint side by side, then unit + conformance, two files at a time (in-process, short)
#   B  the end-to-end files one at a time (each starts whole platforms), except those in lane C
#   C  test/e2e/recount.test.ts alone: minutes of real-time simulation, little CPU
#
# Lane A reports live; B and C are buffered and printed (whole) when they end. Every file is a
# separate node process on free ports and its own temp dir, as the tests' house rules require.
# TEST_LANES=serial runs everything one after the other (the old way), e.g. to compare timings.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PATH=$PWD/node_modules/.bin:$PATH
shopt -s globstar nullglob

SOLO=(test/e2e/recount.test.ts)
UNIT=(test/unit/**/*.test.ts test/conformance/**/*.test.ts)
E2E=()
for f in test/e2e/**/*.test.ts; do [[ " ${SOLO[*]} " == *" $f "* ]] || E2E+=("$f"); done

run_tests() { # run_tests CONCURRENCY FILE...
  local n=$1
  shift
  (($#)) || return 0
  node --test --test-concurrency="$n" --test-reporter=spec "$@"
}

if [[ ${TEST_LANES:-} == serial ]]; then
  npm run typecheck && npm run lint && run_tests 1 "${UNIT[@]}" "${SOLO[@]}" "${E2E[@]}"
  exit
fi

now() { date +%s; }
t0=$(now)
out=$(mktemp -d "${TMPDIR:-/tmp}/gofuture-test.XXXXXX")
trap 'rm -rf "$out"' EXIT

lane() { # lane NAME CONCURRENCY FILE...: runs the files into $out/NAME.log, the end time into $out/NAME.end
  local name=$1 rc=0
  shift
  run_tests "$@" >"$out/$name.log" 2>&1 || rc=$?
  now >"$out/$name.end"
  return "$rc"
}
took() { echo "$(($(cat "$out/$1.end" 2>/dev/null || now) - t0)) s"; }

lane c 1 "${SOLO[@]}" &
lane_c=$!
lane b 1 "${E2E[@]}" &
lane_b=$!

status=0
npm run -s typecheck >"$out/typecheck.log" 2>&1 &
tc=$!
npm run -s lint >"$out/lint.log" 2>&1 &
lint=$!
wait "$tc" || { status=1; echo "== typecheck FAILED"; }
cat "$out/typecheck.log"
wait "$lint" || { status=1; echo "== lint FAILED"; }
cat "$out/lint.log"
echo "== typecheck + lint done ($(($(now) - t0)) s)"
run_tests 2 "${UNIT[@]}" || status=1
echo "== unit + conformance done ($(($(now) - t0)) s)"

wait "$lane_b" || status=1
echo "== e2e, one file at a time (ran alongside; done after $(took b))"
cat "$out/b.log"
wait "$lane_c" || status=1
echo "== ${SOLO[*]} (ran alongside; done after $(took c))"
cat "$out/c.log"
echo "== npm test: $( ((status == 0)) && echo passed || echo FAILED) in $(($(now) - t0)) s"
exit "$status"
