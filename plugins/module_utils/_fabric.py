# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""NVSwitch hosts (HGX/DGX): whether Fabric Manager is wanted, which packages, whether the GPU
fabric is ready, and the NCCL bus-bandwidth verdict against the figure of the node type.

On an NVSwitch board a driver without Fabric Manager leaves CUDA failing with error 802
(cudaErrorSystemNotReady) while nvidia-smi looks healthy; Fabric Manager must be the driver's
exact version (NVIDIA Fabric Manager user guide; gpu-operator #544). Data and sources:
_compat_data (NVSWITCH_*, FABRIC_MANAGER_*, NVLSM_*, NCCL_BUSBW_*).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat_data as _data
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._compat import CompatError

MODES = ("auto", "on", "off")

FABRIC_NOT_APPLICABLE = "not_applicable"
FABRIC_READY = "ready"
FABRIC_NOT_READY = "not_ready"
FABRIC_FAILED = "failed"
FABRIC_UNKNOWN = "unknown"

_HOW_TO_START = ("systemctl enable --now %s, or run the gpulab.pytorch_stack.nvidia_driver role "
                 "with nvidia_driver_fabric_manager: auto" % _data.FABRIC_MANAGER_SERVICE)
REMEDY_START = "start Fabric Manager (%s)" % _HOW_TO_START


class FabricError(CompatError):
    """Bad input, with a message naming the variable and the fix."""


def _branch(version):
    match = re.match(r"^(\d+)\.", version or "")
    if not match:
        raise FabricError("nvidia_driver: the driver version %r has no branch (expected "
                          "<branch>.<minor>[.<patch>], e.g. 580.95.05)" % (version,))
    return match.group(1)


def wanted(mode, nvswitch_count, variable="nvidia_driver_fabric_manager"):
    """Whether Fabric Manager belongs on the host: ``auto`` when it has NVSwitches, ``on``
    always (refused without NVSwitches), ``off`` never."""
    if mode is True or mode is False:     # YAML 1.1 reads a bare on/off as a boolean
        mode = "on" if mode else "off"
    if mode not in MODES:
        raise FabricError("%s must be one of %s, not %r" % (variable, ", ".join(MODES), mode))
    if mode == "on" and not nvswitch_count:
        raise FabricError(
            "%s is 'on' but the host has no NVSwitch (no NVIDIA PCI function of class %s, no "
            "InfiniBand switch-management function): Fabric Manager runs only on NVSwitch "
            "(HGX/DGX) boards and fails to start elsewhere. Set %s: auto (or off)."
            % (variable, _data.NVSWITCH_PCI_CLASS, variable))
    return mode == "on" or (mode == "auto" and bool(nvswitch_count))


def check_version(driver_version, fabric_manager_version,
                  variable="nvidia_driver_fabric_manager_version"):
    """Refuse a Fabric Manager version that is not the driver's exact version ("" follows the
    driver). Returns the version to install."""
    if not fabric_manager_version:
        return driver_version
    if fabric_manager_version != driver_version:
        raise FabricError(
            "%s is %s but the driver is %s: Fabric Manager must be the driver's exact version "
            "(not only its branch), or it refuses to start. Leave %s empty to follow the driver."
            % (variable, fabric_manager_version, driver_version, variable))
    return fabric_manager_version


def packages(pkg_mgr, driver_version, package_version=None, nvswitch_generation=None):
    """What to install for Fabric Manager on a host of ``pkg_mgr`` (``apt``/``dnf``).

    Returns ``{"fabric_manager", "specs", "hold", "nvlsm", "kernel_modules"}``:
    ``fabric_manager`` the package name (per branch before 580, unversioned from 580),
    ``specs`` what to hand the package manager, pinned to the driver's version
    (``package_version``, the repository's full version, else ``<driver_version>-*`` /
    ``-<driver_version>``), ``hold`` the names to hold with the driver, and on gen-4 boards the
    NVLSM packages and kernel modules (not pinned: they do not carry the driver's version).
    """
    names = _data.FABRIC_MANAGER_PACKAGES.get(pkg_mgr)
    if names is None:
        raise FabricError("Fabric Manager: no package names for the package manager %r (known: "
                          "%s)" % (pkg_mgr, ", ".join(sorted(_data.FABRIC_MANAGER_PACKAGES))))
    branch = _branch(driver_version)
    key = "from" if int(branch) >= int(_data.FABRIC_MANAGER_UNVERSIONED_FROM_BRANCH) else "before"
    name = names[key].format(branch=branch)
    if pkg_mgr == "apt":
        spec = "%s=%s" % (name, package_version or driver_version + "-*")
    else:
        spec = "%s-%s" % (name, package_version or driver_version)
    gen4 = nvswitch_generation is not None and int(nvswitch_generation) >= 4
    nvlsm = list(_data.NVLSM_PACKAGES) if gen4 else []
    return {
        "fabric_manager": name,
        "specs": [spec] + nvlsm,
        "hold": [name],
        "nvlsm": nvlsm,
        "kernel_modules": list(_data.NVLSM_KERNEL_MODULES) if gen4 else [],
    }


def summary(gpus, nvswitch_count=0):
    """The fabric state of the host from NVML's per-GPU ``fabric_state`` / ``fabric_status``.

    ``state``: ``ready`` (every usable GPU's fabric COMPLETED with success), ``failed`` (some
    COMPLETED with an error), ``not_ready`` (some NOT_STARTED or IN_PROGRESS), ``unknown`` (a
    host with NVSwitches where NVML cannot say), ``not_applicable`` (no fabric: no GPU has one
    and no NVSwitch is on the bus). Also ``gpus_ready``, ``gpus`` (usable GPUs) and
    ``problems`` (``GPU <i>: <state>`` for each GPU that is not ready).
    """
    usable = [g for g in gpus if g.get("usable") is not False]
    problems = []
    ready = 0
    failed = pending = unknown = supported = 0
    for gpu in usable:
        state, status = gpu.get("fabric_state"), gpu.get("fabric_status")
        if state not in (None, "not_supported"):
            supported += 1
        if state == "completed" and status == 0:
            ready += 1
            continue
        if state == "completed":
            failed += 1
            problems.append("GPU %s: fabric completed with NVML error %s"
                            % (gpu.get("index"), status))
        elif state in ("not_started", "in_progress"):
            pending += 1
            problems.append("GPU %s: fabric %s" % (gpu.get("index"), state.replace("_", " ")))
        elif state is None or state.startswith("unknown"):
            unknown += 1
            problems.append("GPU %s: fabric state unknown" % gpu.get("index"))
        else:
            problems.append("GPU %s: no fabric (not supported)" % gpu.get("index"))
    if not supported and not nvswitch_count:
        state = FABRIC_NOT_APPLICABLE
        problems = []
    elif usable and ready == len(usable):
        state = FABRIC_READY
    elif failed:
        state = FABRIC_FAILED
    elif pending:
        state = FABRIC_NOT_READY
    elif unknown:
        state = FABRIC_UNKNOWN
    else:
        state = FABRIC_NOT_READY  # NVSwitches on the bus, GPUs without a fabric
    return {"state": state, "gpus_ready": ready, "gpus": len(usable), "problems": problems}


def gate_failure(fabric, driver_version=None, fabric_manager_version=None,
                 service_state=None, host="this host"):
    """The message that stops training on a host whose fabric is not ready, with the remedy;
    None when it is ready or has no fabric. ``fabric`` is :func:`summary`'s result;
    ``fabric_manager_version`` the installed Fabric Manager's version (None if not installed),
    ``service_state`` systemd's ActiveState of the service (None if unknown)."""
    if fabric["state"] in (FABRIC_READY, FABRIC_NOT_APPLICABLE):
        return None
    remedies = []
    if fabric_manager_version is None:
        remedies.append("install Fabric Manager of the driver's version (%s) and start it (%s)"
                        % (driver_version or "unknown", _HOW_TO_START))
    elif driver_version and _strip_revision(fabric_manager_version) != driver_version:
        remedies.append("versions differ: driver %s, Fabric Manager %s - install Fabric Manager "
                        "%s (it must equal the driver exactly) and restart %s"
                        % (driver_version, _strip_revision(fabric_manager_version),
                           driver_version, _data.FABRIC_MANAGER_SERVICE))
    elif service_state != "active":
        remedies.append(REMEDY_START + " (the service is %s)" % (service_state or "not running"))
    elif fabric["state"] == FABRIC_NOT_READY:
        remedies.append("wait for the fabric to complete (Fabric Manager is active; it trains "
                        "the NVLinks for a minute or so after it starts)")
    if fabric["state"] == FABRIC_FAILED or not remedies:
        remedies.append("read journalctl -u %s and /var/log/fabricmanager.log, then restart "
                        "the service (a failed GPU may need a reset or a reboot)"
                        % _data.FABRIC_MANAGER_SERVICE)
    return ("%s: the NVSwitch fabric is %s (%d of %d GPUs ready: %s); CUDA would fail with error "
            "802 (system not yet initialized) although nvidia-smi looks healthy. Remedy: %s."
            % (host, fabric["state"].replace("_", " "), fabric["gpus_ready"], fabric["gpus"],
               _grouped(fabric["problems"]) or "no GPU reports a fabric", "; ".join(remedies)))


def _grouped(problems):
    """``GPU 0: fabric not started; GPU 1: fabric not started`` -> ``GPUs 0, 1: fabric not
    started``: one entry per distinct problem, in the order first seen."""
    order, gpus = [], {}
    for line in problems:
        index, _sep, what = line.partition(": ")
        if what not in gpus:
            order.append(what)
            gpus[what] = []
        gpus[what].append(index.replace("GPU ", "", 1))
    return "; ".join("%s %s: %s" % ("GPUs" if len(gpus[w]) > 1 else "GPU", ", ".join(gpus[w]), w)
                     for w in order)


def wanted_checked(nvswitches, mode, driver_version="", fabric_manager_version=""):
    """For the role's preflight: :func:`wanted` from the ``nvswitches`` fact, and when the user
    set ``nvidia_driver_fabric_manager_version``, :func:`check_version` against
    ``nvidia_driver_version`` (which must then be set: the version is compared before anything
    is resolved)."""
    want = wanted(mode, (nvswitches or {}).get("count", 0))
    if want and fabric_manager_version:
        if not driver_version:
            raise FabricError(
                "nvidia_driver_fabric_manager_version is %s but nvidia_driver_version is empty: "
                "Fabric Manager must be the driver's exact version. Set nvidia_driver_version: "
                "%s too, or leave nvidia_driver_fabric_manager_version empty to follow the driver."
                % (fabric_manager_version, fabric_manager_version))
        check_version(driver_version, fabric_manager_version)
    return want


def _strip_revision(package_version):
    """``580.95.05-1`` (a package version) -> ``580.95.05``; an epoch goes too."""
    text = (package_version or "").split(":", 1)[-1]
    return re.sub(r"-[^-]*$", "", text)


# ---- NCCL all-reduce bus bandwidth ------------------------------------------------------------

def busbw_from_algbw(algbw, ranks):
    """All-reduce bus bandwidth from algorithm bandwidth: busbw = algbw * 2(n-1)/n
    (nccl-tests doc/PERFORMANCE.md)."""
    if ranks < 1:
        raise FabricError("busbw: the number of ranks must be at least 1, not %r" % (ranks,))
    return algbw * 2.0 * (ranks - 1) / ranks


def busbw_reference(model, gpu_count, algorithm="ring"):
    """``{"gbps", "source"}`` published for ``gpu_count`` GPUs named ``model`` (NVML's name)
    with ``algorithm`` (``ring``/``nvls``), or None where no figure is known (PCIe servers)."""
    entry = _data.NCCL_BUSBW_REFERENCE_GBPS.get((model, gpu_count))
    if not entry or algorithm not in entry:
        return None
    return {"gbps": entry[algorithm], "source": entry["source"]}


def busbw_verdict(measured_gbps, model, gpu_count, algorithm="ring",
                  min_share=_data.NCCL_BUSBW_MIN_SHARE):
    """Compare a measured all-reduce busbw with the node type's figure.

    Returns ``{"verdict", "reference_gbps", "share", "message"}``; ``verdict`` is ``pass``
    (at least ``min_share`` of the figure), ``fail``, or ``no_reference`` (no figure known:
    reported, never failed)."""
    reference = busbw_reference(model, gpu_count, algorithm)
    if reference is None:
        return {"verdict": "no_reference", "reference_gbps": None, "share": None,
                "message": "busbw %.1f GB/s; no published figure for %d x %s (%s)"
                           % (measured_gbps, gpu_count, model, algorithm)}
    share = measured_gbps / reference["gbps"]
    verdict = "pass" if share >= min_share else "fail"
    return {"verdict": verdict, "reference_gbps": reference["gbps"], "share": round(share, 3),
            "message": "busbw %.1f GB/s is %.0f%% of the %.0f GB/s published for %d x %s (%s, "
                       "%s): %s (pass from %.0f%%)"
                       % (measured_gbps, share * 100, reference["gbps"], gpu_count, model,
                          algorithm, reference["source"], verdict, min_share * 100)}
