#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: package_state
short_description: Tell which distribution packages are not installed yet (read-only)
version_added: 0.2.0
description:
  - Asks the package database once (C(dpkg-query) on the Debian family, C(rpm -q) on the RHEL
    family) which of O(names) are installed, and returns the ones that are not.
  - Never changes anything and never runs apt or dnf, so a converged host answers in one quick
    call; the roles run the package manager (and refresh apt's lists) only when RV(missing) is
    not empty.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  names:
    description:
      - Package specs as given to M(ansible.builtin.apt) or M(ansible.builtin.dnf) - a name, or
        for apt C(name=version) (that exact version must be installed).
      - Patterns, ranges and file paths are refused.
    type: list
    elements: str
    required: true
  manager:
    description: The package database to ask. C(auto) picks C(apt) where C(dpkg-query) exists.
    type: str
    choices: [auto, apt, dnf]
    default: auto
"""

EXAMPLES = r"""
- name: Find which build tools are missing (read-only)
  gpulab.pytorch_stack.package_state:
    names: [python3-pip, g++]
  register: tools

- name: Install only what is missing
  ansible.builtin.apt:
    name: "{{ tools.missing }}"
  when: tools.missing | length > 0
"""

RETURN = r"""
missing:
  description: The specs of O(names), in their order, that are not installed (or not at the pinned version).
  returned: always
  type: list
  elements: str
  sample: ["g++"]
installed:
  description: Installed versions of the packages asked about, by name.
  returned: always
  type: dict
  sample: {"python3-pip": ["23.0.1+dfsg-1"]}
manager:
  description: The package database that was asked.
  returned: always
  type: str
  sample: apt
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._packages import (
    missing,
    query_installed,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            names=dict(type="list", elements="str", required=True),
            manager=dict(type="str", choices=["auto", "apt", "dnf"], default="auto"),
        ),
        supports_check_mode=True,
    )
    names, manager = module.params["names"], module.params["manager"]
    if manager == "auto":
        manager = "apt" if module.get_bin_path("dpkg-query") else "dnf"
    installed = query_installed(module, names, manager)
    module.exit_json(changed=False, missing=missing(names, installed, manager), manager=manager,
                     installed=dict((k, sorted(v)) for k, v in sorted(installed.items())))


if __name__ == "__main__":
    main()
