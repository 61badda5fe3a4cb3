# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""What gpu_info and gpu_facts return, assembled from NVML (``_nvml``), the PCI bus (``_pci``)
and the compatibility data (``_compat``). Read-only."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import (
    _compat, _fabric, _nvml, _pci,
)

# The part of the NVML report both modules return under `nvml` / in `ansible_facts.gpu`.
NVML_KEYS = ("state", "message", "error_code", "driver_version", "cuda_driver_version",
             "nvml_version", "kernel_module_version", "kernel_module_flavor", "library_path",
             "library_version", "python_binding")


def _with_architecture(gpu):
    described = dict(gpu)
    capability = gpu.get("compute_capability")
    described["architecture"] = (_compat.capability_architecture(capability)
                                 if capability else None)
    return described


def pci_devices(sysfs_root="/sys"):
    """NVIDIA GPUs on the PCI bus (``_pci.list_nvidia_gpus``), each with ``name``,
    ``architecture`` and ``compute_capability`` from the compatibility data, None if unknown."""
    found = []
    for device in _pci.list_nvidia_gpus(sysfs_root):
        entry = dict(device)
        known = {"name": None, "architecture": None, "compute_capability": None}
        if device.get("device_id"):
            try:
                known = _compat.pci_device_info(device["device_id"])
            except _compat.CompatError:
                pass  # an unreadable id stays unknown; the raw id is still reported
        entry.update(known)
        found.append(entry)
    return found


def gpu_info(sysfs_root="/sys", proc_root="/proc"):
    """``{"nvml": {...}, "gpus": [...], "warnings": [...], "pci_devices": [...],
    "nvswitches": {...}, "fabric": {...}}`` (``nvswitches``: _pci.list_nvswitches, ``fabric``:
    _fabric.summary of the GPUs' fabric states)."""
    report = _nvml.query(sysfs_root, proc_root)
    gpus = [_with_architecture(gpu) for gpu in report["gpus"]]
    nvswitches = _pci.list_nvswitches(sysfs_root)
    return {
        "nvml": dict((key, report["nvml"][key]) for key in NVML_KEYS),
        "gpus": gpus,
        "warnings": report["warnings"],
        "pci_devices": pci_devices(sysfs_root),
        "nvswitches": nvswitches,
        "fabric": _fabric.summary(gpus, nvswitches["count"]),
    }


def require_gpu_failure(info):
    """The message for ``require_gpu: true`` when no GPU is usable, else None."""
    nvml = info["nvml"]
    on_bus = info["pci_devices"]
    if on_bus:
        bus = " The PCI bus shows %d NVIDIA GPU%s (%s)." % (
            len(on_bus), "" if len(on_bus) == 1 else "s",
            ", ".join(d["name"] or d["device_id"] or d["pci_bus_id"] for d in on_bus))
    else:
        bus = " The PCI bus shows no NVIDIA GPU under the sysfs root either."
    if nvml["state"] != _nvml.STATE_OK:
        return "No usable GPU: NVML state is '%s'. %s%s" % (nvml["state"], nvml["message"], bus)
    if not info["gpus"]:
        return ("No usable GPU: NVML works (driver %s) but reports no GPU. Check that the GPUs "
                "are visible to this host or container (NVIDIA_VISIBLE_DEVICES, --gpus, "
                "CUDA device cgroups).%s" % (nvml["driver_version"], bus))
    lost = [g for g in info["gpus"] if g.get("usable") is False]
    if len(lost) == len(info["gpus"]):
        return ("No usable GPU: NVML counts %d GPU%s but cannot open any (%s).%s"
                % (len(lost), "" if len(lost) == 1 else "s",
                   "; ".join("GPU %s: %s" % (g["index"], g.get("error")) for g in lost), bus))
    return None


def cuda_devices(devices):
    """What a CUDA process can be given, one per process: ``CUDA_VISIBLE_DEVICES`` values
    (UUIDs) in NVML's order. A usable GPU in MIG mode gives its MIG instances' ``MIG-`` UUIDs
    (a CUDA process sees one MIG instance: NVIDIA MIG user guide, "CUDA device enumeration"),
    a MIG-mode GPU without instances gives none; any other usable GPU its ``GPU-`` UUID. UUIDs,
    not indexes: CUDA numbers devices fastest first unless CUDA_DEVICE_ORDER=PCI_BUS_ID, NVML by
    PCI bus id, so the same index can be two different GPUs."""
    found = []
    for gpu in devices:
        if gpu.get("usable") is False:
            continue
        if gpu.get("mig_mode"):
            found.extend(m["uuid"] for m in gpu.get("mig_devices") or [] if m.get("uuid"))
        elif gpu.get("uuid"):
            found.append(gpu["uuid"])
    return found


def gpu_facts(sysfs_root="/sys", proc_root="/proc"):
    """The ``gpu`` fact: NVML state and versions, devices, the PCI view and what PyTorch builds
    need (``compute_capabilities``, ``torch_cuda_arch_list``, ``sm_targets``).

    Returns ``(facts, warnings)``. Capabilities and models come from NVML's devices; when NVML
    gives none (no driver yet) they come from the PCI devices the compatibility data knows, and
    ``capabilities_source`` says which (``nvml``, ``pci`` or ``none``).
    """
    info = gpu_info(sysfs_root, proc_root)
    devices = info["gpus"]
    if devices:
        source, described = "nvml", devices
    else:
        described = [d for d in info["pci_devices"] if d["compute_capability"]]
        source = "pci" if described else "none"
    capabilities = _compat.sort_capabilities(
        d["compute_capability"] for d in described if d.get("compute_capability"))
    models = sorted(set(d["name"] for d in (devices or info["pci_devices"]) if d["name"]))
    architectures = sorted(set(d["architecture"] for d in (devices or info["pci_devices"])
                               if d["architecture"]))
    facts = dict(info["nvml"])
    facts.update({
        "count": len(devices),
        "usable_count": len([d for d in devices if d.get("usable") is not False]),
        "cuda_devices": cuda_devices(devices),
        "models": models,
        "architectures": architectures,
        "compute_capabilities": capabilities,
        "capabilities_source": source,
        "torch_cuda_arch_list": _compat.cuda_arch_list(capabilities) if capabilities else None,
        "sm_targets": _compat.sm_targets(capabilities),
        "devices": devices,
        "pci_devices": info["pci_devices"],
        "nvswitches": info["nvswitches"],
        "fabric": info["fabric"],
    })
    return facts, info["warnings"]
