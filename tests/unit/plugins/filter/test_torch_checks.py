# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""torch_plan and torch_verdict as the pytorch2 role calls them (the role's runs through
Ansible: molecule pytorch2, pytorch2_releases, hostile): refusals come back as the verdict (ok false, the reason in problems), never as a raised error,
so the role's assert shows them as its message. The decisions: test__torch_check.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.filter.torch_checks import FilterModule

FILTERS = FilterModule().filters()
CPU_REPORT = {"python": "3.13.5", "torch": "2.14.1+cpu", "torchvision": None, "torchaudio": None,
              "torch_cuda": None, "cuda_available": False, "cuda_error": None, "device_count": 0,
              "devices": [], "arch_list": [], "cudnn": None, "env": {}}


def test_a_release_and_its_companions_pass_and_the_compiler_is_judged_for_the_python():
    plan = FILTERS["torch_plan"]("2.0.1", "pypi", {}, "0.15.2", "", "3.11")
    assert plan["ok"] and plan["variant"] == "cu117" and plan["compile_supported"] is False
    assert "numpy<2" in plan["requirements"]


@pytest.mark.parametrize("version, torchvision, words", [
    ("2.99.0", None, "pytorch2_torch_version '2.99.0' is not released"),  # raised inside
    ("2.14.1", "0.28.1", "torchvision 0.28.1 does not belong to torch 2.14.1"),
])
def test_a_refusal_is_the_verdict_not_an_error(version, torchvision, words):
    plan = FILTERS["torch_plan"](version, "pypi", {}, torchvision)
    assert plan["ok"] is False and words in " ".join(plan["problems"])


def test_a_version_written_as_a_number_is_read_as_text_and_refused_by_name():
    plan = FILTERS["torch_plan"](2.8, "pypi")
    assert plan["problems"] == ["pytorch2_torch_version '2.8' is not a release: give the full "
                                "version; releases of 2.8: 2.8.0 (newest 2.8.0)"]


def test_a_cpu_only_host_passes_and_a_report_that_is_not_one_is_a_problem():
    verdict = FILTERS["torch_verdict"](CPU_REPORT, {}, "0")
    assert verdict["ok"] and verdict["summary"].startswith("CPU-only host: torch 2.14.1+cpu")
    broken = FILTERS["torch_verdict"]("not json")
    assert broken["ok"] is False and "not a JSON object" in broken["problems"][0]
