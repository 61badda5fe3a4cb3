#!/usr/bin/env bash
# Make sure a Docker daemon answers. Start one only when none does: a second daemon started
# with --bridge=none would delete the first one's docker0. Never creates bridge networks.
set -euo pipefail

log=${GPULAB_DOCKERD_LOG:-/var/log/gpulab-dockerd.log}

if docker info >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-docker: no Docker daemon answers and this is not root; start Docker (or run as root) and retry" >&2
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  echo "ensure-docker: installing docker.io from Debian" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi

if pgrep -x dockerd >/dev/null 2>&1; then
  echo "ensure-docker: a dockerd process exists but does not answer; not starting a second one" >&2
  echo "ensure-docker: see ${log} or stop it first" >&2
  exit 1
fi

echo "ensure-docker: starting dockerd (log: ${log})" >&2
# setsid: the daemon outlives this script and the make process that called it.
setsid dockerd --bridge=none --iptables=false --ip-masq=false --ip-forward=false \
  >>"${log}" 2>&1 </dev/null &

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "ensure-docker: daemon is up" >&2
    exit 0
  fi
  sleep 1
done
echo "ensure-docker: dockerd did not answer within 60 s; last lines of ${log}:" >&2
tail -n 20 "${log}" >&2 || true
exit 1
