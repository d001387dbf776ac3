#!/usr/bin/env bash
# Installs what Wharf needs on a fresh Debian 12 machine (as root) and builds it.
#   scripts/setup.sh          runtime needs: runc, conmon, busybox-static, tini, iptables, CNI plugins,
#                             zstd/xz/bzip2 (decompressors for such layers)
#   scripts/setup.sh --test   also the real peers the test suite drives: Docker's daemon, registry,
#                             docker-compose, skopeo, etcd
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_pkgs=(runc conmon busybox-static tini iptables nftables containernetworking-plugins iproute2 ca-certificates zstd xz-utils bzip2)
test_pkgs=(docker.io docker-registry docker-compose skopeo etcd-server etcd-client apache2-utils)
pkgs=("${runtime_pkgs[@]}")
[ "${1:-}" = "--test" ] && pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # docker.io's package starts its own daemon on the default socket; Wharf's tests run
  # their own dockerd on private paths, so the system one is not needed.
  if [[ " ${missing[*]} " == *" docker.io "* ]] && command -v systemctl >/dev/null 2>&1; then
    systemctl disable --now docker.service docker.socket containerd.service >/dev/null 2>&1 || true
  fi
else
  echo "==> Debian packages already present: ${pkgs[*]}"
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  # `npm install` rather than `npm ci`: node-unix-socket names prebuilt optional packages for
  # other platforms that the registry does not serve, which `npm ci` counts as a stale lock.
  echo "==> Installing npm packages (npm install, pinned by package-lock.json)"
  npm install --no-audit --no-fund --loglevel=error
fi
echo "==> Compiling TypeScript (npm run build)"
npm run --silent build
echo "==> Build ready: ./bin/wharf"
