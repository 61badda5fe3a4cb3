#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: nvidia_driver_state
short_description: Compare the installed NVIDIA driver with the one that runs
version_added: 0.2.0
description:
  - Reads the installed driver package's version (C(dpkg-query) or C(rpm)), the loaded
    C(nvidia) kernel module's version and flavour (C(/sys/module/nvidia/version),
    C(/proc/driver/nvidia/version)), the DKMS source trees in C(/usr/src), whether C(nouveau)
    is loaded, the processes that hold C(/dev/nvidia*) and, optionally, the NVML state.
  - Decides whether the running driver is the installed one (RV(driver_state.state) C(ok)), or
    a module reload (C(reload_possible)) or a reboot (C(reboot_required)) is needed to get
    there; see RV(driver_state.state) for every state.
  - With O(resolve=true) it also picks the package version to install for O(branch) or
    O(version) from what the package manager offers, and fails, listing what is offered, when
    nothing matches.
  - Read-only. Changes nothing, also outside check mode.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  package:
    description:
      - The package whose version is the installed driver version (Debian C(libnvidia-ml1),
        Ubuntu C(libnvidia-compute-550-server), RHEL C(nvidia-driver-cuda-libs)).
    type: str
    required: true
  resolve:
    description:
      - Also choose the package version of O(package) to install, from the versions the package
        manager offers (C(apt-cache madison), C(dnf repoquery)), for O(version) or O(branch).
    type: bool
    default: false
  branch:
    description:
      - Driver branch (C(550)) to choose the newest version of, with O(resolve=true).
    type: str
  version:
    description:
      - Exact driver version (C(535.261.03)) or package version (C(535.261.03-1)) to choose, with
        O(resolve=true). Wins over O(branch).
    type: str
  pci_device_ids:
    description:
      - NVIDIA PCI device ids (C(0x2330)) of the host's GPUs, as C(gpu_preflight.pci_gpus) lists
        them. The result then says which driver branches each can run
        (RV(driver_state.gpu_limits)) and, with O(branch), which cannot run it
        (RV(driver_state.branch_problems)).
    type: list
    elements: str
    default: []
  source_name:
    description:
      - How failure messages name where the packages come from.
    type: str
    default: the package source
  wanted_flavor:
    description:
      - The kernel module flavour that should run. A loaded module of the other flavour makes
        the state C(reload_possible) or C(reboot_required).
    type: str
    choices: [open, proprietary]
  container:
    description:
      - Whether the host is a container. Default is to detect it (as M(gpulab.pytorch_stack.preflight_facts) does).
    type: bool
  query_nvml:
    description:
      - Also ask NVML (through nvidia-ml-py) for its state and driver version.
      - As root in a container without a GPU, NVML creates C(/dev/nvidiactl) before failing, so
        callers switch it off there.
    type: bool
    default: true
  sysfs_root:
    description:
      - Where sysfs is mounted (C(<sysfs_root>/module/nvidia/version), PCI devices, nouveau).
      - Only tests change it, to present the module versions of a host after a driver upgrade.
    type: path
    default: /sys
notes:
  - The driver stack's daemons (C(nvidia-persistenced), Fabric Manager's C(nv-fabricmanager),
    DCGM's C(nv-hostengine)), recognised by their executable (the kernel cuts C(/proc/PID/comm)
    to 15 characters), hold the devices but do not count as GPU users; stop their services
    (the C(service) of each entry of RV(driver_state.gpu_processes)) before unloading the modules.
  - A reload is also impossible while a module outside C(nvidia_uvm), C(nvidia_drm),
    C(nvidia_modeset) and C(nvidia) depends on them (C(nvidia_peermem), C(nvidia_fs)) or
    C(nvidia_drm) has users (framebuffer console, display server); see
    RV(driver_state.module_blockers).
seealso:
  - module: gpulab.pytorch_stack.gpu_info
"""

EXAMPLES = r"""
- name: Is a reboot needed after the driver upgrade?
  gpulab.pytorch_stack.nvidia_driver_state:
    package: libnvidia-ml1
  register: driver

- name: Say so
  ansible.builtin.debug:
    msg: "{{ driver.driver_state.state }}: {{ driver.driver_state.reason }}"

- name: Choose the newest 535 driver that apt offers (fails if there is none)
  gpulab.pytorch_stack.nvidia_driver_state:
    package: libnvidia-ml1
    resolve: true
    branch: "535"
    source_name: Debian non-free
"""

RETURN = r"""
driver_state:
  description: What is installed, what runs, and the decision.
  returned: always
  type: dict
  contains:
    state:
      description:
        - C(ok) (the running module is the installed version and NVML agrees),
          C(reload_possible) (it is not, and no process uses the GPU, so reloading the
          modules or rebooting fixes it), C(reboot_required) (it is not, and a reload cannot
          fix it because processes use the GPU, or nouveau holds it), C(not_installed), C(no_gpu) (a host
          without NVIDIA GPUs), or C(userspace_only) (a container whose host kernel has no
          nvidia module).
      type: str
      sample: reload_possible
    reason:
      description: One sentence that explains the state.
      type: str
      sample: "the loaded nvidia module is 535.216.03 but 535.261.03 is installed; ..."
    package_manager:
      description: C(apt) or C(dnf).
      type: str
    installed_package_version:
      description: Installed version of O(package), or null.
      type: str
      sample: 535.261.03-1
    installed_version:
      description: The driver version in RV(driver_state.installed_package_version).
      type: str
      sample: 535.261.03
    loaded_version:
      description: Version of the loaded nvidia kernel module (the container host's, in a container), or null.
      type: str
    loaded_flavor:
      description: C(open), C(proprietary) or null.
      type: str
    dkms_source_versions:
      description: Driver versions with a DKMS source tree in C(/usr/src), newest first.
      type: list
      elements: str
      sample: ["535.261.03"]
    nouveau_loaded:
      description: Whether the nouveau module is loaded.
      type: bool
    gpu_processes:
      description:
        - Processes with C(/dev/nvidia*) open (C(pid), C(name), C(daemon), C(service) - the
          systemd service of a driver daemon, else null), and processes whose open files could
          not be read (C(unreadable) true; they count as GPU users).
      type: list
      elements: dict
    busy_pids:
      description: The RV(driver_state.gpu_processes) that are not driver daemons.
      type: list
      elements: int
    module_blockers:
      description: Sentences saying why unloading the nvidia modules would fail (empty when it would not).
      type: list
      elements: str
    container:
      description: Whether the host is a container.
      type: bool
    gpu_count:
      description: NVIDIA GPUs on the PCI bus.
      type: int
    nvml:
      description: NVML's C(state), C(driver_version), C(error_code) and C(message), or null when not queried.
      type: dict
    target_package_version:
      description: With O(resolve=true), the package version to install.
      type: str
      sample: 535.261.03-1
    target_version:
      description: With O(resolve=true), the driver version in RV(driver_state.target_package_version).
      type: str
    available_package_versions:
      description: With O(resolve=true), the versions of O(package) the package manager offers.
      type: list
      elements: str
    gpu_limits:
      description:
        - For each of O(pci_device_ids), C(device_id), C(name), C(architecture),
          C(compute_capability), C(min_driver), C(min_branch) and C(last_branch) (null where
          there is no limit or the device is unknown), from the collection's compatibility data.
      type: list
      elements: dict
    branch_problems:
      description: Sentences naming each GPU that cannot run O(branch) (or the branch of O(version)).
      type: list
      elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _driver_state as ds
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._nvml import (
    kernel_module_info,
)
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _packages as pk
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._pci import list_nvidia_gpus
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._preflight import (
    container_type,
)


def _package_manager(module):
    if module.get_bin_path("dpkg-query"):
        return "apt"
    if module.get_bin_path("rpm"):
        return "dnf"
    module.fail_json(msg="neither dpkg-query nor rpm was found: only apt- and dnf-based systems "
                         "are supported")


def _installed(module, manager, package):
    if manager == "apt":
        cmd = [module.get_bin_path("dpkg-query", True), "-W", "-f", pk.DPKG_FORMAT, package]
    else:
        cmd = [module.get_bin_path("rpm", True), "-q", "--qf", pk.RPM_FORMAT, package]
    rc, out, err = module.run_command(cmd)
    return pk.installed_versions(out, manager).get(package)


def _available(module, manager, package):
    if manager == "apt":
        rc, out, err = module.run_command([module.get_bin_path("apt-cache", True), "madison",
                                           package])
        return ds.parse_apt_madison(out)
    rc, out, err = module.run_command([module.get_bin_path("dnf", True), "repoquery", "-q",
                                       "--qf", "%{epoch}:%{version}-%{release}", package])
    if rc != 0:
        module.fail_json(msg="dnf repoquery %s failed: %s" % (package, err.strip()))
    return ds.parse_dnf_versions(out)


def _nvml_state(sysfs_root):
    from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _nvml
    nvml = _nvml.query(sysfs_root=sysfs_root)["nvml"]
    return {key: nvml.get(key) for key in ("state", "driver_version", "error_code", "message")}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            package=dict(type="str", required=True),
            resolve=dict(type="bool", default=False),
            branch=dict(type="str"),
            version=dict(type="str"),
            pci_device_ids=dict(type="list", elements="str", default=[]),
            source_name=dict(type="str", default="the package source"),
            wanted_flavor=dict(type="str", choices=["open", "proprietary"]),
            container=dict(type="bool"),
            query_nvml=dict(type="bool", default=True),
            sysfs_root=dict(type="path", default="/sys"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    manager = _package_manager(module)
    sysfs_root = params["sysfs_root"]
    container = params["container"]
    if container is None:
        container = container_type() is not None
    loaded = kernel_module_info(sysfs_root=sysfs_root)
    installed = _installed(module, manager, params["package"])
    processes = ds.gpu_processes()
    blockers = ds.module_blockers(sysfs_root)
    gpu_count = len(list_nvidia_gpus(sysfs_root))
    nouveau = os.path.isdir(os.path.join(sysfs_root, "module", "nouveau"))
    nvml = _nvml_state(sysfs_root) if params["query_nvml"] else None
    try:
        decision = ds.decide(
            installed, loaded["version"],
            nvml_state=nvml["state"] if nvml else None,
            nvml_driver_version=nvml["driver_version"] if nvml else None,
            container=container, gpu_count=gpu_count, processes=processes,
            nouveau_loaded=nouveau, loaded_flavor=loaded["flavor"],
            wanted_flavor=params["wanted_flavor"], blockers=blockers)
    except ds.DriverStateError as err:
        module.fail_json(msg=str(err))
    state = dict(decision, package_manager=manager, installed_package_version=installed,
                 loaded_flavor=loaded["flavor"],
                 dkms_source_versions=ds.dkms_source_versions(), nouveau_loaded=nouveau,
                 gpu_processes=processes, module_blockers=blockers, container=container,
                 gpu_count=gpu_count, nvml=nvml)
    try:
        state["gpu_limits"] = [ds.device_branch_limits(dev) for dev in params["pci_device_ids"]]
        branch = params["branch"]
        if params["version"]:
            branch = ds.branch_of(params["version"])
        state["branch_problems"] = (ds.branch_problems(branch, params["pci_device_ids"])
                                    if branch else [])
    except ValueError as err:  # DriverStateError and the compatibility data's CompatError
        module.fail_json(msg=str(err))
    if params["resolve"]:
        available = _available(module, manager, params["package"])
        try:
            target = ds.select_version(available, branch=params["branch"],
                                       version=params["version"], source=params["source_name"])
        except ds.DriverStateError as err:
            module.fail_json(msg=str(err), driver_state=state)
        state.update(target_package_version=target, target_version=ds.upstream_version(target),
                     available_package_versions=available)
    module.exit_json(changed=False, driver_state=state)


if __name__ == "__main__":
    main()
