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
  - With O(mirror), the host fetches the wheels it lacks or holds damaged itself, over
    HTTP(S) from a lab mirror that serves a copy of the controller cache (for example
    C(playbooks/wheel_mirror.yml), nginx); the controller sends nothing. Every fetched wheel is
    checked against the same size and sha256 as it streams, and a batch is placed only when every
    wheel of it matched. A mirror that cannot be reached, lacks a wheel or serves other bytes fails
    the task naming the URL, and the wheelhouse keeps what it had.
  - The controller part is an action plugin; without O(src) or O(mirror) only the host part runs
    (verify a wheelhouse put there by other means).
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
      - Omitted with O(src), every wheel in O(src) makes the manifest, its sha256 read on the
        controller (the other files there are left out).
      - Required without O(src).
    type: dict
  src:
    description:
      - A directory on the controller holding the wheels (the controller cache, already checked
        against the manifest). Wheels are sent from there.
      - Omit to only verify what O(path) holds.
    type: path
  mirror:
    description:
      - Base URL of the directory on a lab mirror that holds these wheels (C(http://mirror:8081/wheels));
        each wheel is fetched from C(<mirror>/<file name>) by the host.
      - With O(src) too, the controller's copy still gives the sizes the manifest leaves out and
        is checked against it, but nothing is sent from it.
    type: str
  mirror_timeout:
    description: Seconds to wait for the mirror to answer a request or send more of a wheel.
    type: int
    default: 60
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
  - O(mirror) is fetched with Ansible's own URL client on the host, with the host's CA
    certificates (HTTPS is verified) and its proxy settings.
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

- name: Let the host fetch what it lacks from the lab mirror (no transfer from the controller)
  gpulab.pytorch_stack.wheelhouse_push:
    mirror: http://wheels.lab.example:8081/wheelhouse/{{ fetched.path | basename }}
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
fetched:
  description: The wheels the host fetched from the mirror (those it lacked or held damaged).
  returned: when O(mirror) is given
  type: list
  elements: str
fetched_bytes:
  description: Bytes of the wheels fetched from the mirror.
  returned: when O(mirror) is given
  type: int
damaged:
  description: The wheels of the manifest that are missing in O(path) or differ from it.
  returned: failure
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.urls import open_url

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import write_if_changed
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._wheelhouse import (
    MANIFEST,
    REQUIREMENTS,
    WheelhouseError,
    check_manifest,
    extra_files,
    fetch_from_mirror,
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
            manifest=dict(type="dict"),
            src=dict(type="path"),
            mirror=dict(type="str"),
            mirror_timeout=dict(type="int", default=60),
            staged=dict(type="path"),
            plan=dict(type="bool", default=False),
            prune=dict(type="bool", default=True),
        ),
        supports_check_mode=True,
    )
    path = module.params["path"]
    requirements = os.path.join(path, REQUIREMENTS)
    if not module.params["manifest"]:
        module.fail_json(msg="manifest is required (the wheels and their sha256) unless src names "
                             "the controller's directory to take every wheel of")
    try:
        manifest = check_manifest(module.params["manifest"])
        if not os.path.isdir(path):
            if module.check_mode or module.params["plan"]:
                module.exit_json(changed=True, send=sorted(manifest["wheels"]), pruned=[],
                                 requirements=requirements)
            module.fail_json(msg="the wheelhouse directory %s does not exist" % path)
        if module.params["plan"]:
            module.exit_json(changed=False, send=to_send(path, manifest))
        placed, problems, fetched = [], [], None
        if module.params["mirror"]:
            fetched = _from_mirror(module, path, manifest)
            placed = list(fetched)
        elif module.params["staged"]:
            placed, problems = place_staged(path, module.params["staged"], manifest,
                                            check_mode=module.check_mode)
        problems += verify(path, manifest, skip=placed)
        if problems and fetched is not None and not module.check_mode:
            # Wheels kept with the right size but other bytes: fetched again, once.
            again = fetch_from_mirror(path, module.params["mirror"], _named(problems, manifest),
                                      manifest, _opener(module))
            fetched += again
            placed += again
            problems = verify(path, manifest, skip=placed)
    except WheelhouseError as err:
        module.fail_json(msg="%s (mirror %s)" % (err, module.params["mirror"])
                         if module.params["mirror"] and module.params["mirror"] not in str(err)
                         else str(err))
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
    if fetched is not None:
        result.update(fetched=fetched,
                      fetched_bytes=sum(manifest["wheels"][name]["size"] for name in fetched))
    if module._diff:
        result["diff"] = diff
    module.exit_json(**result)


def _opener(module):
    """open_url for the mirror, its failures turned into WheelhouseError naming the URL."""
    def opener(url):
        try:
            return open_url(url, timeout=module.params["mirror_timeout"], follow_redirects="safe")
        # HTTP errors, DNS, TLS and timeouts alike: each becomes the message that names the URL.
        except Exception as err:  # pylint: disable=broad-except
            raise WheelhouseError("%s could not be fetched: %s. Check gpulab_wheel_mirror_url and "
                                  "that the mirror holds a copy of the controller cache "
                                  "(playbooks/wheel_mirror.yml)" % (url, err))
    return opener


def _from_mirror(module, path, manifest):
    """The wheels the host lacks or holds with another size, fetched (in check mode: named)."""
    wanted = to_send(path, manifest)
    if module.check_mode:
        return wanted
    return fetch_from_mirror(path, module.params["mirror"], wanted, manifest, _opener(module))


def _named(problems, manifest):
    """The wheels of ``manifest`` that verify's ``problems`` name."""
    return sorted(set(problem.split(" ", 1)[0] for problem in problems) & set(manifest["wheels"]))


def _read(path):
    """The file's text, or '' when it does not exist (yet)."""
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return ""


if __name__ == "__main__":
    main()
