# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pytorch2 role's version and variant checks, run for real on the controller in check mode
(no GPU, no network): impossible combinations fail before anything changes."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "conda_env"))
from role_run import run_role  # noqa: E402


def run_preflight(tmp_path, extra):
    base = {"pytorch2_env_prefix": os.path.dirname(os.path.dirname(sys.executable))}
    base.update(extra)
    return run_role(tmp_path, "pytorch2", base, "pytorch2_preflight")


@pytest.mark.parametrize("extra, message", [
    ({"pytorch2_torchvision_version": "0.28.1"},
     "torchvision 0.28.1 does not belong to torch 2.14.1, which pairs with torchvision 0.29.x"),
    ({"pytorch2_torchaudio_version": "2.13.0"},
     "torchaudio 2.13.0 does not belong to torch 2.14.1"),
    ({"pytorch2_cuda": "cu118"}, "PyTorch publishes no cu118 build of torch 2.14.1"),
    ({"pytorch2_cuda": "cu999"}, "publishes no 'cu999' wheel index"),
    ({"pytorch2_torch_version": "2.99.0", "pytorch2_torchvision_version": "0.114.0"},
     "torch 2.99 is not in the compatibility data"),
    ({"pytorch2_wheelhouse": "maybe"}, "pytorch2_wheelhouse"),
])
def test_impossible_combinations_fail_in_preflight(tmp_path, extra, message):
    run = run_preflight(tmp_path, extra)
    assert run.returncode != 0
    assert message in run.stdout, run.stdout[-3000:]


def test_matching_versions_pass_preflight(tmp_path):
    run = run_preflight(tmp_path, {"pytorch2_cuda": "cu126"})
    assert run.returncode == 0, run.stdout[-3000:]
