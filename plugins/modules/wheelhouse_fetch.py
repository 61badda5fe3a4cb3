#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: wheelhouse_fetch
short_description: Download wheels once into a cache on the controller, with a sha256 manifest
version_added: 0.2.0
description:
  - Runs on the controller (C(delegate_to=localhost), C(run_once=true)). Downloads O(requirements)
    and all their dependencies as wheels for the target's Python, glibc and machine with
    C(pip download --only-binary=:all:) into C(<cache_dir>/<key>), where the key is a hash of what
    was asked (requirements, index, Python, glibc, machine, variant).
  - Records every wheel's sha256 and size in C(manifest.json) and writes C(requirements.txt)
    (every wheel pinned with C(--hash=sha256:...)) for C(pip install --require-hashes).
  - A key whose manifest exists is a cache hit (nothing downloaded, C(changed=false)) once every
    wheel there has the size and sha256 its manifest records. A missing, truncated or altered
    wheel is fetched again once (only that wheel; C(changed=true)); when that does not give the
    recorded wheel, the module fails naming the entry's path on the controller. So no damaged
    wheel is ever copied to a host.
  - With O(src), uses the wheels an administrator supplied in that directory instead (hashing
    them on every run; nothing is written there). A wheel there that is no complete zip file
    (truncated) fails the module, naming its path.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
options:
  cache_dir:
    description: Where wheelhouses are kept, one directory per key.
    type: path
    required: true
  requirements:
    description: What to download, as pip requirements (C(torch==2.14.1)).
    type: list
    elements: str
    default: []
  index_url:
    description: Package index (pip C(--index-url)); empty for pip's own configuration.
    type: str
    default: ""
  variant:
    description: Label of the build (C(cu130), C(pypi)), part of the key.
    type: str
    default: ""
  python_version:
    description: The target's Python as major.minor.
    type: str
    required: true
  glibc:
    description: The target's glibc version (C(2.36)); every manylinux tag up to it is accepted.
    type: str
    required: true
  arch:
    description: The target's machine (C(x86_64), C(aarch64)).
    type: str
    required: true
  extra_args:
    description: More C(pip download) arguments.
    type: list
    elements: str
    default: []
  python:
    description: Python whose pip downloads (default the one running this module).
    type: path
  src:
    description: A directory of wheels supplied by the administrator; no download.
    type: path
  retries:
    description:
      - How many times a failed C(pip download) is tried again, waiting 2, 4, 8, ... seconds
        (at most 30) in between; wheels already downloaded are kept between tries. The final
        error names the index.
    type: int
    default: 3
attributes:
  check_mode:
    support: none
  diff_mode:
    support: none
  platform:
    platforms: posix
"""

EXAMPLES = r"""
- name: Fetch torch for Debian 12 hosts once
  gpulab.pytorch_stack.wheelhouse_fetch:
    cache_dir: ~/.cache/gpulab/wheelhouse
    requirements: [torch==2.14.1, torchvision==0.29.1]
    python_version: "3.11"
    glibc: "2.36"
    arch: x86_64
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
path:
  description: Directory holding the wheels.
  returned: always
  type: str
key:
  description: Cache key (C(admin) for O(src)).
  returned: always
  type: str
manifest:
  description: Every wheel's file name with its C(sha256), C(size) and pinned C(requirement), under C(wheels).
  returned: always
  type: dict
manifest_sha1:
  description: sha1 of C(manifest.json) as the hosts keep it (compare with M(ansible.builtin.stat)).
  returned: always
  type: str
size:
  description: Bytes of all wheels.
  returned: always
  type: int
downloaded:
  description: Whether this run downloaded (a new wheelhouse, or damaged wheels again).
  returned: always
  type: bool
damaged:
  description: The O(src) wheels that are no complete zip file.
  returned: failure with O(src)
  type: list
  elements: str
"""

import hashlib
import os
import sys

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import write_if_changed
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._retry import with_retries
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._wheelhouse import (
    WheelhouseError,
    build_manifest,
    cache_key,
    download_argv,
    fetch,
    incomplete_wheels,
    manifest_text,
    total_size,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cache_dir=dict(type="path", required=True),
            requirements=dict(type="list", elements="str", default=[]),
            index_url=dict(type="str", default=""),
            variant=dict(type="str", default=""),
            python_version=dict(type="str", required=True),
            glibc=dict(type="str", required=True),
            arch=dict(type="str", required=True),
            extra_args=dict(type="list", elements="str", default=[]),
            python=dict(type="path"),
            src=dict(type="path"),
            retries=dict(type="int", default=3),
        ),
        required_one_of=[("requirements", "src")],
        supports_check_mode=False,
    )
    p = module.params
    try:
        if p["src"]:
            path, key, manifest, downloaded = p["src"], "admin", build_manifest(p["src"]), False
            # No recorded sha256 to compare with: a truncated wheel is one that is no complete
            # zip file, refused here before it is copied to any host.
            bad = incomplete_wheels(p["src"], manifest)
            if bad:
                module.fail_json(msg="the wheelhouse %s on the controller (src) has wheels that are no "
                                     "complete zip file (truncated or damaged): %s. Put intact copies "
                                     "there and run again"
                                     % (p["src"], ", ".join(os.path.join(p["src"], n) for n in bad)),
                                 damaged=bad)
        else:
            key = cache_key(p["requirements"], p["index_url"], p["python_version"], p["glibc"],
                            p["arch"], p["variant"])
            argv = download_argv(p["python"] or sys.executable, "DEST", p["requirements"],
                                 p["index_url"], p["python_version"], p["glibc"], p["arch"],
                                 p["extra_args"])

            if p["retries"] < 0:
                module.fail_json(msg="retries must be 0 or more, got %d" % p["retries"])
            index = p["index_url"] or "the index in pip's own configuration (PyPI unless set)"
            # Set when the cached wheelhouse was damaged, so a failed refetch says so.
            note = {"text": ""}

            def on_damaged(problems):
                note["text"] = ("the controller's wheelhouse %s has damaged wheels (%s); fetching "
                                "them again failed. " % (os.path.join(p["cache_dir"], key),
                                                         "; ".join(problems)))

            def download(dest):
                cmd = [dest if arg == "DEST" else arg for arg in argv]

                def attempt():
                    rc, out, err = module.run_command(cmd)
                    return rc == 0, (rc, out, err)
                ok, (rc, out, err), tries = with_retries(attempt, p["retries"])
                if not ok:
                    module.fail_json(msg="%spip download from %s failed %d time(s), the last with rc=%d: %s"
                                     % (note["text"], index, tries, rc, err.strip()[-2000:]),
                                     cmd=cmd, stdout=out, stderr=err, index_url=p["index_url"],
                                     tries=tries)

            if not os.path.isdir(p["cache_dir"]):
                os.makedirs(p["cache_dir"], 0o755)
            path, manifest, downloaded = fetch(p["cache_dir"], key, download, write_if_changed,
                                               on_damaged=on_damaged)
    except WheelhouseError as err:
        module.fail_json(msg=str(err))
    text = manifest_text(manifest)
    module.exit_json(changed=downloaded, path=path, key=key, manifest=manifest,
                     manifest_sha1=hashlib.sha1(text.encode("utf-8")).hexdigest(),
                     size=total_size(manifest), downloaded=downloaded)


if __name__ == "__main__":
    main()
