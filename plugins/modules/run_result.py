#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: run_result
short_description: Record what a gpulab role did on the host, as JSON
version_added: 0.2.0
description:
  - Writes the result of one layer of the stack (what it installed, verified, skipped and why)
    to C(<dir>/<name>.json) on the host, so reports and later runs can read it.
  - The file is rewritten only when its content changes, so a re-run that changed nothing
    reports C(changed=false). With C(--diff) (also under C(--check)) the file's old and new
    content are shown.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes.DIFF
options:
  name:
    description:
      - The layer, usually the role name (C(nvidia_driver), C(pytorch2), ...), or a host name
        for ledgers kept on the controller. Letters, digits, C(_), C(-) and C(.).
    type: str
    required: true
  result:
    description: The result to record. Keep out anything that changes on every run (times).
    type: dict
    required: true
  dir:
    description: Directory of the result files; created (mode 0755) when missing.
    type: path
    default: /var/lib/gpulab/results
"""

EXAMPLES = r"""
- name: Record the driver layer's result
  gpulab.pytorch_stack.run_result:
    name: nvidia_driver
    result: "{{ nvidia_driver_result }}"
"""

RETURN = r"""
path:
  description: The file the result is in.
  returned: always
  type: str
  sample: /var/lib/gpulab/results/nvidia_driver.json
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import (
    canonical_json,
    text_diff,
    valid_name,
    write_if_changed,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            result=dict(type="dict", required=True),
            dir=dict(type="path", default="/var/lib/gpulab/results"),
        ),
        supports_check_mode=True,
    )
    name = module.params["name"]
    if not valid_name(name):
        module.fail_json(msg="name must be letters, digits, '_', '-' or '.' (not first), got %r"
                         % name)
    directory = module.params["dir"]
    changed = False
    if not os.path.isdir(directory):
        changed = True
        if not module.check_mode:
            os.makedirs(directory, 0o755)
    path = os.path.join(directory, name + ".json")
    text = canonical_json(module.params["result"])
    diff = text_diff(path, text) if module._diff else None
    if os.path.isdir(directory):
        changed = write_if_changed(path, text, check_mode=module.check_mode) or changed
    if changed and diff is not None:
        module.exit_json(changed=changed, path=path, diff=diff)
    module.exit_json(changed=changed, path=path)


if __name__ == "__main__":
    main()
