#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: python_env
short_description: Create a named conda environment or Python venv, rebuilt only when its spec changes
version_added: 0.2.0
description:
  - Creates C(<prefix>/envs/<name>) with C(conda create) (O(manager=conda), from the Miniforge
    install at O(prefix)) or C(python -m venv) (O(manager=venv)).
  - Records what it was built from (manager, Python version, packages, channels) in
    C(<prefix>/envs/<name>/.gpulab-spec.json). An environment whose recorded spec matches and
    whose python exists is left alone; a changed spec removes and recreates the environment
    (packages installed into it later, e.g. by the pytorch2 role, are then reinstalled by that role).
  - Commands run with umask 0022, so the environment is root-owned and not group- or
    world-writable.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  manager:
    description: C(conda) (needs Miniforge at O(prefix)) or C(venv) (the system Python).
    type: str
    choices: [conda, venv]
    default: conda
  prefix:
    description: Root prefix; the environment goes to C(<prefix>/envs/<name>).
    type: path
    required: true
  name:
    description: Environment name.
    type: str
    required: true
  python:
    description: Python version as major.minor (C(3.11)). With O(manager=venv) it must be the
      version of O(venv_python).
    type: str
    required: true
  packages:
    description: Extra packages (conda specs, or pip requirements for a venv).
    type: list
    elements: str
    default: []
  channels:
    description: The channels of the system C(.condarc); part of the spec for O(manager=conda).
    type: list
    elements: str
    default: []
  venv_python:
    description: Interpreter that creates a venv.
    type: path
    default: /usr/bin/python3
"""

EXAMPLES = r"""
- name: Create the shared environment as a venv
  gpulab.pytorch_stack.python_env:
    manager: venv
    prefix: /opt/miniforge3
    name: pytorch2
    python: "3.11"
"""

RETURN = r"""
prefix:
  description: The environment's prefix.
  returned: always
  type: str
  sample: /opt/miniforge3/envs/pytorch2
python:
  description: The environment's python.
  returned: always
  type: str
  sample: /opt/miniforge3/envs/pytorch2/bin/python
python_version:
  description: Full version of the environment's python (null in check mode before creation).
  returned: always
  type: str
  sample: 3.11.2
action:
  description: C(keep), C(create) or C(rebuild).
  returned: always
  type: str
spec:
  description: What the environment is built from.
  returned: always
  type: dict
spec_hash:
  description: sha256 of the recorded spec.
  returned: always
  type: str
"""

import os
import shutil

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._conda import (
    SPEC_FILE,
    CondaError,
    create_argvs,
    env_prefix,
    plan,
    spec,
    spec_hash,
    spec_text,
)
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import write_if_changed

VERSION = "import sys; print('%d.%d.%d' % sys.version_info[:3])"


def _run(module, argv):
    rc, out, err = module.run_command(argv)
    if rc != 0:
        module.fail_json(msg="%s failed (rc=%d): %s" % (" ".join(argv), rc, (err or out).strip()),
                         cmd=argv, stdout=out, stderr=err)
    return out.strip()


def main():
    module = AnsibleModule(
        argument_spec=dict(
            manager=dict(type="str", choices=["conda", "venv"], default="conda"),
            prefix=dict(type="path", required=True),
            name=dict(type="str", required=True),
            python=dict(type="str", required=True),
            packages=dict(type="list", elements="str", default=[]),
            channels=dict(type="list", elements="str", default=[]),
            venv_python=dict(type="path", default="/usr/bin/python3"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        target = env_prefix(p["prefix"], p["name"])
        desired = spec(p["manager"], p["python"], p["packages"], p["channels"])
        argvs = create_argvs(desired, p["prefix"], p["name"], p["venv_python"])
    except CondaError as err:
        module.fail_json(msg=str(err))
    python = os.path.join(target, "bin", "python")
    spec_path = os.path.join(target, SPEC_FILE)
    recorded = None
    if os.path.isfile(spec_path):
        with open(spec_path) as handle:
            recorded = handle.read()
    action = plan(desired, recorded, os.path.exists(python))
    result = dict(changed=action != "keep", prefix=target, python=python, action=action,
                  spec=desired, spec_hash=spec_hash(desired), python_version=None)
    if p["manager"] == "venv":
        found = _run(module, [p["venv_python"], "-c", VERSION])
        if found.rsplit(".", 1)[0] != desired["python"]:
            module.fail_json(msg="%s is Python %s, but Python %s was asked for: set "
                                 "conda_env_python_version to %s or conda_env_venv_python to a "
                                 "Python %s interpreter" % (p["venv_python"], found,
                                                            desired["python"],
                                                            found.rsplit(".", 1)[0],
                                                            desired["python"]), **result)
    if action != "keep" and not module.check_mode:
        old_umask = os.umask(0o022)
        try:
            if action == "rebuild" and os.path.lexists(target):
                shutil.rmtree(target)
            if not os.path.isdir(os.path.dirname(target)):
                os.makedirs(os.path.dirname(target), 0o755)
            for argv in argvs:
                _run(module, argv)
            write_if_changed(spec_path, spec_text(desired))
        finally:
            os.umask(old_umask)
    if os.path.exists(python):
        result["python_version"] = _run(module, [python, "-c", VERSION])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
