#!/usr/bin/env bash
# Build a Debian image from debootstrap and import it under a local tag.
#   scripts/build-test-image.sh            Debian 12 (bookworm) test host, gpulab/debian12-test:local
#   scripts/build-test-image.sh trixie     Debian 13 (trixie) test host, gpulab/debian13-test:local
#                                          (the same base packages as the Debian 12 one), and from
#                                          it the Debian 13 controller with Python 3.13,
#                                          gpulab/debian13-controller:local (adds python3-venv, git,
#                                          make, gcc, libc6-dev for the NVML test double); the
#                                          ansible-core 2.21 leg of `make test` runs in the
#                                          controller (scripts/controller-2.21.sh)
# Rebuilt only when the image is missing or this recipe (script + suite + trusted CA files)
# changed. GPULAB_TEST_IMAGE overrides the bookworm tag, GPULAB_TEST_IMAGE_13 the trixie host's,
# GPULAB_CONTROLLER_IMAGE the controller's; set GPULAB_TEST_IMAGE_PREBUILT=1 to use an image you
# pulled yourself (it must already exist and have python3, sudo and apt available).
set -euo pipefail

suite=${1:-bookworm}
mirror=${GPULAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
ca_dir=/usr/local/share/ca-certificates
packages=python3,python3-apt,python3-packaging,sudo,ca-certificates,gnupg,systemd,procps,kmod,xz-utils
case "${suite}" in
  bookworm) image=${GPULAB_TEST_IMAGE:-gpulab/debian12-test:local} ;;
  trixie)   image=${GPULAB_TEST_IMAGE_13:-gpulab/debian13-test:local}
            controller=${GPULAB_CONTROLLER_IMAGE:-gpulab/debian13-controller:local}
            controller_packages="python3-venv git make gcc libc6-dev" ;;
  *) echo "build-test-image: unknown suite '${suite}' (bookworm or trixie)" >&2; exit 2 ;;
esac

if [ "${GPULAB_TEST_IMAGE_PREBUILT:-0}" = 1 ]; then
  for name in "${image}" ${controller:+"${controller}"}; do
    docker image inspect "${name}" >/dev/null 2>&1 || {
      echo "build-test-image: GPULAB_TEST_IMAGE_PREBUILT=1 but ${name} is not present" >&2; exit 1; }
  done
  exit 0
fi

# One build of an image at a time (make test's two streams may both ask for it): the second
# waits here, then finds the image current.
exec 9>"/tmp/gpulab-build-image-${suite}.lock"
flock 9

recipe=$( { cat "$0"; echo "${suite} ${mirror} ${packages}"; find "${ca_dir}" -type f -name '*.crt' -print0 2>/dev/null \
  | sort -z | xargs -0 -r cat; } | sha256sum | cut -c1-16)
label() { docker image inspect -f '{{ index .Config.Labels "gpulab.recipe" }}' "$1" 2>/dev/null || true; }

# The controller: the trixie host image plus its tools, in one container committed as an image.
build_controller() {
  local want name
  want=$(echo "${recipe} ${controller_packages}" | sha256sum | cut -c1-16)
  if [ "$(label "${controller}")" = "${want}" ]; then
    echo "build-test-image: ${controller} is current (recipe ${want})"
    return 0
  fi
  name=gpulab-build-controller-$$
  docker rm -f "${name}" >/dev/null 2>&1 || true
  docker run --name "${name}" --network host "${image}" bash -c \
    "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
     ${controller_packages} >/dev/null && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb" >&2 || {
    docker rm -f "${name}" >/dev/null 2>&1; echo "build-test-image: installing the controller's tools failed" >&2; exit 1; }
  docker commit --change "LABEL gpulab.recipe=${want}" --change 'CMD ["sleep", "infinity"]' \
    "${name}" "${controller}" >/dev/null
  docker rm "${name}" >/dev/null
  echo "build-test-image: built ${controller} from ${image} (recipe ${want})"
}

if [ "$(label "${image}")" = "${recipe}" ]; then
  echo "build-test-image: ${image} is current (recipe ${recipe})"
  if [ -n "${controller:-}" ]; then build_controller; fi
  exit 0
fi

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "build-test-image: installing debootstrap from Debian" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

work=$(mktemp -d /var/tmp/gpulab-rootfs.XXXXXX)
trap 'rm -rf "${work}"' EXIT
root=${work}/rootfs
echo "build-test-image: debootstrap ${suite} into ${root} (a few minutes)" >&2
debootstrap --variant=minbase --include="${packages}" "${suite}" "${root}" "${mirror}" >"${work}/debootstrap.log" 2>&1 || {
  tail -n 30 "${work}/debootstrap.log" >&2; exit 1; }

# Every Debian suite the roles may use, signed by Debian's own archive keyring.
cat > "${root}/etc/apt/sources.list" <<SOURCES
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${suite} main contrib non-free non-free-firmware
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${suite}-updates main contrib non-free non-free-firmware
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${suite}-backports main contrib non-free non-free-firmware
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror%/debian}/debian-security ${suite}-security main contrib non-free non-free-firmware
SOURCES

# Trust the controller's extra CA certificates so pip and apt work through its proxy.
if compgen -G "${ca_dir}/*.crt" >/dev/null; then
  cp "${ca_dir}"/*.crt "${root}/usr/local/share/ca-certificates/"
  chroot "${root}" update-ca-certificates >/dev/null
fi
rm -rf "${root}"/var/lib/apt/lists/* "${root}"/var/cache/apt/archives/*.deb

tar -C "${root}" -c . | docker import \
  --change "LABEL gpulab.recipe=${recipe}" \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["sleep", "infinity"]' \
  - "${image}" >/dev/null
echo "build-test-image: built ${image} (recipe ${recipe})"
if [ -n "${controller:-}" ]; then build_controller; fi
