# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the package database's listings.

Thin wrappers over ``plugins/module_utils/_packages.py`` (the collection's one dpkg-query and
rpm reader); each is documented in the ``<filter name>.yml`` file next to this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _packages
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._filters import filters


class FilterModule(object):
    def filters(self):
        return filters(
            AnsibleFilterError,
            installed_packages=_packages.installed_packages,
            apt_pins=_packages.apt_pins,
            package_rollback=_packages.package_rollback,
            package_query_argv=_packages.package_query_argv,
            missing_packages=_packages.missing_packages,
        )
