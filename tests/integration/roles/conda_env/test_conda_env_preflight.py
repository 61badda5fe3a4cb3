# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The conda_env role's argument validation and preflight, run for real on the controller in
check mode (no network, nothing changed): bad input must fail with a message saying what to do."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from role_run import run_role  # noqa: E402

PYTHON = "%d.%d" % sys.version_info[:2]


@pytest.mark.parametrize("extra, message", [
    ({"conda_env_manager": "mamba"}, "conda_env_manager must be one of: conda, venv"),
    ({"conda_env_installer_fetch": "ftp"}, "conda_env_installer_fetch must be one of"),
    ({"conda_env_manager": "conda"}, "conda_env_installer_url (an https:// URL"),
    ({"conda_env_manager": "conda",
      "conda_env_installer_url": "https://example.invalid/Miniforge3-Linux-x86_64.sh",
      "conda_env_installer_sha256": "abc"}, "64 lowercase hex digits"),
    ({"conda_env_manager": "conda",
      "conda_env_installer_url": "https://example.invalid/Miniforge3-Linux-x86_64.sh",
      "conda_env_installer_sha256": "a" * 64, "conda_env_channels": ["conda-forge", "defaults"]},
     "set conda_env_allow_defaults: true"),
    # as `-e conda_env_allow_defaults=false` gives it: the string, read as false
    ({"conda_env_manager": "conda", "conda_env_allow_defaults": "false",
      "conda_env_installer_url": "https://example.invalid/Miniforge3-Linux-x86_64.sh",
      "conda_env_installer_sha256": "a" * 64, "conda_env_channels": ["conda-forge", "defaults"]},
     "set conda_env_allow_defaults: true"),
    ({"conda_env_manager": "conda",
      "conda_env_installer_url": "https://example.invalid/Miniforge3-Linux-x86_64.sh",
      "conda_env_installer_sha256": "a" * 64, "conda_env_channel_alias": "mirror.lab"},
     "is not an http(s):// or file:// URL"),
    ({"conda_env_manager": "venv", "conda_env_python_version": "3.5",
      "conda_env_venv_python": sys.executable},
     "but Python 3.5 was asked for: set conda_env_python_version to %s" % PYTHON),
    ({"conda_env_manager": "venv", "conda_env_python_version": "3.11.2"}, "is not like '3.11'"),
    ({"conda_env_manager": "venv", "conda_env_name": "../etc",
      "conda_env_python_version": PYTHON, "conda_env_venv_python": sys.executable},
     "environment name '../etc'"),
    ({"conda_env_manager": "venv", "conda_env_group_members": ["gpulab-no-such-user"],
      "conda_env_python_version": PYTHON, "conda_env_venv_python": sys.executable},
     "names gpulab-no-such-user, which do not exist"),
])
def test_bad_settings_fail_in_preflight_with_the_fix(tmp_path, extra, message):
    run = run_role(tmp_path, "conda_env", extra, "conda_env_preflight")
    assert run.returncode != 0
    assert message in run.stdout, run.stdout[-3000:]


def test_good_conda_settings_pass_preflight_without_network(tmp_path):
    run = run_role(tmp_path, "conda_env", {
        "conda_env_manager": "conda", "conda_env_prefix": str(tmp_path / "miniforge3"),
        "conda_env_installer_url": "https://example.invalid/Miniforge3-Linux-x86_64.sh",
        "conda_env_installer_sha256": "a" * 64,
        "conda_env_custom_channels": {"conda-forge": "https://mirror.lab.example/conda"}},
        "conda_env_preflight")
    assert run.returncode == 0, run.stdout[-3000:]
    assert not (tmp_path / "miniforge3").exists()
