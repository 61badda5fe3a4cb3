#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: symlinks
short_description: Keep a set of symbolic links under one directory, in one call
version_added: 0.2.0
description:
  - Makes each C(<root>/<name>) a symbolic link to its target, creating missing links and
    replacing wrong links and plain files; links that are already right are left alone.
  - One module run for the whole set, where M(ansible.builtin.file) in a loop needs one per link;
    the toolkit prefixes of the cuda_toolkit and cudnn roles are checked this way on every run.
  - Refuses to replace a real directory, and names that lead outside O(root).
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  root:
    description:
      - The directory the link names are relative to. Must exist.
      - In check mode a missing O(root) means every link would be made.
    type: path
    required: true
  links:
    description: Link name (relative to O(root)) to link target (stored as given, relative or absolute).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Lay a pip-installed toolkit out like /usr/local/cuda
  gpulab.pytorch_stack.symlinks:
    root: /opt/cuda/13.0
    links:
      bin: wheels/nvidia/cu13/bin
      include: wheels/nvidia/cu13/include
      lib64: wheels/nvidia/cu13/lib
"""

RETURN = r"""
changed_links:
  description: The links made or replaced (or that would be, in check mode), as C(path -> target).
  returned: always
  type: list
  elements: str
  sample: ["/opt/cuda/13.0/bin -> wheels/nvidia/cu13/bin"]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._links import LinkError, apply, plan


def main():
    module = AnsibleModule(
        argument_spec=dict(
            root=dict(type="path", required=True),
            links=dict(type="dict", required=True),
        ),
        supports_check_mode=True,
    )
    root = module.params["root"]
    links = dict((str(k), str(v) if v is not None else "") for k, v in module.params["links"].items())
    try:
        if os.path.isdir(root):
            todo = plan(root, links)
        elif module.check_mode:  # a prefix a real run would have created before this task
            todo = [(os.path.join(root, name), links[name], "create") for name in sorted(links)]
        else:
            module.fail_json(msg="%s is not a directory" % root)
        if not module.check_mode:
            apply(todo)
    except (LinkError, OSError) as err:
        module.fail_json(msg=str(err))
    module.exit_json(changed=bool(todo),
                     changed_links=["%s -> %s" % (entry[0], entry[1]) for entry in todo])


if __name__ == "__main__":
    main()
