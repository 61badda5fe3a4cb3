# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side wheel cache of the wheel sets (cuda_toolkit, cudnn), run for real on the controller:
a damaged entry is fetched again once from PyPI, a good one is left alone, and one that cannot
be fetched right fails naming its path on the controller (roles/internal/tasks/wheels_cache.yml)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
# A small real wheel (58 KB), pinned as nvidia_driver pins it (roles/nvidia_driver/defaults).
WHEEL = "nvidia_ml_py-13.615.71-py3-none-any.whl"
SHA256 = "959bf4adf6fe1308e4bd739e722236b0d1ec8392e2cefad33ff70c311380b9b6"
PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Fill the wheel cache
      ansible.builtin.include_role:
        name: gpulab.pytorch_stack.internal
        tasks_from: wheels_cache
"""


def run_cache(tmp_path, sha256=SHA256):
    play = tmp_path / "play.yml"
    play.write_text(PLAY)
    extra = {"gpulab_controller_cache": str(tmp_path / "cache"),
             "internal_wheels_files": [{"file": WHEEL, "sha256": sha256}],
             "__internal_wheels_req": "nvidia_ml_py==13.615.71 --hash=sha256:%s\n" % sha256}
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
            "-e", json.dumps(extra), "-e", "ansible_python_interpreter=" + sys.executable,
            str(play)]
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)


def sha256_of(path):
    with open(str(path), "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()


def test_a_truncated_cached_wheel_is_fetched_again_then_left_alone(tmp_path):
    cached = tmp_path / "cache" / "wheels" / WHEEL
    first = run_cache(tmp_path)                       # empty cache: fetched
    assert first.returncode == 0, first.stdout[-3000:]
    assert sha256_of(cached) == SHA256
    data = cached.read_bytes()
    cached.write_bytes(data[:len(data) // 3])         # an interrupted or damaged download
    again = run_cache(tmp_path)
    assert again.returncode == 0, again.stdout[-3000:]
    assert "TASK [gpulab.pytorch_stack.internal : Remove the cached wheels whose sha256 is " \
           "not the pinned one]" in again.stdout
    assert sha256_of(cached) == SHA256
    quiet = run_cache(tmp_path)                       # a good entry: nothing fetched
    assert quiet.returncode == 0, quiet.stdout[-3000:]
    assert "changed=0" in quiet.stdout, quiet.stdout[-2000:]


def test_an_entry_that_cannot_be_fetched_right_names_its_controller_path(tmp_path):
    wrong = "0" * 64
    run = run_cache(tmp_path, sha256=wrong)
    assert run.returncode != 0
    text = " ".join(run.stdout.split())
    assert "the controller cache has no good copy of %s at %s" % (
        WHEEL, tmp_path / "cache" / "wheels" / WHEEL) in text, text[-3000:]
    assert "pinned %s" % wrong in text
