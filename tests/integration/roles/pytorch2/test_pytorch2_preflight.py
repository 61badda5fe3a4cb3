# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pytorch2 role's version and variant checks, run for real on the controller in check mode
(no GPU, no network): impossible combinations fail before anything changes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "conda_env"))
from role_run import ROOT, run_role  # noqa: E402


def run_preflight(tmp_path, extra):
    base = {"pytorch2_env_prefix": os.path.dirname(os.path.dirname(sys.executable))}
    base.update(extra)
    return run_role(tmp_path, "pytorch2", base, "pytorch2_preflight")


@pytest.mark.parametrize("extra, message", [
    ({"pytorch2_torchvision_version": "0.28.0"},
     "torchvision 0.28.0 does not belong to torch 2.14.1 (it belongs to torch 2.13.0); the "
     "torchvision releases for torch 2.14.1: 0.29.1, 0.29.2. Set pytorch2_torchvision_version "
     "to 0.29.2"),
    ({"pytorch2_torchaudio_version": "2.13.0"},
     "torch 2.14.1 has no torchaudio release, so torchaudio 2.13.0 does not belong to it; set "
     "pytorch2_torchaudio_version to \"\" to leave it out, or use torch 2.11.0 with torchaudio "
     "2.11.1"),
    ({"pytorch2_cuda": "cu118"}, "PyTorch publishes no cu118 build of torch 2.14.1"),
    ({"pytorch2_cuda": "cu999"}, "publishes no 'cu999' wheel index"),
    ({"pytorch2_torch_version": "2.99.0", "pytorch2_torchvision_version": "0.114.0"},
     "pytorch2_torch_version '2.99.0' is not released"),
    ({"pytorch2_wheelhouse": "maybe"}, "pytorch2_wheelhouse"),
    # Debian 12's own toolkit (11.8) as the default with PyPI's CUDA 13.0 build of 2.14.1:
    # every extension build of that torch would fail
    ({"pytorch2_cuda": "pypi", "cuda_toolkit_default": "11.8"},
     "torch 2.14.1's pypi build is for CUDA 13.0, the toolkit is CUDA 11.8: "
     "torch.utils.cpp_extension refuses to build CUDA extensions with a toolkit of another CUDA "
     "major than the torch build's (pytorch2_torch_version 2.14.1, pytorch2_cuda pypi, "
     "cuda_toolkit_default 11.8). Set cuda_toolkit_default"),
])
def test_impossible_combinations_fail_in_preflight(tmp_path, extra, message):
    run = run_preflight(tmp_path, extra)
    assert run.returncode != 0
    assert message in run.stdout, run.stdout[-3000:]


def test_matching_versions_pass_preflight(tmp_path):
    run = run_preflight(tmp_path, {"pytorch2_cuda": "cu126"})
    assert run.returncode == 0, run.stdout[-3000:]


# The seeds' pin and the bad inputs of issue #19. The controller's Python (this test's venv,
# 3.11) is the "environment" here, as it is the Python conda_env makes on Debian 12.

@pytest.mark.parametrize("version, message", [
    ("2.0", "pytorch2_torch_version '2.0' is not a release: give the full version; releases of "
            "2.0: 2.0.0, 2.0.1 (newest 2.0.1)"),
    ("1.13.1", "pytorch2_torch_version '1.13.1' is not PyTorch 2: this collection installs torch "
               "2.0.0 to 2.15.0; the oldest it knows is 2.0.0"),
    ("2.16.0", "pytorch2_torch_version '2.16.0' is not released (as far as "
               "plugins/module_utils/_compat_data.py knows): the newest torch release it knows "
               "is 2.15.0"),
    ("2.5.2", "pytorch2_torch_version '2.5.2' is not a torch release on PyPI: the releases "
              "around it are 2.5.1 and 2.6.0"),
])
def test_a_version_that_is_no_release_names_the_releases_around_it(tmp_path, version, message):
    run = run_preflight(tmp_path, {"pytorch2_torch_version": version,
                                   "pytorch2_torchvision_version": ""})
    assert run.returncode != 0
    assert message in run.stdout, run.stdout[-3000:]


# torch 2.0.1's Linux wheels are for Python 3.8-3.11: on such a controller (the 2.19 leg's 3.11)
# the seeds' pin passes; on the 2.21 leg's Python 3.13 the same pin is refused, naming it.
CONTROLLER_PYTHON = "%d.%d" % sys.version_info[:2]
SEEDS_PIN_INSTALLS = sys.version_info[:2] <= (3, 11)


def assert_seeds_pin_outcome(run):
    if SEEDS_PIN_INSTALLS:
        assert run.returncode == 0, run.stdout[-3000:]
    else:
        assert run.returncode != 0
        assert ("torch 2.0.1 does not install on Python %s (its Linux x86_64 wheels are for "
                "Python 3.8, 3.9, 3.10, 3.11)" % CONTROLLER_PYTHON) in " ".join(run.stdout.split())


def test_the_seeds_pin_passes_and_says_its_compiler_cannot_run_on_this_python(tmp_path):
    run = run_preflight(tmp_path, {"pytorch2_torch_version": "2.0.1",
                                   "pytorch2_torchvision_version": "0.15.2",
                                   "pytorch2_cuda": "pypi"})
    assert_seeds_pin_outcome(run)
    if SEEDS_PIN_INSTALLS and sys.version_info[:2] == (3, 11):
        assert ("torch.compile of torch 2.0.1 does not run on Python 3.11 (TorchDynamo of 2.0 "
                "supports Python 3.8, 3.9, 3.10): compile checks are skipped; use Python 3.10 or "
                "torch 2.1.0 or newer for them") in " ".join(run.stdout.split())  # debug wraps lines


def test_the_seeds_pin_with_the_cu117_index_passes(tmp_path):
    run = run_preflight(tmp_path, {"pytorch2_torch_version": "2.0.1",
                                   "pytorch2_torchvision_version": "0.15.2",
                                   "pytorch2_torchaudio_version": "2.0.2",
                                   "pytorch2_cuda": "cu117",
                                   # Debian 12's toolkit: CUDA 11 as the build, so extensions build
                                   "cuda_toolkit_default": "11.8"})
    assert_seeds_pin_outcome(run)


@pytest.mark.parametrize("extra, message", [
    # a trio that does not belong together: torchaudio 2.0.1 pins torch 2.0.0
    ({"pytorch2_torch_version": "2.0.1", "pytorch2_torchvision_version": "0.15.2",
      "pytorch2_torchaudio_version": "2.0.1"},
     "torchaudio 2.0.1 does not belong to torch 2.0.1 (it belongs to torch 2.0.0); the torchaudio "
     "releases for torch 2.0.1: 2.0.2. Set pytorch2_torchaudio_version to 2.0.2"),
    # the newest release has no torchvision yet
    ({"pytorch2_torch_version": "2.15.0", "pytorch2_torchvision_version": "0.29.2"},
     "torch 2.15.0 has no torchvision release, so torchvision 0.29.2 does not belong to it (it "
     "belongs to torch 2.14.0, 2.14.1); set pytorch2_torchvision_version to \"\" to leave it "
     "out, or use torch 2.14.1 with torchvision 0.29.2"),
])
def test_companions_of_another_release_are_refused_with_the_fix(tmp_path, extra, message):
    run = run_preflight(tmp_path, dict(extra, pytorch2_cuda="pypi"))
    assert run.returncode != 0
    assert message in run.stdout, run.stdout[-3000:]


def test_a_python_the_release_does_not_install_on_is_refused(tmp_path):
    # conda_env would create Python 3.12 (the environment does not exist yet)
    run = run_preflight(tmp_path, {"pytorch2_torch_version": "2.0.1",
                                   "pytorch2_torchvision_version": "0.15.2",
                                   "pytorch2_cuda": "pypi",
                                   "pytorch2_env_prefix": str(tmp_path / "no-env"),
                                   "conda_env_python_version": "3.12"})
    assert run.returncode != 0
    assert ("torch 2.0.1 does not install on Python 3.12 (its Linux x86_64 wheels are for Python "
            "3.8, 3.9, 3.10, 3.11): set conda_env_python_version to one of those (for a venv: "
            "conda_env_venv_python must be that Python), or use torch 2.2.0, the nearest release "
            "that installs on Python 3.12") in run.stdout, run.stdout[-3000:]


SITE_PLAN = """
- hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: The cross-layer check of playbooks/site.yml's first play
      ansible.builtin.include_role:
        name: gpulab.pytorch_stack.pytorch2
        tasks_from: plan.yml
"""


def run_site_plan(tmp_path, extra):
    play = tmp_path / "plan.yml"
    play.write_text(SITE_PLAN)
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(ROOT, ".collections"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0")
    argv = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
            "--check", "-e", json.dumps(extra), "-e", "ansible_python_interpreter=" + sys.executable,
            str(play)]
    return subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          check=False)


def test_site_refuses_a_python_the_release_has_no_wheels_for_before_any_layer_runs(tmp_path):
    # playbooks/site.yml's first play: no environment exists, conda_env_python_version decides
    run = run_site_plan(tmp_path, {"pytorch2_torch_version": "2.15.0",
                                   "pytorch2_torchvision_version": "",
                                   "conda_env_python_version": "3.10"})
    assert run.returncode != 0
    assert ("torch 2.15.0 does not install on Python 3.10 (its Linux x86_64 wheels are for "
            "Python 3.11, 3.12, 3.13, 3.14, 3.15)") in run.stdout, run.stdout[-3000:]


def test_site_passes_the_seeds_pin_and_says_its_compiler_cannot_run(tmp_path):
    run = run_site_plan(tmp_path, {"pytorch2_torch_version": "2.0.1",
                                   "pytorch2_torchvision_version": "0.15.2",
                                   "pytorch2_cuda": "pypi", "conda_env_python_version": "3.11"})
    assert run.returncode == 0, run.stdout[-3000:]
    assert "torch.compile of torch 2.0.1 does not run on Python 3.11" in " ".join(run.stdout.split())
