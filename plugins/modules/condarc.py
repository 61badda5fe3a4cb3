#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: condarc
short_description: Write the system .condarc of a conda installation
version_added: 0.2.0
description:
  - Writes C(<prefix>/.condarc) (root-owned, mode 0644) with the channels, channel mirrors and
    channel alias given; rewritten only when its content changes. With C(--diff) (also under
    C(--check)) the file's old and new content are shown.
  - Refuses the C(defaults) channel unless O(allow_defaults) is true.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes.DIFF
options:
  prefix:
    description: The conda installation (root prefix).
    type: path
    required: true
  channels:
    description: Channel names or URLs, highest priority first.
    type: list
    elements: str
    required: true
  channel_alias:
    description: Base URL that channel names resolve against (a mirror of anaconda.org).
    type: str
  custom_channels:
    description: Channel name to the base URL of its mirror.
    type: dict
    default: {}
  default_channels:
    description: What C(defaults) means (mirror URLs), when O(allow_defaults) is used.
    type: list
    elements: str
    default: []
  allow_defaults:
    description: Allow the C(defaults) channel in O(channels).
    type: bool
    default: false
  settings:
    description: Other C(.condarc) settings (not the channel keys above).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Use conda-forge through a lab mirror
  gpulab.pytorch_stack.condarc:
    prefix: /opt/miniforge3
    channels: [conda-forge]
    custom_channels:
      conda-forge: https://conda-mirror.lab.example/
"""

RETURN = r"""
path:
  description: The file written.
  returned: always
  type: str
  sample: /opt/miniforge3/.condarc
content:
  description: Its content.
  returned: always
  type: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._conda import CondaError, condarc_text
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import text_diff, write_if_changed


def main():
    module = AnsibleModule(
        argument_spec=dict(
            prefix=dict(type="path", required=True),
            channels=dict(type="list", elements="str", required=True),
            channel_alias=dict(type="str"),
            custom_channels=dict(type="dict", default={}),
            default_channels=dict(type="list", elements="str", default=[]),
            allow_defaults=dict(type="bool", default=False),
            settings=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        text = condarc_text(p["channels"], p["channel_alias"], p["custom_channels"],
                            p["default_channels"], p["allow_defaults"], p["settings"])
    except CondaError as err:
        module.fail_json(msg=str(err))
    path = os.path.join(p["prefix"], ".condarc")
    if not os.path.isdir(p["prefix"]) and not module.check_mode:
        module.fail_json(msg="%s does not exist: install Miniforge there first" % p["prefix"])
    diff = text_diff(path, text) if module._diff else None
    changed = write_if_changed(path, text, check_mode=module.check_mode)
    if changed and diff is not None:
        module.exit_json(changed=changed, path=path, content=text, diff=diff)
    module.exit_json(changed=changed, path=path, content=text)


if __name__ == "__main__":
    main()
