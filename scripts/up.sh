#!/usr/bin/env bash
# Brings Wharf up on embedded defaults and runs a first container:
# installs and builds (scripts/setup.sh), starts the daemon (data root /var/lib/wharf,
# socket unix:///run/wharf/wharf.sock), imports a busybox base image, runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export WHARF_HOST=${WHARF_HOST:-unix:///run/wharf/wharf.sock}
if ./bin/wharf version >/dev/null 2>&1; then
  echo "==> The Wharf daemon is already running at $WHARF_HOST"
else
  echo "==> Starting the Wharf daemon (log: /var/log/wharf.log)"
  nohup ./bin/wharf daemon >>/var/log/wharf.log 2>&1 </dev/null &
  for _ in $(seq 1 100); do ./bin/wharf version >/dev/null 2>&1 && break; sleep 0.2; done
  ./bin/wharf version >/dev/null || { echo "the daemon did not come up; see /var/log/wharf.log" >&2; exit 1; }
fi
if ./bin/wharf image inspect busybox:latest >/dev/null 2>&1; then
  echo "==> Base image busybox:latest already present"
else
  echo "==> Making the base image busybox:latest from Debian's busybox-static"
  ./scripts/make-busybox-rootfs.sh | ./bin/wharf import --change 'CMD ["sh"]' - busybox:latest
fi
echo "==> Running a first container: wharf run --rm busybox echo ..."
./bin/wharf run --rm busybox echo "Hello from a Wharf container"
echo "==> Wharf is up. Try: ./bin/wharf run -it --rm busybox sh   (or: docker -H $WHARF_HOST ps)"
