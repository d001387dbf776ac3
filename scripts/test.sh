#!/usr/bin/env bash
# Installs everything the test suite needs (including the real peers it drives: Docker's
# daemon and registry, docker-compose, skopeo, etcd), builds Wharf and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --test
echo "==> Running the test suite (node --test over dist/**/*.test.js)"
exec node scripts/run-tests.mjs "$@"
