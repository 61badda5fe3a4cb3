# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run one role of this checkout on the controller in check mode, limited to some tags, as the
role tests of conda_env and pytorch2 do (no network, nothing changed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: gpulab.pytorch_stack.%s
"""


def run_role(tmp_path, role, extra, tags):
    play = tmp_path / "play.yml"
    play.write_text(PLAY % role)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory")
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
            "--check", "--tags", tags, "-e", json.dumps(extra),
            "-e", "ansible_python_interpreter=" + sys.executable, str(play)]
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)
