# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for NVSwitch (HGX/DGX) hosts: Fabric Manager wanted, its packages, the fabric gate.

Thin wrappers over ``plugins/module_utils/_fabric.py``; each is documented in the
``<filter name>.yml`` file next to this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _fabric
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._filters import filters


def _gate_message(fabric, driver_version=None, fabric_manager_version=None, service_state=None,
                  host="this host"):
    return _fabric.gate_failure(fabric, driver_version or None, fabric_manager_version or None,
                                service_state or None, host) or ""


def _packages(driver_version, pkg_mgr, package_version="", nvswitch_generation=None):
    return _fabric.packages(pkg_mgr, driver_version, package_version or None, nvswitch_generation)


class FilterModule(object):
    def filters(self):
        return filters(
            AnsibleFilterError,
            fabric_manager_wanted=_fabric.wanted_checked,
            fabric_manager_packages=_packages,
            fabric_gate_message=_gate_message,
        )
