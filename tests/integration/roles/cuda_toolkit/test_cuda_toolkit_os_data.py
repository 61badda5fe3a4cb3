# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cuda_toolkit role's OS data per supported system, without a network: what a cuda_repo run
would install on each. NVIDIA's repository itself is set up by the nvidia_driver role's
cuda_repo.yml for all roles (tests/integration/roles/nvidia_driver). Not checked against NVIDIA's
servers (unreachable from CI)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from role_render import render  # noqa: E402

MSG = {
    "packages": "{{ __cuda_toolkit_version_list | map('replace', '.', '-')"
                " | map('regex_replace', '^', __cuda_toolkit_repo_package_prefix) | list"
                " + __cuda_toolkit_host_compiler_packages }}",
    "homes": "{{ __cuda_toolkit_homes }}",
    "distro": "{{ __cuda_toolkit_distro_version }}",
}


def _render(system, extra=None):
    variables = {"cuda_toolkit_versions": ["12.8", "13.0"], "cuda_toolkit_default": "13.0"}
    variables.update(extra or {})
    return render("cuda_toolkit", system, MSG, variables)


@pytest.mark.parametrize("system, compiler", [("debian12", "g++"), ("ubuntu2204", "g++"),
                                              ("ubuntu2404", "g++"), ("rhel8", "gcc-c++"),
                                              ("rhel9", "gcc-c++")])
def test_the_toolkit_packages_per_system(system, compiler):
    msg = _render(system)
    assert msg["packages"] == ["cuda-toolkit-12-8", "cuda-toolkit-13-0", compiler]
    assert msg["homes"] == {"12.8": "/usr/local/cuda-12.8", "13.0": "/usr/local/cuda-13.0"}


@pytest.mark.parametrize("system, version", [("debian12", "11.8"), ("ubuntu2204", "11.5"),
                                             ("ubuntu2404", "12.0"), ("rhel9", "")])
def test_the_distribution_toolkit_version_per_system(system, version):
    assert _render(system)["distro"] == version


def test_pip_toolkits_go_into_versioned_prefixes():
    msg = _render("debian12", {"cuda_toolkit_source": "pip", "cuda_toolkit_pip_prefix": "/srv/cuda"})
    assert msg["homes"] == {"12.8": "/srv/cuda/12.8", "13.0": "/srv/cuda/13.0"}
