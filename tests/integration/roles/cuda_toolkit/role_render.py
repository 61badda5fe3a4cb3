# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render a role's OS data for a given system through a real ansible-playbook run on the
controller (no host, no network): what the role would configure and install there."""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
PLAYBOOK = """
- hosts: localhost
  gather_facts: false
  vars:
    ansible_facts: {facts}
  tasks:
    - name: Load the role's defaults and variables
      ansible.builtin.include_vars:
        file: "{{{{ item }}}}"
      loop: ["{root}/roles/{role}/defaults/main.yml", "{root}/roles/{role}/vars/main.yml"]
    - name: Load the role's OS data with the loader every role uses
      ansible.builtin.include_role:
        name: gpulab.pytorch_stack.internal
        tasks_from: os_vars
      vars:
        internal_os_vars_dir: "{root}/roles/{role}/vars"
    - name: Print the values asked for
      ansible.builtin.debug:
        msg: {msg}
"""
SYSTEMS = {
    "debian12": {"distribution": "Debian", "distribution_major_version": "12",
                 "distribution_version": "12.8", "os_family": "Debian", "architecture": "x86_64"},
    "ubuntu2204": {"distribution": "Ubuntu", "distribution_major_version": "22",
                   "distribution_version": "22.04", "os_family": "Debian",
                   "architecture": "x86_64"},
    "ubuntu2404": {"distribution": "Ubuntu", "distribution_major_version": "24",
                   "distribution_version": "24.04", "os_family": "Debian",
                   "architecture": "aarch64"},
    "rhel8": {"distribution": "RedHat", "distribution_major_version": "8",
              "distribution_version": "8.10", "os_family": "RedHat", "architecture": "x86_64"},
    "rhel9": {"distribution": "Rocky", "distribution_major_version": "9",
              "distribution_version": "9.5", "os_family": "RedHat", "architecture": "x86_64"},
}


def render(role, system, msg, variables):
    """Load the role's OS data (the internal role's os_vars) on localhost with the facts of ``system`` and return ``msg``
    (a dict of Jinja expressions) rendered."""
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory", ANSIBLE_NOCOLOR="1")
    path = os.path.join(ROOT, ".cache", "test_%s_os_data_%s.yml" % (role, system))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(PLAYBOOK.format(
            root=ROOT, role=role, facts=json.dumps(SYSTEMS[system]), msg=json.dumps(msg)))
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"),
               "-i", "localhost,", "-c", "local", path, "-e", json.dumps(variables)]
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=False,
                         cwd=ROOT)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # The json callback prints one document; other callbacks (profile_tasks) may print around it.
    result = json.loads(re.search(r"(?ms)^\{$.*^\}$", run.stdout).group(0))
    return result["plays"][0]["tasks"][-1]["hosts"]["localhost"]["msg"]
