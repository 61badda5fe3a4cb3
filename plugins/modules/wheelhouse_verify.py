#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: wheelhouse_verify
short_description: Verify a copied wheelhouse against its manifest and prepare it for pip
version_added: 0.2.0
description:
  - Checks that every wheel the manifest lists is in O(path) with the recorded size and sha256,
    and fails naming each wheel that is missing or differs.
  - Removes wheels the manifest does not list (left from an older wheelhouse) when O(prune).
  - Writes C(manifest.json) (the record that this wheelhouse is complete and verified; compare
    it before copying again) and C(requirements.txt) (every wheel pinned with its sha256, for
    C(pip install --no-index --require-hashes -r)).
  - With C(--diff) it shows the old and new content of those two files and the wheels it
    removes; in check mode it writes and removes nothing.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes.DIFF
options:
  path:
    description: The wheelhouse directory on the host.
    type: path
    required: true
  manifest:
    description: The manifest from M(gpulab.pytorch_stack.wheelhouse_fetch).
    type: dict
    required: true
  prune:
    description: Remove wheels that the manifest does not list.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Verify the copied wheels
  gpulab.pytorch_stack.wheelhouse_verify:
    path: /var/cache/gpulab/wheelhouse/pytorch2
    manifest: "{{ fetched.manifest }}"
"""

RETURN = r"""
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
    requirements_text,
    verify,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            manifest=dict(type="dict", required=True),
            prune=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    requirements = os.path.join(path, REQUIREMENTS)
    try:
        manifest = check_manifest(module.params["manifest"])
        if module.check_mode and not os.path.isdir(path):
            module.exit_json(changed=True, pruned=[], requirements=requirements)
        problems = verify(path, manifest)
    except WheelhouseError as err:
        module.fail_json(msg=str(err))
    if problems:
        module.fail_json(msg="the wheelhouse in %s does not match its manifest: %s. The copy is "
                             "damaged or the controller's cache changed after it was recorded; "
                             "remove the cache entry on the controller and run again"
                             % (path, "; ".join(problems)), problems=problems,
                         damaged=sorted(set(problem.split(" ", 1)[0] for problem in problems)))
    pruned = extra_files(path, manifest) if module.params["prune"] else []
    if not module.check_mode:
        for name in pruned:
            os.unlink(os.path.join(path, name))
    changed = bool(pruned)
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
    result = dict(changed=changed, pruned=pruned, requirements=requirements)
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
