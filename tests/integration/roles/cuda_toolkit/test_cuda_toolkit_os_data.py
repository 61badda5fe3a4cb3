# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cuda_toolkit role's OS data and repository rendering, per supported system, without a
network: what a cuda_repo run would configure and install on each. Not checked against
NVIDIA's servers (unreachable from CI)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from role_render import ROOT, render  # noqa: E402

MSG = {
    "repo_url": "{{ __cuda_toolkit_repo_url }}",
    "key_url": "{{ __cuda_toolkit_repo_url }}/{{ __cuda_toolkit_repo_key }}",
    "packages": "{{ __cuda_toolkit_version_list | map('replace', '.', '-')"
                " | map('regex_replace', '^', __cuda_toolkit_repo_package_prefix) | list"
                " + __cuda_toolkit_host_compiler_packages }}",
    "homes": "{{ __cuda_toolkit_homes }}",
    "distro": "{{ __cuda_toolkit_distro_version }}",
    "sources": "{{ lookup('ansible.builtin.template', '%s') }}"
               % os.path.join(ROOT, "roles", "cuda_toolkit", "templates", "cuda.sources.j2"),
}


def _render(system, extra=None):
    variables = {"cuda_toolkit_versions": ["12.8", "13.0"], "cuda_toolkit_default": "13.0"}
    variables.update(extra or {})
    return render("cuda_toolkit", system, MSG, variables)


@pytest.mark.parametrize("system, repo, key", [
    ("debian12", "debian12/x86_64", "3bf863cc.pub"),
    ("ubuntu2204", "ubuntu2204/x86_64", "3bf863cc.pub"),
    ("ubuntu2404", "ubuntu2404/sbsa", "3bf863cc.pub"),
    ("rhel8", "rhel8/x86_64", "D42D0685.pub"),
    ("rhel9", "rhel9/x86_64", "D42D0685.pub"),
])
def test_the_repository_and_its_key_per_system(system, repo, key):
    msg = _render(system)
    base = "https://developer.download.nvidia.com/compute/cuda/repos/"
    assert msg["repo_url"] == base + repo
    assert msg["key_url"] == base + repo + "/" + key


@pytest.mark.parametrize("system, compiler", [("debian12", "g++"), ("ubuntu2204", "g++"),
                                              ("ubuntu2404", "g++"), ("rhel8", "gcc-c++"),
                                              ("rhel9", "gcc-c++")])
def test_the_toolkit_packages_per_system(system, compiler):
    msg = _render(system)
    assert msg["packages"] == ["cuda-toolkit-12-8", "cuda-toolkit-13-0", compiler]
    assert msg["homes"] == {"12.8": "/usr/local/cuda-12.8", "13.0": "/usr/local/cuda-13.0"}


@pytest.mark.parametrize("system", ["debian12", "ubuntu2204", "ubuntu2404"])
def test_apt_trusts_the_repository_only_through_its_key(system):
    msg = _render(system)
    lines = msg["sources"].splitlines()
    assert "Signed-By: /usr/share/keyrings/nvidia-cuda.asc" in lines
    assert "URIs: %s/" % msg["repo_url"] in lines
    assert "Suites: /" in lines
    assert not any(line.lower().startswith("trusted") for line in lines)


@pytest.mark.parametrize("system, version", [("debian12", "11.8"), ("ubuntu2204", "11.5"),
                                             ("ubuntu2404", "12.0"), ("rhel9", "")])
def test_the_distribution_toolkit_version_per_system(system, version):
    assert _render(system)["distro"] == version


def test_pip_toolkits_go_into_versioned_prefixes():
    msg = _render("debian12", {"cuda_toolkit_source": "pip", "cuda_toolkit_pip_prefix": "/srv/cuda"})
    assert msg["homes"] == {"12.8": "/srv/cuda/12.8", "13.0": "/srv/cuda/13.0"}
