#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cuda_toolkit_check
short_description: Ask a CUDA toolkit its version and compile a kernel for given GPU architectures
version_added: 0.2.0
description:
  - Runs C(<cuda_home>/bin/nvcc --version), then compiles a small CUDA kernel with SASS for each
    architecture in O(archs) in a temporary directory, and reads the architectures the object
    file really carries from its C(.nv_fatbin) section. The directory is removed afterwards.
  - Needs no GPU and no driver, and changes nothing on the host.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  cuda_home:
    description: Root of the toolkit (the directory holding C(bin/nvcc)).
    type: path
    required: true
  archs:
    description: nvcc targets to compile for, like C(sm_90).
    type: list
    elements: str
    required: true
  host_compiler:
    description: Host C++ compiler for nvcc (C(-ccbin)); the first C(g++) on C(PATH) if unset.
    type: path
"""

EXAMPLES = r"""
- name: Prove the default toolkit compiles for this host's GPUs
  gpulab.pytorch_stack.cuda_toolkit_check:
    cuda_home: /usr/local/cuda
    archs: "{{ ansible_facts.gpu.sm_targets }}"
  register: __check
"""

RETURN = r"""
nvcc:
  description: The nvcc that was run.
  returned: success
  type: str
  sample: /usr/local/cuda/bin/nvcc
release:
  description: The toolkit release (major.minor) nvcc reports.
  returned: success
  type: str
  sample: "13.2"
version:
  description: The full nvcc version.
  returned: success
  type: str
  sample: "13.2.86"
command:
  description: The compile command line.
  returned: success
  type: str
requested:
  description: The architectures asked for, sorted.
  returned: success
  type: list
  elements: str
  sample: [sm_80, sm_90]
elf:
  description: Architectures the object carries SASS (cubin) for.
  returned: success
  type: list
  elements: str
  sample: [sm_80, sm_90]
ptx:
  description: Architectures the object carries PTX for.
  returned: success
  type: list
  elements: str
  sample: []
missing:
  description: Requested architectures without a cubin in the object (empty when all compiled).
  returned: success
  type: list
  elements: str
  sample: []
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._cuda_toolkit import (
    ToolkitError,
    check_toolkit,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cuda_home=dict(type="path", required=True),
            archs=dict(type="list", elements="str", required=True),
            host_compiler=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if not params["archs"]:
        module.fail_json(msg="archs is empty: give at least one nvcc target like sm_90")

    def run(argv, env_update):
        return module.run_command(argv, environ_update=env_update)

    try:
        result = check_toolkit(params["cuda_home"], params["archs"], params["host_compiler"], run=run)
    except ToolkitError as exc:
        module.fail_json(msg="CUDA toolkit at %s: %s" % (params["cuda_home"], exc))
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
