# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build a signed apt repository laid out like NVIDIA's CUDA repository (a test double of it).

    python3 make_mirror.py DEST

DEST/key.asc           a throwaway signing key made here (gpg, no passphrase), public part
DEST/fingerprint       its 40-hex fingerprint
DEST/other.asc         a second key that signs nothing (other_fingerprint: its fingerprint)
DEST/debian12/x86_64/  a flat repository ("Suites: /"): one probe package, Packages, Release,
                       InRelease signed with the key

Nothing here is NVIDIA's: the point is that the roles' repository set-up trusts a mirror only
through the key whose fingerprint they were given, and that apt accepts what they wrote.
Needs gpg and dpkg-deb. Idempotent: an existing DEST with a fingerprint file is left alone.
"""

import email.utils
import hashlib
import os
import subprocess
import sys
import tempfile

PROBE = "gpulab-mirror-probe"


def run(argv, **kwargs):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kwargs).stdout


def main(dest):
    if os.path.isfile(os.path.join(dest, "fingerprint")):
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

        build = os.path.join(home, "pkg")
        os.makedirs(os.path.join(build, "DEBIAN"))
        with open(os.path.join(build, "DEBIAN", "control"), "w") as handle:
            handle.write("Package: %s\nVersion: 1.0\nArchitecture: all\n"
                         "Maintainer: gpulab <mirror@gpulab.invalid>\n"
                         "Description: probe package of the gpulab test mirror\n" % PROBE)
        deb = os.path.join(repo, "%s_1.0_all.deb" % PROBE)
        run(["dpkg-deb", "--root-owner-group", "--build", build, deb])
        with open(deb, "rb") as handle:
            data = handle.read()
        control = run(["dpkg-deb", "-f", deb]).rstrip("\n")
        packages = "%s\nFilename: ./%s\nSize: %d\nSHA256: %s\n" % (
            control, os.path.basename(deb), len(data), hashlib.sha256(data).hexdigest())
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
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1]))
