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
