# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._torch_check import (
    TorchCheckError,
    arch_coverage,
    cudnn_text,
    evaluate,
    parse_arch,
    preflight,
    variant_cuda,
    variants_for,
)

CU130 = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120"]
CU126 = ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]


@pytest.mark.parametrize("entry, parsed", [
    ("sm_90", ("sm", (9, 0), "")),
    ("sm_120", ("sm", (12, 0), "")),
    ("compute_120", ("compute", (12, 0), "")),
    ("sm_90a", ("sm", (9, 0), "a")),
    ("sm_100f", ("sm", (10, 0), "f")),
])
def test_parse_arch(entry, parsed):
    assert parse_arch(entry) == parsed


@pytest.mark.parametrize("entry", ["90", "sm90", "gfx90a", ""])
def test_parse_arch_refuses_other_names(entry):
    with pytest.raises(TorchCheckError):
        parse_arch(entry)


@pytest.mark.parametrize("capability, arch_list, expected", [
    ("9.0", CU130, "sass"),
    ("8.9", CU130, "sass"),          # sm_86 cubin runs on 8.9 (same major, lower minor)
    ("12.0", CU130, "sass"),
    ("12.1", CU130, "sass"),         # GB10: sm_120 cubin, same major
    ("10.3", CU130, "sass"),         # B300: sm_100 cubin
    ("7.0", CU130, None),            # V100 on a CUDA 13 build: no sm_70, PTX 12.0 is newer
    ("12.0", CU126, None),           # RTX 5090 on cu126: no sm_120, no PTX at all
    ("10.0", CU126, None),
    ("7.0", CU126, "sass"),
    ("9.0", ["sm_80", "compute_80"], "ptx"),     # Hopper JIT-compiles the 8.0 PTX
    ("8.0", ["sm_90", "compute_90"], None),      # PTX newer than the GPU does not help
    ("9.0", ["sm_90a"], "sass"),
    ("10.0", ["sm_90a"], None),      # arch-specific cubins are not forward compatible
    ("9.0", [], None),
])
def test_arch_coverage(capability, arch_list, expected):
    assert arch_coverage(capability, arch_list) == expected


@pytest.mark.parametrize("value, text", [
    (92400, "9.24.0"), (91002, "9.10.2"), (8907, "8.9.7"), (None, None)])
def test_cudnn_text(value, text):
    assert cudnn_text(value) == text


@pytest.mark.parametrize("variant, cuda", [
    ("cu130", "13.0"), ("cu118", "11.8"), ("cu126", "12.6"), ("cpu", None), ("pypi", None)])
def test_variant_cuda(variant, cuda):
    assert variant_cuda(variant) == cuda


def test_variants_for_blackwell_on_torch_2_14_are_cuda_13():
    found = variants_for("2.14.1", "12.0")
    assert found and "cu126" not in found and found[0] == "cu130"


def report(**changes):
    base = {"python": "3.11.2", "torch": "2.14.1+cu130", "torchvision": "0.29.1+cu130",
            "torchaudio": None, "torch_cuda": "13.0", "cuda_available": True,
            "cuda_error": None, "device_count": 1,
            "devices": [{"index": 0, "name": "NVIDIA H100 80GB HBM3", "capability": "9.0"}],
            "arch_list": CU130, "cudnn": 92400, "env": {"CUDA_VISIBLE_DEVICES": None}}
    base.update(changes)
    return base


H100 = {"state": "ok", "count": 1, "driver_version": "580.65.06"}


def test_a_gpu_host_with_a_matching_build_passes():
    check = evaluate(report(), H100, 1)
    assert check["ok"] and check["gpu_host"]
    assert "cuDNN 9.24.0" in check["summary"]
    assert "NVIDIA H100 80GB HBM3 (sm_90)" in check["summary"]
    assert check["devices"][0]["coverage"] == "sass"


def test_blackwell_on_cu126_fails_with_the_fix():
    check = evaluate(report(torch="2.14.1+cu126", torch_cuda="12.6", arch_list=CU126,
                            devices=[{"index": 0, "name": "NVIDIA GeForce RTX 5090",
                                      "capability": "12.0"}]),
                     {"state": "ok", "count": 1, "driver_version": "580.65.06"}, 1)
    assert not check["ok"]
    assert "has no sm_120 kernels" in check["problems"][0]
    assert "use cu130 or newer" in check["problems"][0]
    assert check["summary"].startswith("FAILED")


def test_cuda_unavailable_blames_an_old_driver_with_its_minimum():
    check = evaluate(report(cuda_available=False, device_count=0, devices=[],
                            cuda_error="The NVIDIA driver on your system is too old"),
                     {"state": "ok", "count": 1, "driver_version": "535.261.03"}, 1)
    assert not check["ok"]
    problem = check["problems"][0]
    assert "driver 535.261.03 is older than CUDA 13.0 needs (580.65.06 or newer)" in problem
    assert "too old" in problem


def test_cpu_build_on_a_gpu_host_fails():
    check = evaluate(report(torch="2.14.1+cpu", torch_cuda=None, cuda_available=False,
                            device_count=0, devices=[], arch_list=[], cudnn=None), H100, 1)
    assert not check["ok"]
    assert "CPU-only build on a GPU host" in check["problems"][0]
    assert "cu130" in check["problems"][0]


def test_missing_cudnn_and_wrong_device_count_are_problems():
    check = evaluate(report(cudnn=None), {"state": "ok", "count": 2,
                                          "driver_version": "580.65.06"}, 2)
    assert len(check["problems"]) == 2
    assert "torch sees 1 GPU(s) but the host has 2" in check["problems"][0]
    assert "cuDNN is not available" in check["problems"][1]


def test_visible_devices_restrict_the_expected_count():
    check = evaluate(report(env={"CUDA_VISIBLE_DEVICES": "1"}),
                     {"state": "ok", "count": 8, "driver_version": "580.65.06"}, 8)
    assert check["ok"], check["problems"]


def test_a_host_without_gpus_reports_cpu_only_and_passes():
    check = evaluate(report(cuda_available=False, device_count=0, devices=[], cudnn=92400),
                     {"state": "library_not_found", "count": 0}, 0)
    assert check["ok"] and not check["gpu_host"]
    assert check["summary"].startswith("CPU-only host: torch 2.14.1+cu130 (CUDA 13.0 build)")


def test_gpus_on_pci_without_a_working_driver_fail():
    check = evaluate(report(cuda_available=False, device_count=0, devices=[]),
                     {"state": "driver_not_loaded", "count": 0,
                      "message": "load the nvidia kernel module"}, 4)
    assert not check["ok"]
    assert "NVML reports state 'driver_not_loaded'" in check["problems"][0]


def test_an_import_error_is_reported():
    check = evaluate({"error": "ModuleNotFoundError: No module named 'torch'"}, {}, 0)
    assert not check["ok"]
    assert "No module named 'torch'" in check["problems"][0]


def test_a_report_must_be_a_mapping():
    with pytest.raises(TorchCheckError):
        evaluate("not json", {}, 0)


def test_preflight_refuses_cu126_for_blackwell_and_names_the_fix():
    check = preflight("2.14.1", "cu126", {"state": "ok", "compute_capabilities": ["9.0", "12.0"]})
    assert not check["ok"]
    assert check["problems"] == [
        "torch 2.14.1 cu126 has no sm_120 kernels and no PTX it can JIT for compute capability "
        "12.0; use pytorch2_cuda cu130 or newer"]


def test_preflight_accepts_cu130_for_hopper_and_blackwell():
    assert preflight("2.14.1", "cu130",
                     {"state": "ok", "compute_capabilities": ["9.0", "12.0"]})["ok"]


def test_preflight_notes_what_it_cannot_know():
    unknown = preflight("2.11.0", "cu128", {"state": "ok", "compute_capabilities": ["9.0"]})
    assert unknown["ok"] and "no architecture list" in unknown["notes"][0]
    assert preflight("2.14.1", "pypi", {"state": "ok", "compute_capabilities": ["9.0"]})["ok"]
    assert preflight("2.14.1", "cu126", {"state": "library_not_found"})["ok"]
