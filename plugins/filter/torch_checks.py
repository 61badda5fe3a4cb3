# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that judge a PyTorch release before the install and an environment after it.

Thin wrappers over ``plugins/module_utils/_torch_check.py``; each is documented in the
``<filter name>.yml`` file next to this one. They replace the ``torch_check`` module: it only
read its parameters, and a filter runs on the controller without a round trip to the host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _torch_check
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._filters import filters


class FilterModule(object):
    def filters(self):
        return filters(
            AnsibleFilterError,
            torch_plan=_torch_check.torch_plan,
            torch_verdict=_torch_check.torch_verdict,
        )
