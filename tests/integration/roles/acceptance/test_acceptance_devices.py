# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which devices the acceptance role trains on, from gpu_facts over the NVML test double: the
role's preflight run for real on the controller in check mode (no GPU, nothing changed)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
PLAY = """
- hosts: localhost
  connection: local
  gather_facts: false
  roles:
    - role: gpulab.pytorch_stack.acceptance
  post_tasks:
    - name: Show the plan
      ansible.builtin.debug:
        msg: "{{ {'visible': __acceptance_visible, 'devices': __acceptance_devices,
                  'unusable': __acceptance_unusable_reports,
                  'activate': __acceptance_activate_cmd} }}"
      tags: [acceptance_preflight]
"""


@pytest.fixture
def plan(tmp_path, nvml_env):
    def run(profile, **extra):
        play = tmp_path / "play.yml"
        play.write_text(PLAY)
        env = dict(nvml_env(profile), ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
                   ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"),
                   ANSIBLE_NOCOLOR="1", ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
                   ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
                   ANSIBLE_CACHE_PLUGIN="ansible.builtin.memory")
        variables = {"acceptance_python": sys.executable, "acceptance_activate": "",
                     "ansible_python_interpreter": sys.executable}
        variables.update(extra)
        argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i",
                "localhost,", "--check", "--tags", "acceptance_preflight", "-e",
                json.dumps(variables), str(play)]
        done = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True,
                              timeout=300, check=False)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        tasks = json.loads(done.stdout)["plays"][0]["tasks"]
        return [t for t in tasks if t["task"]["name"] == "Show the plan"][0]["hosts"][
            "localhost"]["msg"]
    return run


def test_every_gpu_is_trained_by_its_uuid(plan):
    result = plan("a100_x4")
    assert result["devices"] == []
    assert len(result["visible"]) == 4 and all(v.startswith("GPU-") for v in result["visible"])
    assert result["unusable"] == [] and result["activate"] == []


def test_a_mig_gpu_is_trained_once_per_mig_instance(plan):
    result = plan("a100_mig")
    assert result["visible"] == [
        "MIG-4b7a1c2e-93d1-5d6e-9f00-1a2b3c4d5e6f", "MIG-5c8b2d3f-a4e2-6e7f-a011-2b3c4d5e6f70",
        "MIG-6d9c3e40-b5f3-7f80-b122-3c4d5e6f7081", "GPU-8f6e7a0c-1b2d-4e3f-9a8b-7c6d5e4f3a2b"]


def test_a_lost_gpu_gets_a_failed_report(plan):
    result = plan("lost_gpu")
    assert result["visible"] == ["GPU-b1f0c3a2-5d4e-4f6a-8b7c-9d0e1f2a3b4c"]
    assert result["unusable"] == [{
        "device": "nvml:1", "device_kind": "GPU", "passed": False, "pci_bus_id": None,
        "reasons": ["NVML counts GPU 1 but cannot open it: GPU is lost (NVML error 15)"]}]


def test_one_device_asked_for_runs_in_the_environment_as_it_is(plan, tmp_path):
    activate = tmp_path / "pytorch2.sh"
    activate.write_text("export CUDA_VISIBLE_DEVICES=1\n")
    result = plan("a100_x4", acceptance_device="cuda:1", acceptance_activate=str(activate))
    assert (result["visible"], result["devices"]) == ([], ["cuda:1"])
    assert result["activate"] == ["/bin/sh", "-c", '. "$1" && shift && exec "$@"', "sh",
                                  str(activate)]
