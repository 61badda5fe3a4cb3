# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""CUDA_VISIBLE_DEVICES lists: what is wrong with one, for a host's GPUs.

CUDA accepts comma-separated GPU indexes or UUIDs (``GPU-...``, ``MIG-...``; a unique prefix is
enough); an entry that names no GPU hides it and every entry after it (CUDA C Programming
Guide, "CUDA Environment Variables"), so a list naming a missing GPU silently trains on fewer.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re


def split_devices(value):
    """``"0, 1"`` -> ``["0", "1"]`` (entries stripped; empty entries kept, as "")."""
    if value is None:
        return []
    text = str(value).strip()
    if not text:
        return []
    return [entry.strip() for entry in text.split(",")]


def visible_devices_problems(value, gpus=None):
    """Problems of a CUDA_VISIBLE_DEVICES list, each a sentence (empty list: fine).

    ``gpus``: the host's GPUs as the gpu_facts module reports them (dicts with ``index`` and
    ``uuid``), or None where they are unknown (no driver yet): then only the form is checked.
    """
    entries = split_devices(value)
    problems = []
    for position, entry in enumerate(entries):
        if entry == "":
            problems.append("entry %d is empty" % (position + 1))
    seen = set()
    for entry in entries:
        if entry and entry in seen:
            problems.append("%s is listed twice" % entry)
        seen.add(entry)
    if gpus is None:
        return problems
    uuids = [str(gpu.get("uuid") or "") for gpu in gpus]
    for position, entry in enumerate(entries):
        if not entry or entry in entries[:position]:
            continue
        if re.match(r"^\d+$", entry):
            if int(entry) >= len(gpus):
                problems.append("GPU %s does not exist: the host has %d GPU(s)%s"
                                % (entry, len(gpus),
                                   " (0-%d)" % (len(gpus) - 1) if gpus else ""))
        elif entry.startswith(("GPU-", "MIG-")):
            matches = [u for u in uuids if u.startswith(entry)]
            if not matches and entry.startswith("GPU-"):
                problems.append("%s matches no GPU's UUID on the host" % entry)
            elif len(matches) > 1:
                problems.append("%s matches %d GPUs' UUIDs: give more of it" % (entry, len(matches)))
        else:
            problems.append("%s is neither a GPU index nor a GPU-/MIG- UUID" % entry)
    return problems
