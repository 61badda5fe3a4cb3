# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that answer "what works with what" from the collection's compatibility data.

Each is a thin wrapper over ``plugins/module_utils/_compat.py``; its documentation is the
``<filter name>.yml`` file next to this one (``ansible-doc -t filter gpulab.pytorch_stack.<name>``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _devices
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._filters import filters


class FilterModule(object):
    def filters(self):
        return filters(
            AnsibleFilterError,
            # CUDA toolkit, driver, cuDNN
            cuda_min_driver=_compat.cuda_min_driver,
            driver_supports_cuda=_compat.driver_supports_cuda,
            cuda_supports_arch=_compat.cuda_supports_arch,
            cuda_variant=_compat.cuda_variant,
            cudnn_supports_cuda=_compat.cudnn_supports_cuda,
            sm_targets=_compat.sm_targets,
            # PyTorch wheels
            cuda_arch_list=_compat.cuda_arch_list,
            torch_index_url=_compat.torch_index_url,
            torch_variants=_compat.torch_variants,
            torch_variant_published=_compat.torch_variant_published,
            torch_arch_list=_compat.torch_arch_list,
            torch_variant_supports_arch=_compat.torch_variant_supports_arch,
            torchvision_for_torch=_compat.torchvision_for_torch,
            cuda_extension_problem=_compat.cuda_extension_problem,
            # GPUs by PCI device id
            gpu_architecture=_compat.gpu_architecture,
            nvidia_pci_device=_compat.pci_device_info,
            nvidia_open_kernel_supported=_compat.nvidia_open_kernel_supported,
            nvidia_open_kernel_required=_compat.nvidia_open_kernel_required,
            # CUDA_VISIBLE_DEVICES
            visible_devices_problems=_devices.visible_devices_problems,
        )
