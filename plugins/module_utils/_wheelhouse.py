# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Wheelhouses: wheels downloaded once on the controller for a target platform, recorded with
their sha256 in a manifest, sent to hosts (only what a host lacks), verified there and installed
with ``pip`` or ``uv`` ``--no-index --require-hashes``.

A wheelhouse directory holds the wheels, ``manifest.json`` (every wheel's sha256 and size) and
``requirements.txt`` (every wheel pinned ``name==version --hash=sha256:...``).

Instead of being sent from the controller, the wheels a host lacks can be fetched by the host
itself from a lab mirror: a web server that serves a copy of the controller cache
(``fetch_from_mirror``), each wheel held to the same size and sha256.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re
import shutil
import zipfile
from urllib.parse import quote

MANIFEST = "manifest.json"
# Where fetch_from_mirror gathers a batch before any of it is placed (inside the wheelhouse, so
# the move into place is a rename on the same file system; a leftover is removed next time).
MIRROR_STAGING = ".mirror-staging"
REQUIREMENTS = "requirements.txt"
# name-version(-build)?-python-abi-platform.whl (PEP 427)
_WHEEL = re.compile(r"^(?P<name>[A-Za-z0-9_.]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-(?P<platform>[^-]+)\.whl$")
_GLIBC = re.compile(r"^2\.(\d+)$")
# Legacy manylinux names and the glibc minor they stand for (PEP 599, PEP 571, PEP 513).
_LEGACY = ((17, "manylinux2014"), (12, "manylinux2010"), (5, "manylinux1"))
_ARCHES = ("x86_64", "aarch64", "ppc64le", "s390x")


class WheelhouseError(ValueError):
    """A wheelhouse that cannot be used; the message says what is wrong and what to do."""


def manylinux_platforms(glibc, arch):
    """Every manylinux platform tag a host with this glibc (``"2.36"``) and machine
    (``"x86_64"``) can install, newest first, for ``pip download --platform``. pip does not
    expand ``manylinux_2_28_x86_64`` to the older tags itself, so they are listed one by one."""
    match = _GLIBC.match(str(glibc).strip())
    if not match:
        raise WheelhouseError("glibc version %r is not like '2.36'" % (glibc,))
    if arch not in _ARCHES:
        raise WheelhouseError("machine %r is not one of %s" % (arch, ", ".join(_ARCHES)))
    newest = int(match.group(1))
    if newest < 17:
        raise WheelhouseError("glibc 2.%d is older than manylinux2014 (2.17)" % newest)
    tags = []
    for minor in range(newest, 4, -1):
        tags.append("manylinux_2_%d_%s" % (minor, arch))
        for legacy_minor, legacy in _LEGACY:
            if legacy_minor == minor and (arch in ("x86_64",) or legacy == "manylinux2014"):
                tags.append("%s_%s" % (legacy, arch))
    return tags + ["linux_%s" % arch]


def python_tags(version):
    """``"3.11"`` -> (``"3.11"``, ``"cp311"``) for ``--python-version`` and ``--abi``."""
    match = re.match(r"^3\.(\d{1,2})$", str(version).strip())
    if not match:
        raise WheelhouseError("Python version %r is not like '3.11'" % (version,))
    return "3.%s" % match.group(1), "cp3%s" % match.group(1)


def cache_key(requirements, index_url, python_version, glibc, arch, variant=""):
    """Key of a downloaded wheelhouse: what was asked and for which target."""
    asked = {"requirements": sorted(requirements), "index_url": index_url or "",
             "python": python_tags(python_version)[0], "glibc": str(glibc), "arch": arch,
             "variant": variant or ""}
    text = json.dumps(asked, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def download_argv(python, dest, requirements, index_url, python_version, glibc, arch,
                  extra_args=None):
    """``python -m pip download`` for the target platform and Python, wheels only."""
    version, abi = python_tags(python_version)
    argv = [python, "-m", "pip", "download", "--disable-pip-version-check", "--no-cache-dir",
            "--dest", dest, "--only-binary=:all:", "--python-version", version,
            "--implementation", "cp", "--abi", abi, "--abi", "abi3", "--abi", "none"]
    for platform in manylinux_platforms(glibc, arch):
        argv += ["--platform", platform]
    if index_url:
        argv += ["--index-url", index_url]
    return argv + list(extra_args or []) + list(requirements)


def _wheel_name(filename):
    match = _WHEEL.match(os.path.basename(str(filename)))
    if not match:
        raise WheelhouseError("%r is not a wheel file name (name-version-python-abi-platform.whl)"
                              % (filename,))
    return match


def wheel_platform_tags(filename):
    """The platform tags of a wheel file name, in its order (PEP 427; a compressed tag set is
    split on its dots): ``uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`` ->
    ``["manylinux_2_17_x86_64", "manylinux2014_x86_64"]``. A build tag is allowed."""
    return _wheel_name(filename).group("platform").split(".")


def wheel_requirement(filename):
    """``torch-2.14.1+cu130-cp311-cp311-manylinux_2_28_x86_64.whl`` -> ``torch==2.14.1+cu130``."""
    match = _wheel_name(filename)
    name = re.sub(r"[-_.]+", "-", match.group("name")).lower()
    return "%s==%s" % (name, match.group("version"))


def sha256_file(path, chunk=4 * 1024 * 1024):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def build_manifest(directory):
    """``{"wheels": {file: {"sha256", "size", "requirement"}}}`` for every wheel in
    ``directory``; anything else there is an error (a wheelhouse holds only wheels)."""
    wheels = {}
    for name in sorted(os.listdir(directory)):
        if name in (MANIFEST, REQUIREMENTS) or name.startswith("."):
            continue
        path = os.path.join(directory, name)
        if not os.path.isfile(path) or not name.endswith(".whl"):
            raise WheelhouseError("%s is not a wheel; a wheelhouse holds only .whl files "
                                  "(pip download --only-binary=:all:)" % path)
        wheels[name] = {"sha256": sha256_file(path), "size": os.path.getsize(path),
                        "requirement": wheel_requirement(name)}
    if not wheels:
        raise WheelhouseError("%s holds no wheels" % directory)
    return {"wheels": wheels}


def wheels_manifest(directory):
    """Like build_manifest, for a directory that holds other files besides its wheels (the
    controller cache's ``wheels/``, which keeps its requirement files there): only ``*.whl``."""
    wheels = {}
    for name in sorted(os.listdir(directory)):
        path = os.path.join(directory, name)
        if name.endswith(".whl") and not name.startswith(".") and os.path.isfile(path):
            wheels[name] = {"sha256": sha256_file(path), "size": os.path.getsize(path),
                            "requirement": wheel_requirement(name)}
    if not wheels:
        raise WheelhouseError("%s holds no wheels" % directory)
    return {"wheels": wheels}


def manifest_text(manifest):
    return json.dumps(manifest, indent=2, sort_keys=True) + "\n"


def requirements_text(manifest):
    """Every wheel pinned with its hash, for ``pip install --require-hashes -r``."""
    lines = ["# Generated by gpulab.pytorch_stack from %s: every wheel of this wheelhouse, "
             "pinned with its sha256." % MANIFEST]
    for name, entry in sorted(manifest["wheels"].items()):
        lines.append("%s --hash=sha256:%s" % (entry["requirement"], entry["sha256"]))
    return "\n".join(lines) + "\n"


def total_size(manifest):
    return sum(entry["size"] for entry in manifest["wheels"].values())


def check_manifest(manifest):
    """Raise unless ``manifest`` has the shape build_manifest makes."""
    wheels = manifest.get("wheels") if isinstance(manifest, dict) else None
    if not isinstance(wheels, dict) or not wheels:
        raise WheelhouseError("the manifest has no wheels")
    for name, entry in wheels.items():
        if "/" in name or name.startswith(".") or not name.endswith(".whl"):
            raise WheelhouseError("manifest entry %r is not a wheel file name" % (name,))
        if not re.match(r"^[0-9a-f]{64}$", str(entry.get("sha256", ""))):
            raise WheelhouseError("manifest entry %s has no sha256" % name)
        size = entry.get("size")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise WheelhouseError("manifest entry %s has no size in bytes" % name)
        wheel_requirement(name)
    return manifest


def verify(directory, manifest, skip=()):
    """Problems of ``directory`` against ``manifest``: missing wheels, wrong size or sha256.
    An empty list means every wheel is there and intact. Wheels named in ``skip`` (just placed,
    their sha256 already checked) are not read again."""
    check_manifest(manifest)
    problems = []
    for name, entry in sorted(manifest["wheels"].items()):
        if name in skip:
            continue
        path = os.path.join(directory, name)
        if not os.path.isfile(path):
            problems.append("%s is missing" % name)
        elif os.path.getsize(path) != entry["size"]:
            problems.append("%s has %d bytes, the manifest says %d"
                            % (name, os.path.getsize(path), entry["size"]))
        elif sha256_file(path) != entry["sha256"]:
            problems.append("%s has a different sha256 than the manifest (%s)"
                            % (name, entry["sha256"]))
    return problems


def complete_manifest(wheels, size_of):
    """A manifest from ``{file: sha256 or {"sha256", "size"?, "requirement"?}}``: the size a
    wheel lacks is ``size_of(file)`` (the controller's copy), its requirement comes from its file
    name. Raises WheelhouseError for a wheel that is no wheel or has no sha256."""
    if not isinstance(wheels, dict) or not wheels:
        raise WheelhouseError("the manifest has no wheels")
    complete = {}
    for name, entry in wheels.items():
        entry = dict(entry) if isinstance(entry, dict) else {"sha256": entry}
        entry["sha256"] = str(entry.get("sha256", "")).lower()
        if "size" not in entry:
            entry["size"] = size_of(name)
        entry.setdefault("requirement", wheel_requirement(name))
        complete[name] = entry
    return check_manifest({"wheels": complete})


def to_send(directory, manifest):
    """The wheels of ``manifest`` that ``directory`` lacks or holds with another size, sorted:
    what must be sent. Reads no file (the sha256 of what is kept is checked afterwards)."""
    check_manifest(manifest)
    send = []
    for name, entry in sorted(manifest["wheels"].items()):
        path = os.path.join(directory, name)
        if not os.path.isfile(path) or os.path.getsize(path) != entry["size"]:
            send.append(name)
    return send


def place_staged(directory, staged, manifest, check_mode=False):
    """Move the wheels of ``manifest`` that were sent into ``staged`` into ``directory``, each
    checked (size, sha256) on arrival: returns ``(placed, problems)``. A wheel that arrived
    damaged is left where it is and named in ``problems``; the wheelhouse keeps what it had."""
    check_manifest(manifest)
    placed, problems = [], []
    for name, entry in sorted(manifest["wheels"].items()):
        source = os.path.join(staged, name)
        if not os.path.isfile(source):
            continue
        if os.path.getsize(source) != entry["size"] or sha256_file(source) != entry["sha256"]:
            problems.append("%s arrived with %d bytes and another sha256 than the manifest (%s): "
                            "the transfer was cut or the controller's copy changed after it "
                            "was checked" % (name, os.path.getsize(source), entry["sha256"]))
            continue
        if not check_mode:
            if os.geteuid() == 0:   # sent by the login user of a become run: root's now
                os.chown(source, 0, 0)
            os.chmod(source, 0o644)
            target = os.path.join(directory, name)
            try:
                os.replace(source, target)
            except OSError:   # another file system (the connection's temporary directory)
                shutil.move(source, target)
        placed.append(name)
    return placed, problems


def extra_files(directory, manifest):
    """Wheels in ``directory`` the manifest does not list (left from an older wheelhouse)."""
    return sorted(name for name in os.listdir(directory)
                  if name.endswith(".whl") and name not in manifest["wheels"])


def incomplete_wheels(directory, manifest):
    """Wheels of ``manifest`` in ``directory`` that are no complete zip file (a truncated copy
    has no central directory at its end). Cheap: only the end of each file is read; for a
    wheelhouse with no recorded sha256 to compare with (one the admin put in place)."""
    bad = []
    for name in sorted(manifest["wheels"]):
        try:
            with zipfile.ZipFile(os.path.join(directory, name)) as archive:
                archive.infolist()
        except (zipfile.BadZipfile, IOError, OSError):
            bad.append(name)
    return bad


def _damaged(directory, manifest):
    """``{file: problem}`` for the wheels of a cached wheelhouse that are missing or differ from
    its manifest (size first, then sha256)."""
    found = {}
    for problem in verify(directory, manifest):
        found[problem.split(" ", 1)[0]] = problem
    return found


def _link_or_copy(src, dest):
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def fetch(cache_dir, key, download, write, on_damaged=None):
    """Return ``(directory, manifest, downloaded)`` for the wheelhouse ``key`` in
    ``cache_dir``; ``download(tmpdir)`` fills a temporary directory when the cache has none.
    A wheelhouse counts as cached only once its manifest is written (so an interrupted
    download is started again). ``write(path, text)`` writes a file.

    A cached wheelhouse is checked against its manifest (every wheel's size and sha256) before
    it is used: a missing, truncated or altered wheel is fetched again, once, into a copy of
    the entry (the intact wheels are linked, not downloaded), which must then match the
    manifest; ``on_damaged(problems)`` is told first (so a failed download can say why it ran).
    When it does not match, the error names the entry's path on the controller."""
    final = os.path.join(cache_dir, key)
    manifest_path = os.path.join(final, MANIFEST)
    partial = final + ".partial"
    damaged = {}
    if os.path.isfile(manifest_path):
        with open(manifest_path) as handle:
            recorded = check_manifest(json.load(handle))
        damaged = _damaged(final, recorded)
        if not damaged:
            return final, recorded, False
        if on_damaged:
            on_damaged(sorted(damaged.values()))
    if os.path.isdir(partial):
        shutil.rmtree(partial)
    os.makedirs(partial)
    if damaged:
        for name in recorded["wheels"]:
            if name not in damaged:
                _link_or_copy(os.path.join(final, name), os.path.join(partial, name))
    download(partial)
    manifest = build_manifest(partial)
    if damaged:
        still = sorted(name for name, entry in recorded["wheels"].items()
                       if manifest["wheels"].get(name, {}).get("sha256") != entry["sha256"])
        if still:
            shutil.rmtree(partial)
            raise WheelhouseError(
                "the controller's wheelhouse %s had damaged wheels (%s), and fetching them again "
                "did not give the recorded ones (%s). Remove %s on the controller and run again "
                "to fetch the whole wheelhouse anew"
                % (final, "; ".join(sorted(damaged.values())), ", ".join(still), final))
        manifest = recorded
    write(os.path.join(partial, REQUIREMENTS), requirements_text(manifest))
    write(os.path.join(partial, MANIFEST), manifest_text(manifest))
    if os.path.isdir(final):
        shutil.rmtree(final)
    os.rename(partial, final)
    return final, manifest, True


def mirror_url(base, name):
    """The URL of wheel ``name`` in the mirror directory ``base`` (``http://mirror:8081/wheels``)."""
    return "%s/%s" % (str(base).rstrip("/"), quote(name))


def fetch_from_mirror(directory, base, names, manifest, opener, chunk=1024 * 1024):
    """Fetch the wheels ``names`` of ``manifest`` from the mirror directory ``base`` into
    ``directory``; return the names placed.

    ``opener(url)`` returns a file-like response or raises WheelhouseError saying why the URL
    gave nothing. Every wheel is read once, its size and sha256 checked as it streams into a
    staging directory inside ``directory``; only when every one of them matched are they moved
    into place (mode 0644). Otherwise WheelhouseError names the URL and what came back, and
    ``directory`` holds what it held before: a wrong or unreachable mirror changes nothing."""
    check_manifest(manifest)
    names = sorted(names)
    staging = os.path.join(directory, MIRROR_STAGING)
    if os.path.isdir(staging):
        shutil.rmtree(staging)
    if not names:
        return []
    os.mkdir(staging, 0o700)
    try:
        for name in names:
            _fetch_one(mirror_url(base, name), os.path.join(staging, name),
                       manifest["wheels"][name], opener, chunk)
        for name in names:
            source = os.path.join(staging, name)
            os.chmod(source, 0o644)
            os.replace(source, os.path.join(directory, name))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return names


def _fetch_one(url, target, entry, opener, chunk):
    response = opener(url)
    digest, size = hashlib.sha256(), 0
    try:
        with open(target, "wb") as handle:
            for block in iter(lambda: response.read(chunk), b""):
                size += len(block)
                if size > entry["size"]:
                    raise WheelhouseError(
                        "%s gave more than the %d bytes pinned for it: the mirror holds another "
                        "file under that name; copy the controller cache to it again"
                        % (url, entry["size"]))
                digest.update(block)
                handle.write(block)
    finally:
        close = getattr(response, "close", None)
        if close:
            close()
    if size != entry["size"] or digest.hexdigest() != entry["sha256"]:
        raise WheelhouseError(
            "%s gave %d bytes with sha256 %s, but the pin is %d bytes with sha256 %s: the mirror's "
            "copy is cut short or another file; copy the controller cache to it again (nothing "
            "fetched was kept)" % (url, size, digest.hexdigest(), entry["size"], entry["sha256"]))
