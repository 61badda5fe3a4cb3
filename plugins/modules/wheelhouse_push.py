#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: wheelhouse_push
short_description: Send the wheels a host lacks from the controller, verify the host's wheelhouse, prepare it for pip or uv
version_added: 0.3.0
description:
  - Makes the directory O(path) on the host hold every wheel of O(manifest), each with its
    recorded size and sha256, and nothing else.
  - With O(src), a directory on the controller, the wheels the host lacks or holds with another
    size are sent from there first, each as one plain file transfer of the connection (no module
    run, no checksum per file on the controller); nothing the host already holds is sent.
  - Every wheel's sha256 is then read once on the host, the ones just sent as they arrive and
    the ones already there before they are reused. A wheel found damaged there (same size,
    other content) is sent again once; one that arrives damaged fails the task, naming it.
  - Removes wheels the manifest does not list (left from an older wheel set) when O(prune).
  - Writes C(manifest.json) and C(requirements.txt) (every wheel pinned with its sha256, for
    C(pip install --no-index --require-hashes -r) or C(uv pip install)).
  - With C(--diff) it shows the old and new content of those two files and the wheels it
    removes; in check mode it sends, writes and removes nothing.
  - The controller part is an action plugin; without O(src) only the host part runs (verify a
    wheelhouse put there by other means).
  - Replaces C(wheelhouse_verify), which only checked; the role copied every wheel with
    M(ansible.builtin.copy) before it, one module run and two sha1 passes per file. For a torch
    2.14.1 wheel set (32 wheels, 2.84 GiB) on this project's 2-core CI machine, under load, that
    copy took 115 s and this plugin 42 s, side by side (benchmarks/wheel_transfer.py; the
    figures and their conditions are in benchmarks/RESULTS.md).
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes.DIFF
options:
  path:
    description: The wheelhouse directory on the host. It must exist (create it with M(ansible.builtin.file)).
    type: path
    required: true
  manifest:
    description:
      - "The wheels: C(wheels), a dict of file name to C(sha256), C(size) and C(requirement), as
        M(gpulab.pytorch_stack.wheelhouse_fetch) returns it."
      - With O(src), an entry may also be just the sha256; size and requirement then come from
        the controller's file and the file name.
    type: dict
    required: true
  src:
    description:
      - A directory on the controller holding the wheels (the controller cache, already checked
        against the manifest). Wheels are sent from there.
      - Omit to only verify what O(path) holds.
    type: path
  staged:
    description:
      - Internal, set by the action plugin. the directory on the host the wheels were sent to.
    type: path
  plan:
    description:
      - Internal, set by the action plugin. only list the wheels to send (missing or another
        size); reads no wheel, changes nothing.
    type: bool
    default: false
  prune:
    description: Remove wheels that the manifest does not list.
    type: bool
    default: true
notes:
  - The transfers go through the play's connection (SSH, docker, local), as the login user into
    Ansible's temporary directory on the host; the host part, run with the task's privileges,
    moves each verified wheel into O(path) with mode 0644.
"""

EXAMPLES = r"""
- name: Send the wheels the host lacks and verify the wheelhouse
  gpulab.pytorch_stack.wheelhouse_push:
    src: "{{ fetched.path }}"
    path: /var/cache/gpulab/wheelhouse/pytorch2
    manifest: "{{ fetched.manifest }}"

- name: Verify a wheelhouse put in place by other means
  gpulab.pytorch_stack.wheelhouse_push:
    path: /var/cache/gpulab/wheelhouse/pytorch2
    manifest: "{{ fetched.manifest }}"
"""

RETURN = r"""
sent:
  description: The wheels sent from the controller (those the host lacked or held damaged).
  returned: when O(src) is given
  type: list
  elements: str
sent_bytes:
  description: Bytes of the wheels sent.
  returned: when O(src) is given
  type: int
pruned:
  description: Wheels removed because the manifest does not list them.
  returned: always
  type: list
  elements: str
requirements:
  description: Path of the hash-pinned requirements file.
  returned: always
  type: str
damaged:
  description: The wheels of the manifest that are missing in O(path) or differ from it.
  returned: failure
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import write_if_changed
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._wheelhouse import (
    MANIFEST,
    REQUIREMENTS,
    WheelhouseError,
    check_manifest,
    extra_files,
    manifest_text,
    place_staged,
    requirements_text,
    to_send,
    verify,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            manifest=dict(type="dict", required=True),
            src=dict(type="path"),
            staged=dict(type="path"),
            plan=dict(type="bool", default=False),
            prune=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    requirements = os.path.join(path, REQUIREMENTS)
    try:
        manifest = check_manifest(module.params["manifest"])
        if not os.path.isdir(path):
            if module.check_mode or module.params["plan"]:
                module.exit_json(changed=True, send=sorted(manifest["wheels"]), pruned=[],
                                 requirements=requirements)
            module.fail_json(msg="the wheelhouse directory %s does not exist" % path)
        if module.params["plan"]:
            module.exit_json(changed=False, send=to_send(path, manifest))
        placed, problems = [], []
        if module.params["staged"]:
            placed, problems = place_staged(path, module.params["staged"], manifest,
                                            check_mode=module.check_mode)
        problems += verify(path, manifest, skip=placed)
    except WheelhouseError as err:
        module.fail_json(msg=str(err))
    if problems:
        module.fail_json(msg="the wheelhouse in %s does not match its manifest: %s. The copy is "
                             "damaged or the controller's cache changed after it was recorded; "
                             "remove the cache entry on the controller and run again"
                             % (path, "; ".join(problems)), problems=problems, placed=placed,
                         damaged=sorted(set(problem.split(" ", 1)[0] for problem in problems)))
    pruned = extra_files(path, manifest) if module.params["prune"] else []
    if not module.check_mode:
        for name in pruned:
            os.unlink(os.path.join(path, name))
    changed = bool(pruned or placed)
    diff = []
    if pruned:
        diff.append(dict(before_header=path, after_header=path,
                         before="".join(name + "\n" for name in pruned), after=""))
    for target, text in ((requirements, requirements_text(manifest)),
                         (os.path.join(path, MANIFEST), manifest_text(manifest))):
        before = _read(target) if module._diff else None
        if write_if_changed(target, text, check_mode=module.check_mode):
            changed = True
            if module._diff and before != text:
                diff.append(dict(before_header=target, after_header=target,
                                 before=before, after=text))
    result = dict(changed=changed, pruned=pruned, placed=placed, requirements=requirements)
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


def _read(path):
    """The file's text, or '' when it does not exist (yet)."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return ""


if __name__ == "__main__":
    main()
