#!/usr/bin/env bash
# README command (2): set up a fresh machine and run every test. .ci/run calls this.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
. scripts/setup.sh
echo "== typecheck"
pnpm -s typecheck
echo "== tests"
mkdir -p .cache
status=0
pnpm -s vitest run --reporter=default --reporter=json --outputFile.json=.cache/vitest-report.json "$@" || status=$?
node scripts/test-summary.ts .cache/vitest-report.json || status=1
exit $status
