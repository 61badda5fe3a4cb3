# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Find NVIDIA devices on the PCI bus by reading sysfs. Works before any driver is installed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat_data

NVIDIA_VENDOR_ID = "0x10de"
# PCI base class 0x03 is "display controller": 0x0300 VGA, 0x0302 3D controller (datacenter
# GPUs). NVIDIA audio functions (0x0403) and bridges on the same cards are not GPUs.
DISPLAY_CLASS_PREFIX = "0x03"


def _read(path):
    try:
        with open(path) as handle:
            return handle.read().strip().lower()
    except (IOError, OSError):
        return None


def list_nvidia_gpus(sysfs_root="/sys"):
    """Return the NVIDIA display-class PCI functions under ``sysfs_root``, sorted by bus id.

    Each entry: ``pci_bus_id`` (``0000:3b:00.0``), ``vendor_id``, ``device_id`` (``0x2330``),
    ``class`` (``0x030200``) and ``driver`` (the bound kernel driver's name, or None).
    """
    base = os.path.join(sysfs_root, "bus", "pci", "devices")
    try:
        names = sorted(os.listdir(base))
    except (IOError, OSError):
        return []
    found = []
    for name in names:
        dev = os.path.join(base, name)
        if _read(os.path.join(dev, "vendor")) != NVIDIA_VENDOR_ID:
            continue
        pci_class = _read(os.path.join(dev, "class")) or ""
        if not pci_class.startswith(DISPLAY_CLASS_PREFIX):
            continue
        driver_link = os.path.join(dev, "driver")
        driver = os.path.basename(os.readlink(driver_link)) if os.path.islink(driver_link) else None
        found.append({
            "pci_bus_id": name,
            "vendor_id": NVIDIA_VENDOR_ID,
            "device_id": _read(os.path.join(dev, "device")),
            "class": pci_class,
            "driver": driver,
        })
    return found


def nvswitch_generation(device_id):
    """NVSwitch generation (2, 3) of a PCI device id (``0x22a3``), or None when the id is in no
    known range (_compat_data.NVSWITCH_PCI_ID_RANGES)."""
    try:
        value = int(device_id, 16)
    except (TypeError, ValueError):
        return None
    for low, high, generation in _compat_data.NVSWITCH_PCI_ID_RANGES:
        if int(low, 16) <= value <= int(high, 16):
            return generation
    return None


def _gen4_switch_managers(sysfs_root):
    """InfiniBand devices whose VPD names them NVSwitch management functions (``SW_MNG``): how
    NVIDIA's driver container recognises gen-4 (HGX B200-class) boards."""
    base = os.path.join(sysfs_root, "class", "infiniband")
    try:
        names = sorted(os.listdir(base))
    except (IOError, OSError):
        return []
    found = []
    for name in names:
        try:
            with open(os.path.join(base, name, "device", "vpd"), "rb") as handle:
                vpd = handle.read()
        except (IOError, OSError):
            continue
        if _compat_data.NVSWITCH_GEN4_IB_VPD_MARKER.encode("ascii") in vpd:
            found.append(name)
    return found


def list_nvswitches(sysfs_root="/sys"):
    """The NVSwitches of the host: ``{"count", "generation", "devices", "ib_switch_managers"}``.

    ``devices``: NVIDIA functions of PCI class 0x0680 (the class the driver claims as
    NVSwitches), each with ``pci_bus_id``, ``device_id``, ``generation`` (2, 3, or None for an
    unknown id) and ``driver``. Gen-4 switches are found by their InfiniBand management
    functions instead (``ib_switch_managers``); ``count`` is then their number. ``generation``
    is the highest generation found, or None (no switch, or only unknown ids).
    """
    base = os.path.join(sysfs_root, "bus", "pci", "devices")
    try:
        names = sorted(os.listdir(base))
    except (IOError, OSError):
        names = []
    devices = []
    for name in names:
        dev = os.path.join(base, name)
        if _read(os.path.join(dev, "vendor")) != NVIDIA_VENDOR_ID:
            continue
        if not (_read(os.path.join(dev, "class")) or "").startswith(
                _compat_data.NVSWITCH_PCI_CLASS):
            continue
        device_id = _read(os.path.join(dev, "device"))
        driver_link = os.path.join(dev, "driver")
        devices.append({
            "pci_bus_id": name,
            "device_id": device_id,
            "generation": nvswitch_generation(device_id),
            "driver": os.path.basename(os.readlink(driver_link))
            if os.path.islink(driver_link) else None,
        })
    managers = _gen4_switch_managers(sysfs_root)
    generations = [d["generation"] for d in devices if d["generation"]] + ([4] if managers else [])
    return {
        "count": len(devices) if devices else len(managers),
        "generation": max(generations) if generations else None,
        "devices": devices,
        "ib_switch_managers": managers,
    }
