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
    visible_entries,
)

# torch.cuda.get_arch_list() of PyPI's torch 2.14.1+cu130, read 2026-12-01 (no PTX).
CU130 = ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120"]
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
    ("13.0", CU130, None),           # no compute_120 in the real wheel: nothing to JIT
    ("13.0", CU130 + ["compute_120"], "ptx"),
    # Arch-specific PTX runs on that capability only; family-specific PTX within its major.
    ("9.0", ["compute_90a"], "ptx"),
    ("10.0", ["compute_90a"], None),
    ("12.0", ["compute_100a"], None),
    ("10.3", ["compute_100a"], None),
    ("10.3", ["compute_100f"], "ptx"),
    ("10.0", ["compute_100f"], "ptx"),
    ("12.0", ["compute_100f"], None),
    ("11.0", ["compute_103f"], None),
    ("12.0", ["compute_90", "compute_100f"], "ptx"),   # the plain PTX does it
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


@pytest.mark.parametrize("visible, count, expected", [
    (None, 8, None),                         # unset: every device
    ("", 8, []),                             # empty: none (not "all")
    ("0,2,-1,1", 8, ["0", "2"]),             # the list ends at the first invalid entry
    ("1, 3", 8, ["1", "3"]),
    ("0,9,1", 8, ["0"]),                     # an index the host does not have is invalid
    ("abc,0", 8, []),
    ("GPU-3f5a29b6-3ac5-ac89-cee1-f8c6b5393581,1", 8,
     ["GPU-3f5a29b6-3ac5-ac89-cee1-f8c6b5393581", "1"]),
    ("MIG-4b7a1c2e-0000-5d6e-9f00-1a2b3c4d5e6f", 8, ["MIG-4b7a1c2e-0000-5d6e-9f00-1a2b3c4d5e6f"]),
    ("MIG-GPU-3f5a29b6-3ac5-ac89-cee1-f8c6b5393581/1/0", 8,
     ["MIG-GPU-3f5a29b6-3ac5-ac89-cee1-f8c6b5393581/1/0"]),
])
def test_visible_entries_follow_cudas_rules(visible, count, expected):
    assert visible_entries(visible, count) == expected


@pytest.mark.parametrize("visible, seen, ok", [
    ("0,2,-1,1", 2, True), ("0,2,-1,1", 4, False), ("0,2", 2, True),
])
def test_the_expected_count_follows_cudas_rules(visible, seen, ok):
    check = evaluate(report(env={"CUDA_VISIBLE_DEVICES": visible}, device_count=seen,
                            devices=report()["devices"] * seen, cuda_available=seen > 0),
                     {"state": "ok", "count": 8, "driver_version": "580.65.06"}, 8)
    assert check["ok"] is ok, check["problems"]


def test_an_empty_visible_devices_is_named_when_torch_sees_no_gpu():
    check = evaluate(report(env={"CUDA_VISIBLE_DEVICES": ""}, device_count=0, devices=[],
                            cuda_available=False),
                     {"state": "ok", "count": 8, "driver_version": "580.65.06"}, 8)
    assert not check["ok"]
    assert "CUDA_VISIBLE_DEVICES='' leaves no valid device" in check["problems"][0]


def _a100(index, mig):
    return {"index": index, "uuid": "GPU-%d" % index, "mig_mode": mig, "usable": True,
            "compute_capability": "8.0"}


def test_mig_gpus_show_one_instance_and_are_not_a_wrong_count():
    # 8 A100 with MIG on: a CUDA process sees one MIG instance, not 8 GPUs.
    gpu = {"state": "ok", "count": 8, "driver_version": "580.65.06",
           "devices": [_a100(i, True) for i in range(8)]}
    assert evaluate(report(device_count=1), gpu, 8)["ok"]
    assert not evaluate(report(device_count=2, devices=report()["devices"] * 2), gpu, 8)["ok"]
    # Two whole GPUs and two with MIG: 2 or 3 devices.
    gpu["devices"] = [_a100(0, False), _a100(1, False), _a100(2, True), _a100(3, True)]
    gpu["count"] = 4
    assert evaluate(report(device_count=3, devices=report()["devices"] * 3), gpu, 4)["ok"]


def test_a_lost_gpu_is_not_expected_in_torchs_count():
    gpu = {"state": "ok", "count": 2, "driver_version": "580.65.06",
           "devices": [_a100(0, False), dict(_a100(1, False), usable=False)]}
    assert evaluate(report(device_count=1), gpu, 2)["ok"]


def test_a_device_the_verify_script_could_not_query_is_a_problem():
    check = evaluate(report(device_errors={"0": "RuntimeError: CUDA error: out of memory"}),
                     H100, 1)
    assert not check["ok"]
    assert "CUDA device 0 could not be queried: RuntimeError: CUDA error: out of memory" in \
        check["problems"]


def test_a_cudnn_that_failed_to_load_names_the_error():
    check = evaluate(report(cudnn=None, cudnn_error="RuntimeError: libcudnn.so.9: cannot open"),
                     H100, 1)
    assert "torch.backends.cudnn.version() is failing with RuntimeError: libcudnn.so.9" in \
        check["problems"][0]


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
