# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a one-play playbook on localhost the way a user runs it, and read its JSON results."""

import json
import os
import subprocess
import sys

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture
def localhost_play(ansible_bin, collections_root, tmp_path):
    """``localhost_play(tasks_yaml, variables, check=False, diff=False)`` -> {task name: localhost's result}
    from a fresh ansible-playbook (this checkout's collection, no project ansible.cfg)."""
    config = tmp_path / "ansible.cfg"
    config.write_text("[defaults]\ncollections_path = %s\ninterpreter_python = %s\n"
                      "retry_files_enabled = false\nlocal_tmp = %s\n"
                      % (collections_root, sys.executable, tmp_path / "tmp"))

    def run(tasks, variables=None, check=False, diff=False):
        playbook = tmp_path / "play.yml"
        playbook.write_text("- name: Play\n  hosts: localhost\n  connection: local\n"
                            "  gather_facts: false\n  tasks:\n" + tasks)
        extra = tmp_path / "vars.json"
        extra.write_text(json.dumps(variables or {}))
        env = dict(os.environ, ANSIBLE_CONFIG=str(config), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
        argv = [ansible_bin("ansible-playbook"), "-i", "localhost,", str(playbook),
                "-e", "@%s" % extra] + (["--check"] if check else []) + (["--diff"] if diff else [])
        done = subprocess.run(argv, env=env, capture_output=True, text=True, cwd=REPO,
                              timeout=300, check=False)
        assert done.stdout.startswith("{"), done.stdout + done.stderr
        tasks = json.loads(done.stdout)["plays"][0]["tasks"]
        return {t["task"]["name"]: t["hosts"]["localhost"] for t in tasks}
    return run
