#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: gpu_info
short_description: Report the NVIDIA driver state and every GPU through NVML
version_added: 0.2.0
description:
  - Reads the NVIDIA driver and GPUs through NVML (C(libnvidia-ml.so.1)) with NVIDIA's Python
    binding nvidia-ml-py, and the NVIDIA GPUs on the PCI bus from sysfs.
  - Read-only. A driver that is missing, not loaded, mismatched or unreadable is reported as a
    RV(nvml.state), not a failure; a device field the GPU does not support is V(null).
  - The module fails only when asked to, with O(require_gpu=true), with a message that names
    the state and what to do about it.
  - Use M(gpulab.pytorch_stack.gpu_facts) to get the same data, plus what PyTorch builds need,
    as the C(gpu) fact.
author:
  - gpulab maintainers (@gpulab)
options:
  require_gpu:
    description:
      - Fail unless NVML works and reports at least one GPU.
      - The failure message names the NVML state and the remedy, for example a reboot or a
        kernel module reload after a driver upgrade (C(driver_library_mismatch)).
      - When the nvidia-ml-py binding is missing, the failure is the standard "missing required
        library" message.
    type: bool
    default: false
  sysfs_root:
    description:
      - Where sysfs is mounted. The module reads C(<sysfs_root>/bus/pci/devices) for the PCI view
        and C(<sysfs_root>/module/nvidia/version) for the loaded kernel module's version.
      - Change it only for tests and image builds that present a prepared tree.
    type: path
    default: /sys
requirements:
  - nvidia-ml-py (Python module C(pynvml)) for the Python interpreter that runs the module on the
    target. Without it RV(nvml.state) is C(library_not_found) and its message names the binding.
    Do not install the deprecated C(pynvml) PyPI package.
  - The NVIDIA driver's user-space library C(libnvidia-ml.so.1), for any state but
    C(library_not_found).
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
notes:
  - The module does not run C(nvidia-smi); it reads the library C(nvidia-smi) itself uses.
  - ECC error counts are volatile counts (since the driver was loaded).
seealso:
  - module: gpulab.pytorch_stack.gpu_facts
"""

EXAMPLES = r"""
- name: Read the GPUs
  gpulab.pytorch_stack.gpu_info:
  register: gpu

- name: Show each GPU
  ansible.builtin.debug:
    msg: "{{ item.index }}: {{ item.name }} ({{ item.compute_capability }}), {{ item.memory_total_mib }} MiB"
  loop: "{{ gpu.gpus }}"

- name: Stop here unless a GPU is usable (fails with the state and its remedy)
  gpulab.pytorch_stack.gpu_info:
    require_gpu: true

- name: Reboot when a driver upgrade left the old kernel module loaded
  ansible.builtin.reboot:
  when: gpu.nvml.state == 'driver_library_mismatch'
"""

RETURN = r"""
nvml:
  description: The NVML and driver state.
  returned: always
  type: dict
  contains:
    state:
      description:
        - C(ok), C(library_not_found) (no C(libnvidia-ml.so.1), or no nvidia-ml-py binding, see
          RV(nvml.python_binding)), C(driver_not_loaded), C(driver_library_mismatch),
          C(no_permission) or C(error).
      type: str
      sample: ok
    message:
      description: What the state means and, unless C(ok), what to do about it.
      type: str
      sample: NVML 12.535.261.03, driver 535.261.03 (CUDA 12.2), 8 GPUs.
    error_code:
      description: NVML's error code behind a state other than C(ok); V(null) otherwise.
      type: int
      sample: 18
    driver_version:
      description: Driver version from NVML; V(null) unless C(ok).
      type: str
      sample: 535.261.03
    cuda_driver_version:
      description: Highest CUDA version the driver supports, C(major.minor).
      type: str
      sample: "12.2"
    nvml_version:
      description: NVML library version.
      type: str
      sample: 12.535.261.03
    kernel_module_version:
      description:
        - Version of the loaded C(nvidia) kernel module (C(/sys/module/nvidia/version), else
          C(/proc/driver/nvidia/version)); V(null) when none is loaded.
        - Compare it with RV(nvml.driver_version) or RV(nvml.library_version) after an upgrade.
      type: str
      sample: 535.216.03
    kernel_module_flavor:
      description: C(open) or C(proprietary), from C(/proc/driver/nvidia/version); V(null) if unknown.
      type: str
      sample: open
    library_path:
      description: The C(libnvidia-ml) file this process loaded; V(null) if none was loaded.
      type: str
      sample: /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1
    library_version:
      description: Driver version in the name of the file RV(nvml.library_path) resolves to.
      type: str
      sample: 535.261.03
    python_binding:
      description:
        - Version of nvidia-ml-py on the target; V(null) when it is not installed.
        - C(pynvml <version>) when the C(pynvml) module comes from the deprecated C(pynvml)
          package alone; replace it with nvidia-ml-py.
      type: str
      sample: 13.615.71
gpus:
  description: One dict per GPU NVML reports, in NVML index order. Empty unless C(ok).
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: NVML index.
      type: int
    name:
      description: Product name.
      type: str
      sample: NVIDIA A100-SXM4-80GB
    uuid:
      description: GPU UUID.
      type: str
      sample: GPU-7c6bbab1-8c8a-8a2c-3a6b-4f3b4c1d2e3f
    pci_bus_id:
      description: PCI address in sysfs form, to match the C(pci_bus_id) of an entry of RV(pci_devices).
      type: str
      sample: "0000:07:00.0"
    pci_device_id:
      description: PCI device id.
      type: str
      sample: "0x20b2"
    compute_capability:
      description: CUDA compute capability, C(major.minor).
      type: str
      sample: "8.0"
    architecture:
      description: Architecture of that compute capability (C(ampere), C(hopper), C(blackwell), ...).
      type: str
      sample: ampere
    memory_total_mib:
      description: Total memory, MiB.
      type: int
    memory_used_mib:
      description: Used memory, MiB (driver-reserved memory excluded where NVML can tell).
      type: int
    temperature_c:
      description: GPU core temperature, degrees Celsius; V(null) if not supported.
      type: int
    power_draw_w:
      description: Power draw, watts; V(null) if not supported.
      type: float
    utilization_gpu_pct:
      description: GPU utilization over the last sample period, percent.
      type: int
    persistence_mode:
      description: Whether persistence mode is on.
      type: bool
    mig_mode:
      description: Whether MIG mode is on; V(null) on GPUs without MIG.
      type: bool
    mig_mode_pending:
      description: MIG mode after the next GPU reset; V(null) on GPUs without MIG.
      type: bool
    ecc_errors_uncorrected:
      description: Uncorrected ECC errors since the driver was loaded; V(null) without ECC.
      type: int
    usable:
      description:
        - Whether NVML could open the GPU. V(false) for a GPU NVML counts but gives no handle
          for (lost, no permission); its other fields are then V(null) and C(error) says why.
      type: bool
    error:
      description: Why the GPU is not usable (NVML's error); V(null) when it is.
      type: str
      sample: GPU is lost (NVML error 15)
    mig_devices:
      description:
        - The MIG instances of a GPU in MIG mode (C(index), C(uuid) such as C(MIG-...),
          C(name), C(memory_total_mib)); empty otherwise. A CUDA process sees one MIG
          instance, chosen with C(CUDA_VISIBLE_DEVICES=<its uuid>).
      type: list
      elements: dict
    fabric_state:
      description:
        - The GPU's NVSwitch fabric (C(nvmlDeviceGetGpuFabricInfoV)) - C(not_supported) (no
          fabric - PCIe GPUs, boards without NVSwitch), C(not_started) (Fabric Manager not
          running), C(in_progress), C(completed); V(null) where NVML cannot tell (an older
          driver without the call).
        - On an NVSwitch board CUDA fails with error 802 until it is C(completed) with
          C(fabric_status=0).
      type: str
      sample: completed
    fabric_status:
      description: NVML's return code of the fabric's set-up once C(completed) (0 success); V(null) before.
      type: int
      sample: 0
pci_devices:
  description:
    - NVIDIA display-class devices on the PCI bus, read from sysfs whether or not a driver works.
    - Same as C(ansible_facts.gpu.pci_devices) of M(gpulab.pytorch_stack.gpu_facts).
  returned: always
  type: list
  elements: dict
nvswitches:
  description:
    - The host's NVSwitches from sysfs - C(count), C(generation) (2, 3, 4 or V(null)),
      C(devices) (PCI class C(0x0680) functions) and C(ib_switch_managers) (gen-4 boards).
    - Same as C(ansible_facts.gpu_preflight.nvswitches) of M(gpulab.pytorch_stack.preflight_facts).
  returned: always
  type: dict
  sample: {"count": 4, "generation": 3, "devices": [], "ib_switch_managers": []}
fabric:
  description:
    - The host's NVSwitch fabric from the GPUs' C(fabric_state) - C(state) is C(ready) (every
      usable GPU C(completed) with success), C(not_ready), C(failed), C(unknown) or
      C(not_applicable) (no fabric, no NVSwitch); C(gpus_ready), C(gpus) (usable GPUs) and
      C(problems) (one line per GPU that is not ready).
  returned: always
  type: dict
  sample: {"state": "ready", "gpus_ready": 8, "gpus": 8, "problems": []}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _gpu, _nvml


def main():
    module = AnsibleModule(
        argument_spec=dict(
            require_gpu=dict(type="bool", default=False),
            sysfs_root=dict(type="path", default="/sys"),
        ),
        supports_check_mode=True,
    )
    info = _gpu.gpu_info(module.params["sysfs_root"])
    for warning in info.pop("warnings"):
        module.warn(warning)
    if module.params["require_gpu"]:
        if not _nvml.HAS_PYNVML:
            module.fail_json(msg=missing_required_lib("nvidia-ml-py",
                                                      reason="to read the GPUs through NVML"),
                             exception=_nvml.PYNVML_IMPORT_ERROR, **info)
        failure = _gpu.require_gpu_failure(info)
        if failure:
            module.fail_json(msg=failure, **info)
    module.exit_json(changed=False, **info)


if __name__ == "__main__":
    main()
