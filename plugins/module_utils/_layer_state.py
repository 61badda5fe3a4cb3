# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""What a layer left on the host after its last full run, and whether the host still matches.

A layer records, once its install, configure and verify steps have all passed, a fingerprint of
its inputs (its settings, the code of the collection, what it read from the host) and a snapshot
of what it manages: the files, links and directories (type, owner, mode, link target, content),
the versions of its distribution packages. A later run compares the host with that record; when
nothing differs the layer's steps would all report ok, so the role can skip them and reuse the
recorded result. Anything that differs is named, and the role runs its steps in full.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import hashlib
import json
import os
import stat

SCHEMA = 1
# Files up to this size are compared by content; larger ones (compilers, libraries) by size and
# modification time, which every install or copy changes.
CONTENT_LIMIT = 1 << 20


def fingerprint(inputs):
    """sha256 of the canonical JSON of ``inputs`` (key order does not matter)."""
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def path_state(path):
    """What is at ``path``, without following a final link: a dict that compares equal only
    when type, owner, mode and content (or link target) are the same."""
    try:
        info = os.lstat(path)
    except OSError as err:
        if err.errno in (errno.ENOENT, errno.ENOTDIR):
            return {"type": "absent"}
        raise
    state = {"uid": info.st_uid, "gid": info.st_gid}
    if stat.S_ISLNK(info.st_mode):
        state.update(type="link", target=os.readlink(path))
        return state
    state["mode"] = "%04o" % stat.S_IMODE(info.st_mode)
    if stat.S_ISDIR(info.st_mode):
        state["type"] = "dir"
    elif stat.S_ISREG(info.st_mode):
        state["type"] = "file"
        if info.st_size <= CONTENT_LIMIT:
            state["sha256"] = _sha256(path)
        else:
            state.update(size=info.st_size, mtime_ns=info.st_mtime_ns)
    else:
        state["type"] = "other"
    return state


def snapshot(paths):
    """{path: path_state(path)} for each path (normalised, duplicates once)."""
    return dict((os.path.normpath(path), path_state(path)) for path in paths)


def group_problems(groups, getgrnam, getpwnam=None):
    """Differences for groups that are missing or lack a member; ``groups`` is {name: [user]},
    ``getgrnam`` and ``getpwnam`` are grp.getgrnam and pwd.getpwnam (passed in so tests need no
    real databases). A user whose primary group it is counts as a member (the group's member
    list names only the users that have it as a supplementary group)."""
    problems = []
    for name in sorted(groups):
        try:
            group = getgrnam(name)
        except KeyError:
            problems.append("group %s does not exist" % name)
            continue
        members = set(group.gr_mem)
        lacking = []
        for user in sorted(set(groups[name] or []) - members):
            try:
                primary = getpwnam(user).pw_gid == group.gr_gid if getpwnam else False
            except KeyError:
                primary = False
            if not primary:
                lacking.append(user)
        if lacking:
            problems.append("group %s lacks %s" % (name, ", ".join(lacking)))
    return problems


def _entry(path):
    """(world-writable, device if a directory to descend into else None) for ``path``, not
    following links; an entry that vanished meanwhile is neither."""
    try:
        info = os.lstat(path)
    except OSError:
        return False, None
    if stat.S_ISLNK(info.st_mode):
        return False, None
    return bool(info.st_mode & stat.S_IWOTH), info.st_dev if stat.S_ISDIR(info.st_mode) else None


def world_writable(tree):
    """The first entry under ``tree`` (itself included, links excepted, not crossing into other
    file systems) that anybody may write to, or None."""
    writable, device = _entry(tree)
    if writable:
        return tree
    if device is None:
        return None
    for root, dirs, files in os.walk(tree):
        descend = []
        for name in sorted(dirs) + sorted(files):
            path = os.path.join(root, name)
            writable, entry_device = _entry(path)
            if writable:
                return path
            if entry_device is not None and entry_device == device:
                descend.append(name)
        dirs[:] = descend
    return None


def make_record(name, inputs_sha256, paths_state, packages, result):
    """The record a full run leaves: what compare() checks a later host against."""
    return {"schema": SCHEMA, "layer": name, "inputs_sha256": inputs_sha256,
            "paths": paths_state, "packages": packages, "result": result}


def _describe(path, was, now):
    if now["type"] == "absent":
        return "%s is gone (was a %s)" % (path, was["type"])
    if was["type"] == "absent":
        return "%s appeared (a %s)" % (path, now["type"])
    if was["type"] != now["type"]:
        return "%s is a %s, was a %s" % (path, now["type"], was["type"])
    changed = sorted(key for key in set(was) | set(now) if was.get(key) != now.get(key))
    return "%s changed (%s)" % (path, ", ".join(changed))


def compare(record, name, inputs_sha256, paths_state, packages):
    """Why the host no longer matches ``record`` (an empty list when it does). ``paths_state``
    and ``packages`` are what the host has now, for the paths and packages asked about."""
    if not record:
        return ["no record of a full %s run on this host" % name]
    if record.get("schema") != SCHEMA or record.get("layer") != name:
        return ["the record is from another schema or layer"]
    differences = []
    if record.get("inputs_sha256") != inputs_sha256:
        differences.append("the settings, the collection or what the layer read from the host "
                           "changed since the last full run")
    recorded_paths = record.get("paths") or {}
    if sorted(recorded_paths) != sorted(paths_state):
        differences.append("the layer manages other paths than when it was recorded")
    for path in sorted(set(recorded_paths) & set(paths_state)):
        if recorded_paths[path] != paths_state[path]:
            differences.append(_describe(path, recorded_paths[path], paths_state[path]))
    recorded_packages = record.get("packages") or {}
    if sorted(recorded_packages) != sorted(packages):
        differences.append("the layer needs other packages than when it was recorded")
    for package in sorted(set(recorded_packages) & set(packages)):
        if not packages[package]:
            differences.append("package %s is not installed" % package)
        elif recorded_packages[package] != packages[package]:
            differences.append("package %s is at %s, was %s" % (
                package, ", ".join(packages[package]),
                ", ".join(recorded_packages[package]) or "not installed"))
    return differences


def drifted(record, paths_state):
    """The recorded paths whose state now differs from the record (sorted), for the role to
    reinstall what holds them; empty without a record."""
    recorded = (record or {}).get("paths") or {}
    return sorted(path for path in paths_state
                  if path in recorded and recorded[path] != paths_state[path])


def package_versions(specs, installed, absent, name_of):
    """{spec: sorted installed versions of its package}, [] for the specs in ``absent`` (not
    installed, or not at the pinned version); ``name_of`` gives a spec's package name."""
    return dict((spec, [] if spec in absent else sorted(installed.get(name_of(spec), ())))
                for spec in specs)


def read_record(path):
    """The record at ``path``, or None when there is none or it cannot be read as one."""
    try:
        with open(path, "rb") as handle:
            data = json.loads(handle.read().decode("utf-8"))
    except (IOError, OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def tree_fingerprint(root, subdirs):
    """sha256 over the relative names and contents of every file under root/<subdir> for each
    subdir (compiled Python and Markdown documentation left out): the version of the code, for a
    layer's inputs."""
    digest = hashlib.sha256()
    for subdir in sorted(subdirs):
        top = os.path.join(root, subdir)
        for current, dirs, files in os.walk(top):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".pyc", ".pyo", ".md")):
                    continue
                path = os.path.join(current, name)
                digest.update(os.path.relpath(path, root).encode("utf-8") + b"\0")
                digest.update(_sha256(path).encode("ascii") + b"\n")
    return digest.hexdigest()
