#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cudnn_info
short_description: Read the installed cuDNN version from its header and from the library
version_added: 0.2.0
description:
  - Reads C(CUDNN_MAJOR), C(CUDNN_MINOR) and C(CUDNN_PATCHLEVEL) from C(cudnn_version.h).
  - Loads the library by its soname through the dynamic linker (no path, no
    C(LD_LIBRARY_PATH)) and calls C(cudnnGetVersion()) and C(cudnnGetCudartVersion()); both
    return constants compiled into the library and need no GPU.
  - Changes nothing on the host.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  header:
    description: Path of C(cudnn_version.h).
    type: path
    required: true
  soname:
    description: The library to load, by soname.
    type: str
    default: libcudnn.so.9
"""

EXAMPLES = r"""
- name: Read the cuDNN version
  gpulab.pytorch_stack.cudnn_info:
    header: /opt/cudnn/9.28.1.4-cuda13/include/cudnn_version.h
  register: __cudnn
"""

RETURN = r"""
header_version:
  description: Version from C(cudnn_version.h).
  returned: success
  type: str
  sample: "9.28.1"
library_version:
  description: Version C(cudnnGetVersion()) returns.
  returned: success
  type: str
  sample: "9.28.1"
cuda_build:
  description: The CUDA version the library was built with (C(cudnnGetCudartVersion())).
  returned: success
  type: str
  sample: "13.5"
library_path:
  description: The file the dynamic linker loaded, or null when it cannot be told.
  returned: success
  type: str
  sample: /opt/cudnn/9.28.1.4-cuda13/lib/libcudnn.so.9
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._cudnn import (
    CudnnError,
    library_versions,
    loaded_path,
    parse_version_header,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            header=dict(type="path", required=True),
            soname=dict(type="str", default="libcudnn.so.9"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        with open(params["header"]) as handle:
            header_version = parse_version_header(handle.read())
        library = library_versions(params["soname"])
    except (IOError, OSError) as exc:
        module.fail_json(msg="cannot read %s: %s" % (params["header"], exc))
    except CudnnError as exc:
        module.fail_json(msg=str(exc))
    module.exit_json(changed=False, header_version=header_version,
                     library_version=library["version"], cuda_build=library["cuda_build"],
                     library_path=loaded_path(params["soname"]))


if __name__ == "__main__":
    main()
