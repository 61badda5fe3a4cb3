#!/usr/bin/env bash
# Run a command in a Debian 13 (Python 3.13) controller container, for the ansible-core 2.21 leg
# of `make test`: scripts/controller-2.21.sh make lint integration ... VENV=.venv-2.21 ...
# The checkout (and its git directory) is mounted at the same path, so paths in the venv, the
# collection link and molecule's state are the same inside and out; /var/run/docker.sock and the
# host's docker CLI let molecule start its Debian 12 test hosts next to the container (siblings
# on the host's Docker engine, host network); ~/.cache/gpulab (controller cache) and
# ~/.cache/molecule are shared with the host. Nothing is pulled: the image is built by
# scripts/build-test-image.sh trixie (cached by recipe).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
image=${GPULAB_CONTROLLER_IMAGE:-gpulab/debian13-controller:local}
"${top}/scripts/build-test-image.sh" trixie

docker_cli=$(command -v docker)
git_common=$(cd "${top}" && cd "$(git rev-parse --git-common-dir)" && pwd)
mkdir -p "${HOME}/.cache/gpulab" "${HOME}/.cache/molecule"
mounts=(-v "${top}:${top}" -v /var/run/docker.sock:/var/run/docker.sock
        -v "${docker_cli}:/usr/local/bin/docker:ro"
        -v "${HOME}/.cache/gpulab:/root/.cache/gpulab" -v "${HOME}/.cache/molecule:/root/.cache/molecule")
case "${git_common}" in "${top}"/*) ;; *) mounts+=(-v "${git_common}:${git_common}:ro") ;; esac

# The Debian 12 test-host image is built on the host (make test-2.21 does it first); inside,
# molecule only checks that it exists. The checkout's fact cache (ansible.cfg: .cache/facts)
# holds discovered interpreters, so the container's Python 3.13 gets a cache of its own.
exec docker run --rm --network host "${mounts[@]}" -w "${top}" \
  -e GPULAB_TEST_IMAGE_PREBUILT=1 -e GPULAB_TEST_IMAGE="${GPULAB_TEST_IMAGE:-gpulab/debian12-test:local}" \
  -e HOME=/root -e TMPDIR=/tmp -e ANSIBLE_CACHE_PLUGIN_CONNECTION="${top}/.cache/facts-2.21" \
  "${image}" "$@"
