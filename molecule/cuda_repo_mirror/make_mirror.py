# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build a signed apt repository laid out like NVIDIA's CUDA repository (a test double of it).

    python3 make_mirror.py DEST

DEST/key.asc           a throwaway signing key made here (gpg, no passphrase), public part
DEST/fingerprint       its 40-hex fingerprint
DEST/other.asc         a second key that signs nothing (other_fingerprint: its fingerprint)
DEST/debian12/x86_64/  a flat repository ("Suites: /"): one probe package and the test builds
                       below, Packages, Release, InRelease signed with the key

Nothing here is NVIDIA's: the point is that the roles' repository set-up trusts a mirror only
through the key whose fingerprint they were given, that apt accepts what they wrote, and that
the driver role's Fabric Manager steps (one install transaction with the driver, the hold, the
service) run for real against packages that carry NVIDIA's names and versions (TEST BUILDS,
each says so in its description and in /usr/share/doc).
Needs gpg and dpkg-deb. Idempotent: an existing DEST with a fingerprint file is left alone.
"""

import email.utils
import hashlib
import os
import subprocess
import sys
import tempfile

PROBE = "gpulab-mirror-probe"
# Written last: a DEST from an older make_mirror.py (without it) is built again.
LAYOUT = "layout-2"
# TEST BUILDS named like NVIDIA's packages of the 535 branch, at three driver versions:
# cuda-drivers-535 (an empty metapackage: the real driver is tested with Debian's packages
# elsewhere) and nvidia-fabricmanager-535, whose "daemon" is a shell script with a systemd unit
# shaped like NVIDIA's (Type=forking). The FAILING_VERSION build exits 1 at start on purpose.
TEST_DRIVER_VERSIONS = ("535.216.03", "535.230.02", "535.261.03")
FAILING_VERSION = "535.230.02"
TEST_BUILD = ("TEST BUILD by gpulab.pytorch_stack's CI, not NVIDIA's package: it only carries "
              "NVIDIA's name and version so that the roles' install, hold and service steps "
              "run for real on apt.")

FM_UNIT = """[Unit]
Description=gpulab TEST BUILD standing in for NVIDIA fabric manager service
After=network-online.target

[Service]
Type=forking
PIDFile=/run/nvidia-fabricmanager/nv-fabricmanager.pid
RuntimeDirectory=nvidia-fabricmanager
ExecStart=/usr/bin/nv-fabricmanager -c /usr/share/nvidia/nvswitch/fabricmanager.cfg

[Install]
WantedBy=multi-user.target
"""

# A stand-in daemon: checks its config, logs its start, forks a sleeper that systemd tracks.
FM_DAEMON = """#!/bin/sh
# gpulab TEST BUILD standing in for nv-fabricmanager %(version)s: not NVIDIA's program.
[ "$1" = "-c" ] && [ -r "$2" ] || { echo "usage: nv-fabricmanager -c CONFIG" >&2; exit 2; }
if [ "%(fails)s" = "yes" ]; then
    echo "$(date -Is) test build %(version)s: fails at start on purpose" >>/var/log/fabricmanager.log
    echo "nv-fabricmanager %(version)s (gpulab test build): fails at start on purpose" >&2
    exit 1
fi
echo "$(date -Is) test build %(version)s started" >>/var/log/fabricmanager.log
sleep infinity </dev/null >/dev/null 2>&1 &
echo $! >/run/nvidia-fabricmanager/nv-fabricmanager.pid
"""


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs).stdout


def build_package(repo, home, name, version, arch, description, files):
    """Build one .deb from ``files`` ({path: (mode, text)}) into ``repo``; its Packages stanza."""
    build = os.path.join(home, "pkg-%s-%s" % (name, version))
    os.makedirs(os.path.join(build, "DEBIAN"))
    for path, (mode, text) in files.items():
        target = os.path.join(build, path.lstrip("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "w") as handle:
            handle.write(text)
        os.chmod(target, mode)
    with open(os.path.join(build, "DEBIAN", "control"), "w") as handle:
        handle.write("Package: %s\nVersion: %s\nArchitecture: %s\n"
                     "Maintainer: gpulab <mirror@gpulab.invalid>\nDescription: %s\n"
                     % (name, version, arch, description))
    deb = os.path.join(repo, "%s_%s_%s.deb" % (name, version, arch))
    run(["dpkg-deb", "--root-owner-group", "--build", build, deb])
    with open(deb, "rb") as handle:
        data = handle.read()
    control = run(["dpkg-deb", "-f", deb]).rstrip("\n")
    return "%s\nFilename: ./%s\nSize: %d\nSHA256: %s\n" % (
        control, os.path.basename(deb), len(data), hashlib.sha256(data).hexdigest())


def test_driver_packages(repo, home, driver, fails):
    """cuda-drivers-535 and nvidia-fabricmanager-535 at ``driver``-1 (test builds)."""
    version = driver + "-1"
    doc = (0o644, TEST_BUILD + "\n")
    daemon = FM_DAEMON % {"version": driver, "fails": "yes" if fails else "no"}
    fabric_manager_files = {
        "/usr/bin/nv-fabricmanager": (0o755, daemon),
        "/lib/systemd/system/nvidia-fabricmanager.service": (0o644, FM_UNIT),
        "/usr/share/nvidia/nvswitch/fabricmanager.cfg": (0o644, "# gpulab test build\nFABRIC_MODE=0\n"),
        "/usr/share/doc/nvidia-fabricmanager-535/README.gpulab-test-build": doc,
    }
    return [
        build_package(repo, home, "cuda-drivers-535", version, "amd64",
                      "TEST BUILD of cuda-drivers-535 (empty)\n " + TEST_BUILD,
                      {"/usr/share/doc/cuda-drivers-535/README.gpulab-test-build": doc}),
        build_package(repo, home, "nvidia-fabricmanager-535", version, "amd64",
                      "TEST BUILD of nvidia-fabricmanager-535\n " + TEST_BUILD, fabric_manager_files),
    ]


def main(dest):
    if os.path.isfile(os.path.join(dest, LAYOUT)):
        return 0
    repo = os.path.join(dest, "debian12", "x86_64")
    os.makedirs(repo, exist_ok=True)
    with tempfile.TemporaryDirectory() as home:
        env = dict(os.environ, GNUPGHOME=home)
        run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
             "gpulab test mirror <mirror@gpulab.invalid>", "ed25519", "sign", "never"], env=env)
        listing = run(["gpg", "--batch", "--with-colons", "--list-keys"], env=env)
        fingerprint = [line.split(":")[9] for line in listing.splitlines()
                       if line.startswith("fpr:")][0]
        with open(os.path.join(dest, "key.asc"), "w") as handle:
            handle.write(run(["gpg", "--batch", "--armor", "--export", fingerprint], env=env))
        run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
             "gpulab other key <other@gpulab.invalid>", "ed25519", "sign", "never"], env=env)
        listing = run(["gpg", "--batch", "--with-colons", "--list-keys", "other@gpulab.invalid"],
                      env=env)
        other = [line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr:")][0]
        with open(os.path.join(dest, "other.asc"), "w") as handle:
            handle.write(run(["gpg", "--batch", "--armor", "--export", other], env=env))
        with open(os.path.join(dest, "other_fingerprint"), "w") as handle:
            handle.write(other + "\n")

        stanzas = [build_package(repo, home, PROBE, "1.0", "all",
                                 "probe package of the gpulab test mirror", {})]
        for version in TEST_DRIVER_VERSIONS:
            stanzas += test_driver_packages(repo, home, version,
                                            fails=version == FAILING_VERSION)
        packages = "\n".join(stanzas)
        with open(os.path.join(repo, "Packages"), "w") as handle:
            handle.write(packages)
        release = ("Origin: gpulab-test-mirror\nLabel: gpulab-test-mirror\nArchitectures: all amd64\n"
                   "Date: %s\nSHA256:\n %s %d Packages\n"
                   % (email.utils.formatdate(usegmt=True),
                      hashlib.sha256(packages.encode()).hexdigest(), len(packages.encode())))
        with open(os.path.join(repo, "Release"), "w") as handle:
            handle.write(release)
        run(["gpg", "--batch", "--yes", "--local-user", fingerprint, "--clearsign",
             "--output", os.path.join(repo, "InRelease"), os.path.join(repo, "Release")], env=env)
    with open(os.path.join(dest, "fingerprint"), "w") as handle:
        handle.write(fingerprint + "\n")
    with open(os.path.join(dest, LAYOUT), "w") as handle:
        handle.write("complete\n")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
