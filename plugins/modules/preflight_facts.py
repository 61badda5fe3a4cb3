#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: preflight_facts
short_description: Read-only host checks that run before the GPU stack is installed
version_added: 0.2.0
description:
  - Finds NVIDIA GPUs on the PCI bus from sysfs (works before any driver is installed),
    detects whether the host is a container, reads the Secure Boot state and the free disk
    space where the stack will be installed.
  - Changes nothing on the host and returns only C(ansible_facts.gpu_preflight).
  - The operating system check is done by the C(gpulab.pytorch_stack.preflight) role, which
    compares the gathered distribution facts with its list of supported systems.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
options:
  disk_path:
    description:
      - Where the stack will be installed. The free space is measured on the file system that
        holds this path (or its nearest existing parent).
    type: path
    default: /opt
  os_name:
    description:
      - The host's system as C(<distribution> <major>) (Ubuntu C(<distribution> <release>)),
        as the role builds it from the gathered distribution facts.
      - When given with O(supported_os), the result says whether it is supported.
    type: str
  supported_os:
    description:
      - Systems the caller supports, in the form of O(os_name).
    type: list
    elements: str
    default: []
  required_disk_mib:
    description:
      - Disk the chosen layers need at O(disk_path), in MiB. The result says whether it fits.
      - Ignored when O(layer_disk_mib) is given.
    type: int
    default: 0
  layer_disk_mib:
    description:
      - Disk each chosen layer needs at O(disk_path), in MiB, by layer name. The layers that
        have a recorded result in O(results_dir) (C(<layer>.json)) are installed already and
        count for nothing; the others are summed into C(disk.required_mib).
    type: dict
  results_dir:
    description:
      - Where the layers record their results. Without it every layer of O(layer_disk_mib)
        counts.
    type: path
  sysfs_root:
    description:
      - Root of the sysfs tree to read PCI devices and EFI variables from.
      - Only tests and image builds change this.
    type: path
    default: /sys
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  facts:
    support: full
  platform:
    platforms: posix
notes:
  - Secure Boot is read from the C(SecureBoot) EFI variable, then from C(mokutil --sb-state);
    when neither is available the state is C(unknown).
seealso:
  - module: gpulab.pytorch_stack.gpu_facts
"""

EXAMPLES = r"""
- name: Look at the host before changing anything
  gpulab.pytorch_stack.preflight_facts:
    disk_path: /opt

- name: Say how many GPUs the PCI bus shows
  ansible.builtin.debug:
    msg: "{{ ansible_facts.gpu_preflight.pci_gpu_count }} NVIDIA GPU(s) on the PCI bus"
"""

RETURN = r"""
ansible_facts:
  description: Facts to add to ansible_facts.
  returned: always
  type: dict
  contains:
    gpu_preflight:
      description: What the host looks like before the stack is installed.
      returned: always
      type: dict
      contains:
        container:
          description: Whether the host is a container (userspace-only installs).
          type: bool
          sample: false
        container_type:
          description: The container runtime (docker, podman, lxc, ...), or null.
          type: str
          sample: docker
        secure_boot:
          description: C(enabled), C(disabled) or C(unknown).
          type: str
          sample: disabled
        secure_boot_source:
          description: Where the Secure Boot state was read (C(efivars), C(mokutil) or null).
          type: str
          sample: efivars
        pci_gpus:
          description: NVIDIA display-class PCI functions.
          type: list
          elements: dict
          sample: [{"pci_bus_id": "0000:3b:00.0", "vendor_id": "0x10de", "device_id": "0x2330",
                    "class": "0x030200", "driver": null}]
        pci_gpu_count:
          description: Number of entries in C(pci_gpus).
          type: int
          sample: 8
        nvswitches:
          description:
            - The NVSwitches of the host (HGX/DGX boards). C(devices) are the NVIDIA PCI
              functions of class C(0x0680), which the driver claims as NVSwitches, each with
              C(pci_bus_id), C(device_id), C(generation) (2 HGX A100, 3 HGX H100/H200, or
              V(null) for an id the compatibility data does not know) and C(driver).
            - Gen-4 switches (HGX B200-class) are found by their InfiniBand switch-management
              functions (C(SW_MNG) in C(/sys/class/infiniband/*/device/vpd)), listed in
              C(ib_switch_managers).
            - C(count) is the number of switches, C(generation) the highest found or V(null).
          type: dict
          sample: {"count": 4, "generation": 3, "ib_switch_managers": [],
                   "devices": [{"pci_bus_id": "0000:05:00.0", "device_id": "0x22a3",
                                "generation": 3, "driver": "nvidia-nvswitch"}]}
        disk:
          description: Free space where the stack goes, what is needed and whether it fits.
          type: dict
          sample: {"path": "/opt", "checked_at": "/opt", "free_mib": 812345,
                   "required_mib": 7680, "enough": true,
                   "counted": ["pytorch2", "acceptance", "cudnn"], "installed": ["nvidia_driver"]}
        os:
          description: The value of O(os_name), or null.
          type: str
          sample: Debian 12
        os_supported:
          description: Whether O(os_name) is in O(supported_os).
          type: bool
          sample: true
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._pci import (
    list_nvidia_gpus,
    list_nvswitches,
)
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._preflight import (
    container_type,
    disk_needed,
    free_disk_mib,
    secure_boot_from_efivars,
    secure_boot_from_mokutil,
)


def _secure_boot(module, sysfs_root):
    state = secure_boot_from_efivars(os.path.join(sysfs_root, "firmware", "efi", "efivars"))
    if state is not None:
        return state, "efivars"
    mokutil = module.get_bin_path("mokutil")
    if mokutil:
        rc, out, err = module.run_command([mokutil, "--sb-state"])
        state = secure_boot_from_mokutil(out + err)
        if state is not None:
            return state, "mokutil"
    return "unknown", None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            disk_path=dict(type="path", default="/opt"),
            os_name=dict(type="str"),
            supported_os=dict(type="list", elements="str", default=[]),
            required_disk_mib=dict(type="int", default=0),
            layer_disk_mib=dict(type="dict"),
            results_dir=dict(type="path"),
            sysfs_root=dict(type="path", default="/sys"),
        ),
        supports_check_mode=True,
    )
    sysfs_root = module.params["sysfs_root"]
    gpus = list_nvidia_gpus(sysfs_root)
    runtime = container_type()
    secure_boot, source = _secure_boot(module, sysfs_root)
    params = module.params
    disk = free_disk_mib(params["disk_path"])
    if params["layer_disk_mib"] is not None:
        try:
            disk.update(disk_needed(params["layer_disk_mib"], params["results_dir"]))
        except ValueError as exc:
            module.fail_json(msg="layer_disk_mib: %s" % exc)
    else:
        disk["required_mib"] = params["required_disk_mib"]
    disk["enough"] = disk["free_mib"] >= disk["required_mib"]
    facts = {
        "os": params["os_name"],
        "os_supported": params["os_name"] in params["supported_os"],
        "container": runtime is not None,
        "container_type": runtime,
        "secure_boot": secure_boot,
        "secure_boot_source": source,
        "pci_gpus": gpus,
        "pci_gpu_count": len(gpus),
        "nvswitches": list_nvswitches(sysfs_root),
        "disk": disk,
    }
    module.exit_json(changed=False, ansible_facts={"gpu_preflight": facts})


if __name__ == "__main__":
    main()
