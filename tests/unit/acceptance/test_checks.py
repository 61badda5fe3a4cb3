# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The verdicts of the acceptance checks "distributed" and "extension" (no torch needed: the
GPU-side outcomes, NCCL missing or a bus bandwidth below the minimum, cannot happen here)."""

import importlib.util
import struct
from pathlib import Path

import pytest

FILES = Path(__file__).resolve().parents[3] / "roles" / "acceptance" / "files"


def load(name):
    spec = importlib.util.spec_from_file_location(name, str(FILES / (name + ".py")))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dist = load("gpulab_check_distributed")
ext = load("gpulab_check_extension")


def gpu_result(peak=180.0, nproc=8, **extra):
    sweep = [{"bytes": b, "busbw_gbps": peak * b / dist.GIB, "correct": True}
             for b in dist.sizes(dist.GIB)]
    result = {"backend": "nccl", "nproc": nproc, "device_kind": "GPU", "max_bytes": dist.GIB,
              "sweep": sweep, "peak_busbw_gbps": peak, "peak_bytes": dist.GIB,
              "ddp_step": {"same_weights": True}}
    result.update(extra)
    return result


def test_busbw_is_algbw_times_2_n_minus_1_over_n():
    algbw, busbw = dist.bus_bandwidth(dist.GIB, 0.01, 8)
    assert algbw == pytest.approx(107.374, rel=1e-4)
    assert busbw == pytest.approx(algbw * 2 * 7 / 8)
    assert dist.bus_bandwidth(1e9, 1.0, 2) == (1.0, 1.0)   # 2 ranks: busbw == algbw
    assert dist.bus_bandwidth(1e9, 1.0, 1)[1] == 0.0        # 1 rank moves nothing


def test_the_sweep_reaches_1_gib_on_gpus_and_starts_at_1_kib():
    sizes = dist.sizes(dist.GIB)
    assert sizes[0] == 1024 and sizes[-1] == dist.GIB and sizes == sorted(sizes)
    assert dist.plan(8, True)["max_bytes"] >= dist.GIB


def test_gpus_use_nccl_over_every_visible_gpu_and_no_gpu_means_gloo_x2_labelled_cpu():
    assert dist.plan(4, True) == {"backend": "nccl", "nproc": 4, "device_kind": "GPU",
                                  "max_bytes": dist.GIB}
    cpu = dist.plan(0, False)
    assert (cpu["backend"], cpu["nproc"], cpu["device_kind"]) == ("gloo", 2, "CPU")


def test_nccl_missing_on_a_gpu_host_fails_with_the_fix():
    how = dist.plan(2, False)
    reasons = dist.judge(how)
    assert len(reasons) == 1
    assert "NCCL unavailable" in reasons[0] and "2 GPU(s)" in reasons[0]
    assert "CUDA build of torch" in reasons[0]
    assert dist.summary(how).startswith("not run: ")


def test_busbw_below_the_minimum_fails_naming_the_setting():
    reasons = dist.judge(gpu_result(peak=40.0), min_busbw=100)
    assert len(reasons) == 1
    assert "40.0 GB/s" in reasons[0] and "acceptance_min_busbw_gbps 100.0" in reasons[0]
    assert "over 8 GPUs" in reasons[0]
    assert dist.judge(gpu_result(peak=180.0), min_busbw=100) == []
    assert dist.judge(gpu_result(peak=40.0)) == []   # no minimum set


def test_the_minimum_does_not_apply_to_the_cpu_fallback():
    cpu = gpu_result(peak=0.7, nproc=2, backend="gloo", device_kind="CPU",
                     max_bytes=dist.CPU_MAX_BYTES)
    cpu["sweep"] = [r for r in cpu["sweep"] if r["bytes"] <= dist.CPU_MAX_BYTES]
    cpu["sweep"][-1]["bytes"] = dist.CPU_MAX_BYTES
    assert dist.judge(cpu, min_busbw=100) == []


def test_a_wrong_sum_a_short_sweep_and_diverged_ddp_weights_fail():
    wrong = gpu_result()
    wrong["sweep"][3]["correct"] = False
    assert dist.judge(wrong) == ["an all-reduce returned a wrong sum"]
    short = gpu_result()
    short["sweep"] = short["sweep"][:-1]
    assert "the sweep stopped at" in dist.judge(short)[0]
    assert dist.judge(gpu_result(ddp_step={"same_weights": False})) == [
        "after one DDP step the weights differ between ranks"]
    assert dist.judge(gpu_result(ddp_step=None)) == ["the DDP step did not run"]


def test_the_summary_names_backend_processes_kind_and_peak():
    text = dist.summary(gpu_result(peak=181.234))
    assert text == "nccl x8 (GPU): peak busbw 181.23 GB/s at 1 GiB, DDP step ok"


@pytest.mark.parametrize("value, targets", [
    ("8.0;9.0", ["sm_80", "sm_90"]), ("8.6 9.0+PTX", ["sm_86", "sm_90"]),
    ("10.0;12.0", ["sm_100", "sm_120"]), ("9.0a", ["sm_90a"]), ("", [])])
def test_arch_list_to_sass_targets(value, targets):
    assert ext.arch_targets(value) == targets


def test_missing_build_tools_each_say_the_fix():
    reasons = ext.missing_tools("/opt/miniforge3/envs/pytorch2/bin/python", None, None, None,
                                {"cuda_home": "/opt/cuda/13.0", "arch_list": "",
                                 "files": {"bin/nvcc": True, "lib64/libcudart.so": False}})
    assert reasons[0].startswith("Python.h not found for /opt/miniforge3/envs/pytorch2/bin/python:"
                                 " install python3-dev")
    assert "install g++" in reasons[1]
    assert "ninja" in reasons[2]
    assert reasons[3].startswith("/opt/cuda/13.0/lib64/libcudart.so is missing")
    assert reasons[4].startswith("TORCH_CUDA_ARCH_LIST is not set")
    assert ext.missing_tools("/p", "/i/Python.h", "/usr/bin/c++", "/p/ninja",
                             {"cuda_home": "/c", "arch_list": "9.0", "files": {"bin/nvcc": True}}) == []
    assert "CUDA_HOME is not set" in ext.missing_tools("/p", "h", "c", "n", {"arch_list": "9.0"})[0]


def _fatbin(archs):
    body = b""
    for kind, arch in archs:
        header = struct.pack("<HHIQIIII", kind, 0x101, 64, 8, 0, 0, 0x10008, arch)
        body += header + b"\0" * (64 - len(header)) + b"\0" * 8
    return struct.pack("<IHHQ", ext.FATBIN_MAGIC, 1, 16, len(body)) + body


def _elf(name, payload):
    names = b"\0" + name + b"\0.shstrtab\0"
    shoff = 64 + len(payload) + len(names)
    headers = [b"\0" * 64,
               struct.pack("<IIQQQQIIQQ", 1, 1, 0, 0, 64, len(payload), 0, 0, 8, 0),
               struct.pack("<IIQQQQIIQQ", len(name) + 2, 3, 0, 0, 64 + len(payload), len(names),
                           0, 0, 1, 0)]
    ident = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    header = ident + struct.pack("<HHIQQQIHHHHHH", 3, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64, 3, 2)
    return header + payload + names + b"".join(headers)


def test_sass_architectures_are_read_from_the_built_library():
    blob = _elf(b".nv_fatbin", _fatbin([(2, 90), (2, 80), (1, 90)]))
    assert ext.fatbin_architectures(blob) == ["sm_80", "sm_90"]   # PTX (kind 1) is not SASS


def test_a_library_without_device_code_is_refused():
    with pytest.raises(ValueError, match="no .nv_fatbin"):
        ext.fatbin_architectures(_elf(b".text", b"\0" * 16))
    with pytest.raises(ValueError, match="not a 64-bit"):
        ext.fatbin_architectures(b"MZ" + b"\0" * 100)


def test_the_extension_summary_says_what_was_built_and_where():
    report = {"device_kind": "CPU", "cpp_op": {"ran": True},
              "cuda_kernel": {"built": True, "ran": False, "sass": ["sm_80", "sm_90"]}}
    assert ext.summary(report) == "C++ op built+ran, CUDA kernel built for sm_80+sm_90 (CPU)"
    # a kernel that failed before its architectures were known says no empty "for"
    failed = {"device_kind": "CPU", "cpp_op": {"ran": True},
              "cuda_kernel": {"built": False, "cuda_home": "/usr/lib/nvidia-cuda-toolkit"}}
    assert ext.summary(failed) == "C++ op built+ran, CUDA kernel failed (CPU)"


def test_build_files_are_looked_for_under_cuda_home_then_where_compiler_and_linker_look():
    # NVIDIA's layout: everything under CUDA_HOME, looked at first
    assert ext.build_file_candidates("/opt/cuda/13.0", "bin/nvcc", "x86_64-linux-gnu") == \
        ["/opt/cuda/13.0/bin/nvcc"]
    # Debian's nvidia-cuda-toolkit: only bin/ under CUDA_HOME; the headers in /usr/include and
    # libcudart.so in the multiarch directory, which the builds find without -I or -L
    home = "/usr/lib/nvidia-cuda-toolkit"
    assert ext.build_file_candidates(home, "include/cuda_runtime.h", "x86_64-linux-gnu") == \
        [home + "/include/cuda_runtime.h", "/usr/include/cuda_runtime.h"]
    assert ext.build_file_candidates(home, "lib64/libcudart.so", "x86_64-linux-gnu") == [
        home + "/lib64/libcudart.so", home + "/lib/libcudart.so",
        "/usr/lib/x86_64-linux-gnu/libcudart.so", "/usr/lib64/libcudart.so",
        "/usr/lib/libcudart.so"]
    # an interpreter without a multiarch name (RHEL's) skips that directory
    assert "/usr/lib//libcudart.so" not in ext.build_file_candidates(home, "lib64/libcudart.so", "")
