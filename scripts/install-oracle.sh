#!/usr/bin/env bash
# Installs the test-only IAM policy evaluator (tests/oracle, npm, pinned by its lock file).
# Idempotent: runs `npm ci` only when node_modules is missing or was installed from
# another package-lock.json (the lock file's hash is kept in a stamp file).
set -euo pipefail
cd "$(dirname "$0")/../tests/oracle"

command -v node >/dev/null || { echo "install-oracle.sh: node is required (Node 20+) for tests/oracle" >&2; exit 1; }
command -v npm >/dev/null || { echo "install-oracle.sh: npm is required for tests/oracle" >&2; exit 1; }

stamp=node_modules/.awsx-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -d node_modules/@cloud-copilot/iam-simulate ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
echo "== npm ci (tests/oracle)"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
