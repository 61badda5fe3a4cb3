#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gpu_facts
short_description: Set the C(gpu) fact from NVML and the PCI bus
version_added: 0.2.0
description:
  - Sets C(ansible_facts.gpu) and nothing else. It holds the NVML state and driver versions, every
    GPU NVML reports, the NVIDIA GPUs on the PCI bus, and what PyTorch builds need (compute
    capabilities, C(TORCH_CUDA_ARCH_LIST), C(sm_XY) targets).
  - Never fails because of the GPUs or the driver; see C(ansible_facts.gpu.state). A host with GPUs
    but no working driver still reports them in C(pci_devices), with name, architecture and
    compute capability where the collection's compatibility data knows the PCI device id, and
    the capabilities then come from there (C(capabilities_source=pci)).
  - Can run in plain fact gathering next to C(ansible.builtin.setup), by listing it in
    C(facts_modules) (C(ANSIBLE_FACTS_MODULES)); see the examples.
  - Use M(gpulab.pytorch_stack.gpu_info) to fail when no GPU is usable (O(gpulab.pytorch_stack.gpu_info#module:require_gpu)).
author:
  - gpulab maintainers (@gpulab)
options:
  sysfs_root:
    description:
      - Where sysfs is mounted. C(pci_devices) are read from C(<sysfs_root>/bus/pci/devices), the
        loaded kernel module's version from C(<sysfs_root>/module/nvidia/version).
      - Change it only for tests and image builds that present a prepared tree.
    type: path
    default: /sys
requirements:
  - nvidia-ml-py (Python module C(pynvml)) on the target for the NVML part. Without it C(state)
    is C(library_not_found), its message names the binding, and C(pci_devices) is still filled.
  - The NVIDIA driver's C(libnvidia-ml.so.1) for any state but C(library_not_found).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.facts
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
  - With two or more facts modules, fact gathering runs them in parallel by default, as async
    jobs polled with C(async_status). On small machines that is slower than running them one
    after the other; set C(ansible_facts_parallel=false) (or C(parallel=false) on the
    C(ansible.builtin.gather_facts) task). The collection's C(benchmarks/RESULTS.md) has figures.
  - In parallel mode ansible-core also gives C(setup) an async time limit of 0, which its async
    wrapper treats as 5 seconds; on a slow or loaded host C(setup) is killed (C(Timeout exceeded))
    and its facts are missing. Another reason to set C(ansible_facts_parallel=false).
seealso:
  - module: gpulab.pytorch_stack.gpu_info
"""

EXAMPLES = r"""
- name: Collect the gpu fact
  gpulab.pytorch_stack.gpu_facts:

- name: Build extensions for exactly the GPUs of this host
  ansible.builtin.command: python setup.py build_ext
  environment:
    TORCH_CUDA_ARCH_LIST: "{{ ansible_facts.gpu.torch_cuda_arch_list }}"
  when: ansible_facts.gpu.torch_cuda_arch_list is not none
  changed_when: true

# Plain fact gathering collects ansible_facts.gpu too when gpu_facts is a facts module, in
# ansible.cfg ([defaults] facts_modules = ansible.builtin.setup, gpulab.pytorch_stack.gpu_facts),
# in the environment (ANSIBLE_FACTS_MODULES) or as a variable, here for one task:
- name: Gather facts, the gpu fact included
  ansible.builtin.gather_facts:
  vars:
    ansible_facts_modules:
      - ansible.builtin.setup
      - gpulab.pytorch_stack.gpu_facts
    ansible_facts_parallel: false   # one after the other: faster on small machines (see notes)

- name: Show what the host has
  ansible.builtin.debug:
    msg: "{{ ansible_facts.gpu.count }} GPUs: {{ ansible_facts.gpu.models | join(', ') }}"
"""

RETURN = r"""
ansible_facts:
  description: Facts to add to ansible_facts.
  returned: always
  type: dict
  contains:
    gpu:
      description: The host's NVIDIA GPUs.
      returned: always
      type: dict
      contains:
        state:
          description:
            - NVML state, as RV(gpulab.pytorch_stack.gpu_info#module:nvml.state) of
              M(gpulab.pytorch_stack.gpu_info)
              (C(ok), C(library_not_found), C(driver_not_loaded), C(driver_library_mismatch),
              C(no_permission), C(error)).
          type: str
          sample: ok
        message:
          description: What the state means and, unless C(ok), what to do about it.
          type: str
        error_code:
          description: NVML's error code behind a state other than C(ok).
          type: int
        count:
          description: Number of GPUs NVML reports (0 unless C(state=ok)). The PCI count is
            C(pci_devices | length).
          type: int
          sample: 8
        usable_count:
          description: The GPUs of C(count) that NVML can open (a lost GPU is counted, not usable).
          type: int
          sample: 8
        cuda_devices:
          description:
            - What a CUDA process can be given in C(CUDA_VISIBLE_DEVICES), one per process -
              the C(MIG-) UUIDs of the MIG instances of GPUs in MIG mode, the C(GPU-) UUID of
              every other usable GPU, in NVML's (PCI) order. UUIDs, because CUDA numbers
              devices in another order than NVML unless C(CUDA_DEVICE_ORDER=PCI_BUS_ID).
          type: list
          elements: str
          sample: [GPU-7c6bbab1-8c8a-8a2c-3a6b-4f3b4c1d2e3f]
        driver_version:
          description: Driver version from NVML.
          type: str
          sample: 535.261.03
        cuda_driver_version:
          description: Highest CUDA version the driver supports.
          type: str
          sample: "12.2"
        nvml_version:
          description: NVML library version.
          type: str
        kernel_module_version:
          description: Version of the loaded C(nvidia) kernel module; V(null) if none is loaded.
          type: str
        kernel_module_flavor:
          description: C(open) or C(proprietary); V(null) if unknown.
          type: str
        library_path:
          description: The C(libnvidia-ml) file that was loaded.
          type: str
        library_version:
          description: Driver version in the name of the file C(library_path) resolves to.
          type: str
        python_binding:
          description: nvidia-ml-py version on the target; V(null) if not installed.
          type: str
        models:
          description: Sorted unique GPU names (from NVML, else from known PCI device ids).
          type: list
          elements: str
          sample: [NVIDIA A100-SXM4-80GB]
        architectures:
          description: Sorted unique architectures (C(ampere), C(hopper), C(blackwell), ...).
          type: list
          elements: str
          sample: [ampere]
        compute_capabilities:
          description: Sorted (numerically) unique compute capabilities.
          type: list
          elements: str
          sample: ["8.0", "9.0"]
        capabilities_source:
          description:
            - Where C(compute_capabilities), C(models) and C(architectures) come from - C(nvml)
              (the devices NVML reports), C(pci) (NVML reports none, the PCI device ids are
              known to the compatibility data) or C(none).
          type: str
          sample: nvml
        torch_cuda_arch_list:
          description: C(compute_capabilities) joined for C(TORCH_CUDA_ARCH_LIST); V(null) if none.
          type: str
          sample: 8.0;9.0
        sm_targets:
          description: nvcc architecture names of C(compute_capabilities).
          type: list
          elements: str
          sample: [sm_80, sm_90]
        devices:
          description:
            - One dict per GPU NVML reports, with the keys of RV(gpulab.pytorch_stack.gpu_info#module:gpus)
              returned by M(gpulab.pytorch_stack.gpu_info) (C(index), C(name), C(uuid),
              C(pci_bus_id), C(compute_capability), C(memory_total_mib), C(temperature_c), ...).
            - A field the GPU does not support is V(null).
          type: list
          elements: dict
        pci_devices:
          description: NVIDIA display-class (GPU) functions on the PCI bus, sorted by address.
          type: list
          elements: dict
          contains:
            pci_bus_id:
              description: PCI address.
              type: str
              sample: "0000:07:00.0"
            vendor_id:
              description: Always C(0x10de).
              type: str
            device_id:
              description: PCI device id.
              type: str
              sample: "0x20b2"
            class:
              description: PCI class code (C(0x0300xx) VGA, C(0x0302xx) 3D controller).
              type: str
              sample: "0x030200"
            driver:
              description: Bound kernel driver (C(nvidia), C(nouveau), C(vfio-pci)); V(null) if none.
              type: str
            name:
              description: Product name when the compatibility data knows the device id.
              type: str
              sample: NVIDIA A100-SXM4-80GB
            architecture:
              description: Architecture from the device id ranges of the compatibility data.
              type: str
              sample: ampere
            compute_capability:
              description: Compute capability when the data knows the device id, or the
                architecture has a single one (every Hopper is 9.0); V(null) otherwise.
              type: str
              sample: "8.0"
        nvswitches:
          description: The host's NVSwitches, as RV(gpulab.pytorch_stack.gpu_info#module:nvswitches).
          type: dict
          sample: {"count": 4, "generation": 3, "devices": [], "ib_switch_managers": []}
        fabric:
          description: The NVSwitch fabric's state, as RV(gpulab.pytorch_stack.gpu_info#module:fabric).
          type: dict
          sample: {"state": "ready", "gpus_ready": 8, "gpus": 8, "problems": []}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _gpu


def main():
    module = AnsibleModule(
        argument_spec=dict(sysfs_root=dict(type="path", default="/sys")),
        supports_check_mode=True,
    )
    facts, warnings = _gpu.gpu_facts(module.params["sysfs_root"])
    for warning in warnings:
        module.warn(warning)
    module.exit_json(changed=False, ansible_facts={"gpu": facts})


if __name__ == "__main__":
    main()
