#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: torch_check
short_description: Judge a PyTorch environment report against the host's GPUs
version_added: 0.2.0
description:
  - Takes the JSON report of the pytorch2 role's verify script (versions, CUDA availability,
    devices, C(torch.cuda.get_arch_list()), cuDNN) and the host's GPU facts, and decides whether
    the environment can use every GPU.
  - On a GPU host it fails when torch cannot use CUDA, sees a different number of GPUs, has no
    cuDNN, or has neither kernels (SASS) nor PTX for a GPU's compute capability; the message
    names the reason and the fix (e.g. which CUDA variant to use instead).
  - On a host without GPUs it reports a CPU-only environment and succeeds.
  - Changes nothing.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  report:
    description:
      - The verify script's JSON report.
      - Without it the module checks before the install, from the compatibility data, that
        O(torch_version) is a torch release PyPI serves (else it fails naming the releases
        around it), that O(torchvision_version) and O(torchaudio_version) belong to it, that it
        installs on O(python_version), that the driver in O(gpu) runs the O(variant) build
        (C(pypi) - the release's PyPI default build) and that its wheels have kernels or PTX for
        every GPU in O(gpu). Each refusal names the fix (the nearest release or variant that
        works).
    type: dict
  torch_version:
    description: The torch version to install (check before the install).
    type: str
  variant:
    description: The build variant to install (C(cu130), C(cpu), C(pypi)).
    type: str
  torchvision_version:
    description:
      - Before the install, the torchvision release to install; it must be one whose
        C(Requires-Dist) pins O(torch_version) (the compatibility data's C(TORCH_RELEASES)).
      - An empty string means torchvision is not installed. Not checked when left out.
    type: str
  torchaudio_version:
    description: Like O(torchvision_version), for torchaudio.
    type: str
  python_version:
    description:
      - Before the install, the environment's Python (C(3.11)); O(torch_version) must have
        wheels for it. Decides RV(check.compile_supported).
      - Empty or left out where the environment does not exist yet; then the Python is not
        checked and RV(check.compile_supported) is null.
    type: str
  gpu:
    description: The host's GPU facts (C(ansible_facts.gpu) from M(gpulab.pytorch_stack.gpu_facts)).
    type: dict
    default: {}
  pci_gpu_count:
    description: NVIDIA GPUs on the PCI bus (C(gpu_preflight.pci_gpu_count)).
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: Judge the environment
  gpulab.pytorch_stack.torch_check:
    report: "{{ verify_run.stdout | from_json }}"
    gpu: "{{ ansible_facts.gpu | default({}) }}"
    pci_gpu_count: "{{ gpu_preflight.pci_gpu_count }}"

- name: Before the install, check the release, its companions, the Python and the GPUs
  gpulab.pytorch_stack.torch_check:
    torch_version: "2.0.1"
    torchvision_version: "0.15.2"
    torchaudio_version: ""
    variant: pypi
    python_version: "3.11"
    gpu: "{{ ansible_facts.gpu | default({}) }}"
  register: plan
  # plan.check.compile_supported is false here: torch 2.0's compiler stops below Python 3.11
"""

RETURN = r"""
check:
  description: The verdict.
  returned: always
  type: dict
  contains:
    ok:
      description: Whether the environment can use every GPU (or the host has none).
      type: bool
    gpu_host:
      description: Whether the host has GPUs.
      type: bool
    summary:
      description: One line for the run summary (after the install).
      type: str
    notes:
      description: What could not be checked before the install, and why.
      type: list
      elements: str
    problems:
      description: What is wrong and what to change, one sentence each.
      type: list
      elements: str
    release:
      description: Before the install, the torch release (C(2.0.1)).
      type: str
      returned: before the install
    variant:
      description: Before the install, the build variant, C(pypi) resolved to the release's PyPI
        default build (C(cu117) for torch 2.0.1).
      type: str
      returned: before the install
    python:
      description: Before the install, the Python checked (C(3.11)), null where not known.
      type: str
      returned: before the install
    compile_supported:
      description:
        - Whether torch.compile (TorchDynamo) of the release runs on the environment's Python,
          before the install for O(torch_version) and O(python_version), after it for the torch
          and Python the report names. Null where that is not known.
      type: bool
      returned: always
    compile_reason:
      description: Why not, and what would (empty where it runs).
      type: str
      returned: always
    requirements:
      description: Requirements the release needs beside its own metadata (C(numpy<2) for
        releases built against NumPy 1.x, C(setuptools<70) for releases whose C(cpp_extension)
        imports C(pkg_resources.packaging)).
      type: list
      elements: str
      returned: before the install
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._compat import CompatError
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._torch_check import (
    TorchCheckError,
    evaluate,
    preflight,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            report=dict(type="dict"),
            torch_version=dict(type="str"),
            variant=dict(type="str"),
            torchvision_version=dict(type="str"),
            torchaudio_version=dict(type="str"),
            python_version=dict(type="str"),
            gpu=dict(type="dict", default={}),
            pci_gpu_count=dict(type="int", default=0),
        ),
        required_one_of=[("report", "torch_version")],
        required_together=[("torch_version", "variant")],
        supports_check_mode=True,
    )
    p = module.params
    try:
        if p["report"] is None:
            check = preflight(p["torch_version"], p["variant"], p["gpu"],
                              torchvision=p["torchvision_version"],
                              torchaudio=p["torchaudio_version"], python=p["python_version"])
        else:
            check = evaluate(p["report"], p["gpu"], p["pci_gpu_count"])
    except (TorchCheckError, CompatError) as err:
        module.fail_json(msg=str(err))
    if not check["ok"]:
        module.fail_json(msg=" | ".join(check["problems"]), check=check)
    module.exit_json(changed=False, check=check)


if __name__ == "__main__":
    main()
