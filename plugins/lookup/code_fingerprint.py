# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
name: code_fingerprint
short_description: The sha256 of this collection's roles and plugins, as the controller has them
version_added: 0.2.0
description:
  - Hashes the relative name and content of every file under the collection's C(roles/) and
    C(plugins/) directories (compiled Python and Markdown documentation left out), on the
    controller.
  - The roles put it in the inputs they give M(gpulab.pytorch_stack.layer_state), so a host that
    was converged by another version of the collection gets every step of every layer again.
author:
  - gpulab maintainers (@gpulab)
options: {}
"""

EXAMPLES = r"""
- name: Show which version of the code would converge the hosts
  ansible.builtin.debug:
    msg: "{{ lookup('gpulab.pytorch_stack.code_fingerprint') }}"
"""

RETURN = r"""
_raw:
  description: One sha256, hexadecimal.
  type: list
  elements: str
"""

import os

from ansible.plugins.lookup import LookupBase

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._layer_state import tree_fingerprint

COLLECTION = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        return [tree_fingerprint(COLLECTION, ["plugins", "roles"])]
