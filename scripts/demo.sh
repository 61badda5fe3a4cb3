#!/usr/bin/env bash
# `make demo`: run site.yml against a throwaway Debian 12 container host and print the
# summary. The container is removed afterwards unless GPULAB_DEMO_KEEP=1.
set -euo pipefail
cd "$(dirname "$0")/.."
name=gpulab-demo
image=${GPULAB_TEST_IMAGE:-gpulab/debian12-test:local}

cleanup() {
  if [ "${GPULAB_DEMO_KEEP:-0}" = 1 ]; then
    echo "demo: keeping container ${name} (docker rm -f ${name} to remove it)"
  else
    docker rm -f "${name}" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

docker rm -f "${name}" >/dev/null 2>&1 || true
docker run -d --name "${name}" --hostname "${name}" --network host "${image}" sleep infinity >/dev/null
echo "demo: started ${name} from ${image}; running site.yml"
ansible-playbook -i inventories/demo site.yml "$@"
