# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Read-only host checks that run before anything is installed: container, Secure Boot, disk."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

# EFI global variable GUID; the SecureBoot variable is 4 attribute bytes then one data byte.
SECURE_BOOT_VAR = "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"
CONTAINER_MARKERS = (
    ("/.dockerenv", "docker"),
    ("/run/.containerenv", "podman"),
)
CGROUP_HINTS = (("kubepods", "kubernetes"), ("docker", "docker"), ("libpod", "podman"),
                ("lxc", "lxc"), ("containerd", "containerd"))


def _read_bytes(path):
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def secure_boot_from_efivars(efivars_dir):
    """Return 'enabled', 'disabled' or None when the EFI variable cannot be read."""
    raw = _read_bytes(os.path.join(efivars_dir, SECURE_BOOT_VAR))
    if raw is None or len(raw) < 5:
        return None
    return "enabled" if bytearray(raw)[4] == 1 else "disabled"


def secure_boot_from_mokutil(output):
    """Parse `mokutil --sb-state` output; None when it says nothing conclusive."""
    text = (output or "").lower()
    if "secureboot enabled" in text:
        return "enabled"
    if "secureboot disabled" in text or "efi variables are not supported" in text:
        return "disabled"
    return None


def container_type(root="/"):
    """Return the container runtime's name, or None on a real (or virtual) machine."""
    for marker, name in CONTAINER_MARKERS:
        if os.path.exists(os.path.join(root, marker.lstrip("/"))):
            return name
    environ = _read_bytes(os.path.join(root, "proc/1/environ")) or b""
    for entry in environ.split(b"\0"):
        if entry.startswith(b"container="):
            return entry.split(b"=", 1)[1].decode("ascii", "replace") or "unknown"
    cgroup = (_read_bytes(os.path.join(root, "proc/1/cgroup")) or b"").decode("ascii", "replace")
    for hint, name in CGROUP_HINTS:
        if hint in cgroup:
            return name
    return None


def free_disk_mib(path):
    """Free space for unprivileged writers at ``path`` (or its nearest existing parent)."""
    probe = os.path.abspath(path)
    while not os.path.exists(probe):
        parent = os.path.dirname(probe)
        if parent == probe:
            break
        probe = parent
    stat = os.statvfs(probe)
    return {"path": path, "checked_at": probe, "free_mib": stat.f_bavail * stat.f_frsize // (1024 * 1024)}


def disk_needed(layer_mib, results_dir=None):
    """What the layers of a run need on disk: ``layer_mib`` is {layer: MiB}. A layer with a
    recorded result (``<results_dir>/<layer>.json``, written by its last full run) is installed
    already and counts for nothing, so a converged re-run needs no new space; without
    ``results_dir`` every layer counts. Returns {"required_mib", "counted", "installed"}."""
    counted, installed = [], []
    for layer, mib in layer_mib.items():
        try:
            int(mib)
        except (TypeError, ValueError):
            raise ValueError("the disk estimate of layer %s is %r, not a number of MiB"
                             % (layer, mib))
        done = results_dir and os.path.isfile(os.path.join(results_dir, layer + ".json"))
        (installed if done else counted).append(layer)
    return {"required_mib": sum(int(layer_mib[layer]) for layer in counted),
            "counted": counted, "installed": installed}
