#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: layer_state
short_description: Record what a layer left on the host, or tell whether the host still matches
version_added: 0.2.0
description:
  - With O(state=record), at the end of a layer's full run once its verify steps passed, writes
    C(<dir>/<name>.json) with a fingerprint of O(inputs), the state of every path in
    O(paths) (type, owner, mode, link target; content for files up to 1 MiB, size and
    modification time for larger ones), the installed versions of O(packages), and O(result).
  - With O(state=check), read-only, compares the host with that record and returns
    RV(converged) true only when the inputs, every path and every package are as recorded,
    every group in O(groups) has its members and nothing under O(trees) is world-writable;
    otherwise RV(differences) names each thing that differs.
  - The roles of this collection run their install, configure and verify steps only when this
    check says the host differs, so a re-run on a converged host costs one module run per layer
    instead of one per step. Setting C(<role>_skip_when_converged=false) makes a role walk every
    step regardless.
  - With C(--diff) (also under C(--check)), O(state=record) shows the record's old and new
    content when it changes; check mode writes nothing. O(state=check) never changes anything.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes.DIFF
options:
  name:
    description: The layer, usually the role name. Letters, digits, C(_), C(-) and C(.).
    type: str
    required: true
  state:
    description:
      - C(check) compares the host with the record and changes nothing.
      - C(record) writes the record; changed only when it differs from the one on the host.
    type: str
    choices: [check, record]
    default: check
  inputs:
    description:
      - What the layer's outcome depends on besides the host's files - its settings, the
        version of the collection, what it read from the host (driver, GPU architectures).
      - Only its sha256 is kept. Leave out what changes on every run.
    type: dict
    required: true
  paths:
    description:
      - Files, links and directories the layer manages (a path that must stay absent is fine).
        Final links are not followed.
    type: list
    elements: path
    default: []
  packages:
    description: Distribution packages the layer installs (names, or C(name=version) for apt).
    type: list
    elements: str
    default: []
  manager:
    description: The package database to ask. C(auto) picks C(apt) where C(dpkg-query) exists.
    type: str
    choices: [auto, apt, dnf]
    default: auto
  groups:
    description: Groups that must exist, each with the users that must belong to it (check only).
    type: dict
    default: {}
  trees:
    description: Directories where nothing may be world-writable (links excepted; check only).
    type: list
    elements: path
    default: []
  result:
    description: The layer's result, returned by later checks (O(state=record) only).
    type: dict
  dir:
    description: Directory of the records; created (mode 0755) when missing.
    type: path
    default: /var/lib/gpulab/state
"""

EXAMPLES = r"""
- name: Check whether the toolkit is still as the last full run left it (read-only)
  gpulab.pytorch_stack.layer_state:
    name: cuda_toolkit
    inputs: "{{ {'settings': cuda_toolkit_versions, 'driver': driver_version} }}"
    paths: [/usr/local/cuda, /etc/profile.d/gpulab-cuda.sh]
    packages: [g++]
  register: toolkit_state

- name: Install and verify only when something differs
  ansible.builtin.include_tasks: converge.yml
  when: not toolkit_state.converged

- name: Record the state the full run left (at the end of converge.yml)
  gpulab.pytorch_stack.layer_state:
    name: cuda_toolkit
    state: record
    inputs: "{{ {'settings': cuda_toolkit_versions, 'driver': driver_version} }}"
    paths: [/usr/local/cuda, /etc/profile.d/gpulab-cuda.sh]
    packages: [g++]
    result: "{{ cuda_toolkit_result }}"
"""

RETURN = r"""
converged:
  description: O(state=check) - the host matches the record in every respect checked.
  returned: always
  type: bool
  sample: true
differences:
  description: O(state=check) - what differs, one sentence each (empty when converged).
  returned: always
  type: list
  elements: str
  sample: ["/usr/local/cuda changed (target)", "package g++ is not installed"]
drifted:
  description:
    - O(state=check) - the recorded paths that now differ from the record (gone, changed,
      another type), for the role to reinstall what holds them. Empty without a record.
  returned: always
  type: list
  elements: str
  sample: ["/opt/cuda/13.2/bin/nvcc"]
result:
  description: The result the last full run recorded (empty when there is no record).
  returned: always
  type: dict
path:
  description: The record's file.
  returned: always
  type: str
  sample: /var/lib/gpulab/state/cuda_toolkit.json
"""

import grp
import os
import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._layer_state import (
    compare,
    drifted,
    fingerprint,
    group_problems,
    make_record,
    package_versions,
    read_record,
    snapshot,
    world_writable,
)
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._packages import (
    missing,
    parse_spec,
    query_installed,
)
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import (
    canonical_json,
    text_diff,
    valid_name,
    write_if_changed,
)


def _packages(module, specs, manager):
    """{spec: installed versions} for specs, with one call to the package database."""
    installed = query_installed(module, specs, manager)
    absent = set(missing(specs, installed, manager))
    return package_versions(specs, installed, absent, lambda spec: parse_spec(spec, manager)[0])


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", choices=["check", "record"], default="check"),
            inputs=dict(type="dict", required=True),
            paths=dict(type="list", elements="path", default=[]),
            packages=dict(type="list", elements="str", default=[]),
            manager=dict(type="str", choices=["auto", "apt", "dnf"], default="auto"),
            groups=dict(type="dict", default={}),
            trees=dict(type="list", elements="path", default=[]),
            result=dict(type="dict"),
            dir=dict(type="path", default="/var/lib/gpulab/state"),
        ),
        required_if=[("state", "record", ["result"])],
        supports_check_mode=True,
    )
    params = module.params
    name = params["name"]
    if not valid_name(name):
        module.fail_json(msg="name must be letters, digits, '_', '-' or '.' (not first), got %r"
                         % name)
    manager = params["manager"]
    if manager == "auto":
        manager = "apt" if module.get_bin_path("dpkg-query") else "dnf"
    path = os.path.join(params["dir"], name + ".json")
    inputs_sha256 = fingerprint(params["inputs"])
    try:
        paths_state = snapshot(params["paths"])
    except OSError as err:
        module.fail_json(msg="cannot read %s: %s" % (err.filename, err.strerror))
    packages = _packages(module, params["packages"], manager)

    if params["state"] == "check":
        record = read_record(path)
        differences = compare(record, name, inputs_sha256, paths_state, packages)
        differences += group_problems(params["groups"], grp.getgrnam, pwd.getpwnam)
        for tree in params["trees"]:
            writable = world_writable(tree)
            if writable:
                differences.append("%s is world-writable" % writable)
        module.exit_json(changed=False, converged=not differences, differences=differences,
                         drifted=drifted(record, paths_state),
                         result=(record or {}).get("result") or {}, path=path)

    changed = False
    if not os.path.isdir(params["dir"]):
        changed = True
        if not module.check_mode:
            os.makedirs(params["dir"], 0o755)
    record = make_record(name, inputs_sha256, paths_state, packages, params["result"])
    text = canonical_json(record)
    diff = text_diff(path, text) if module._diff else None
    if os.path.isdir(params["dir"]):
        changed = write_if_changed(path, text, check_mode=module.check_mode) or changed
    else:
        changed = True
    extra = dict(diff=diff) if changed and diff is not None else {}
    module.exit_json(changed=changed, converged=True, differences=[], drifted=[],
                     result=params["result"], path=path, **extra)


if __name__ == "__main__":
    main()
