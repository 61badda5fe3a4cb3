# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cudnn role's package choice and paths per supported system, without a network. The
cuda_repo package names were not checked against NVIDIA's servers (unreachable from CI)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cuda_toolkit"))
from role_render import render  # noqa: E402

MSG = {"packages": "{{ __cudnn_repo_packages }}", "header": "{{ __cudnn_header }}",
       "home": "{{ __cudnn_home }}", "cuda_major": "{{ __cudnn_cuda_major }}"}


@pytest.mark.parametrize("system, packages, header", [
    ("debian12", ["libcudnn9-cuda-13=9.28.1.4-1", "libcudnn9-dev-cuda-13=9.28.1.4-1"],
     "/usr/include/x86_64-linux-gnu/cudnn_version_v9.h"),
    ("ubuntu2204", ["libcudnn9-cuda-13=9.28.1.4-1", "libcudnn9-dev-cuda-13=9.28.1.4-1"],
     "/usr/include/x86_64-linux-gnu/cudnn_version_v9.h"),
    ("ubuntu2404", ["libcudnn9-cuda-13=9.28.1.4-1", "libcudnn9-dev-cuda-13=9.28.1.4-1"],
     "/usr/include/aarch64-linux-gnu/cudnn_version_v9.h"),
    ("rhel8", ["libcudnn9-cuda-13-9.28.1.4", "libcudnn9-devel-cuda-13-9.28.1.4"],
     "/usr/include/cudnn_version_v9.h"),
    ("rhel9", ["libcudnn9-cuda-13-9.28.1.4", "libcudnn9-devel-cuda-13-9.28.1.4"],
     "/usr/include/cudnn_version_v9.h"),
])
def test_repository_packages_follow_the_default_toolkit_major(system, packages, header):
    msg = render("cudnn", system, MSG, {"cuda_toolkit_default": "13.2"})
    assert msg["packages"] == packages
    assert msg["header"] == header
    assert msg["cuda_major"] == "13"


@pytest.mark.parametrize("source", ["pip", "tarball"])
def test_pip_and_tarball_installs_go_into_a_versioned_prefix(source):
    variables = {"cudnn_source": source, "cudnn_cuda_major": "12", "cudnn_version": "9.28.0.42"}
    msg = render("cudnn", "debian12", MSG, variables)
    assert msg["home"] == "/opt/cudnn/9.28.0.42-cuda12"
    assert msg["header"] == "/opt/cudnn/9.28.0.42-cuda12/include/cudnn_version.h"
