# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_nvml through the real nvidia-ml-py binding and the NVML test double.

nvidia-ml-py keeps the library it loaded for the life of the process, so each case runs
``_nvml.query`` in a fresh interpreter with the double on LD_LIBRARY_PATH (``nvml_env``).
"""

import itertools
import json
import os
import subprocess
import sys

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _nvml

TESTS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
QUERY = """
import json, sys
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _nvml
{prelude}
print(json.dumps(_nvml.query(sys.argv[1], sys.argv[2])))
"""


@pytest.fixture
def query(nvml_env, make_sysfs, tmp_path):
    """``query(profile, sysfs=None, prelude="", **env)`` -> (report, stderr) from a fresh process."""
    proc = tmp_path / "proc"
    proc.mkdir()
    trees = itertools.count()

    def run(profile, sysfs=None, prelude="", **extra):
        sysfs = sysfs or make_sysfs([], name="sys-%d" % next(trees))
        done = subprocess.run([sys.executable, "-c", QUERY.format(prelude=prelude), sysfs,
                               str(proc)], env=nvml_env(profile, **extra), capture_output=True,
                              text=True, check=True, timeout=60)
        return json.loads(done.stdout), done.stderr
    return run


# state, error code, GPU count, driver, CUDA, NVML version, (name, capability) of GPU 0
EXPECTED = {
    "driver_not_loaded": ("driver_not_loaded", 9, 0, None, None, None, None),
    "driver_library_mismatch": ("driver_library_mismatch", 18, 0, None, None, None, None),
    "no_permission": ("no_permission", 4, 0, None, None, None, None),
    "zero_gpus": ("ok", None, 0, "580.95.05", "13.0", "13.580.95.05", None),
    "h100_x1": ("ok", None, 1, "570.133.20", "12.8", "12.570.133.20",
                ("NVIDIA H100 80GB HBM3", "9.0")),
    "h100_x8": ("ok", None, 8, "580.95.05", "13.0", "13.580.95.05",
                ("NVIDIA H100 80GB HBM3", "9.0")),
    "a100_x8": ("ok", None, 8, "535.261.03", "12.2", "12.535.261.03",
                ("NVIDIA A100-SXM4-80GB", "8.0")),
    "a100_x4": ("ok", None, 4, "550.163.01", "12.4", "12.550.163.01",
                ("NVIDIA A100-SXM4-40GB", "8.0")),
    "b200_x1": ("ok", None, 1, "580.95.05", "13.0", "13.580.95.05", ("NVIDIA B200", "10.0")),
    "mixed": ("ok", None, 2, "580.95.05", "13.0", "13.580.95.05", ("Tesla P4", "6.1")),
    "a100_mig": ("ok", None, 2, "580.95.05", "13.0", "13.580.95.05",
                 ("NVIDIA A100-SXM4-80GB", "8.0")),
    "lost_gpu": ("ok", None, 2, "580.95.05", "13.0", "13.580.95.05",
                 ("NVIDIA H100 80GB HBM3", "9.0")),
}
EXPECTED.update(dict(
    ("hgx_h100_x8_fabric_" + name, ("ok", None, 8, "580.95.05", "13.0", "13.580.95.05",
                                    ("NVIDIA H100 80GB HBM3", "9.0")))
    for name in ("completed", "in_progress", "not_started", "failed")))


def test_every_profile_has_an_expectation():
    profiles = sorted(n[:-8] for n in os.listdir(os.path.join(TESTS, "nvml_double", "profiles")))
    assert profiles == sorted(EXPECTED)


@pytest.mark.parametrize("profile", sorted(EXPECTED))
def test_profile(query, profile, nvml_double):
    state, code, count, driver, cuda, nvml_version, first = EXPECTED[profile]
    report = query(profile)[0]
    nvml = report["nvml"]
    assert nvml["state"] == state
    assert nvml["error_code"] == code
    assert (nvml["driver_version"], nvml["cuda_driver_version"], nvml["nvml_version"]) == (
        driver, cuda, nvml_version)
    assert len(report["gpus"]) == count
    assert report["warnings"] == ([] if profile != "lost_gpu" else
                                  ["GPU 1: GPU is lost (NVML error 15)"])
    assert nvml["library_path"] == os.path.join(nvml_double, "libnvidia-ml.so.1")
    assert nvml["library_version"] is None     # the double's file name carries no version
    assert nvml["python_binding"] == _nvml.binding_version()
    if first:
        assert (report["gpus"][0]["name"], report["gpus"][0]["compute_capability"]) == first
    for index, gpu in enumerate(report["gpus"]):
        assert list(gpu) == list(_nvml.GPU_FIELDS)
        assert gpu["index"] == index
        assert gpu["usable"] is False or gpu["uuid"].startswith("GPU-")
    if state == "ok":
        assert nvml["message"].startswith("NVML %s, driver %s (CUDA %s), %d GPU"
                                          % (nvml_version, driver, cuda, count))


def test_a100_fields(query):
    report = query("a100_x8")[0]
    gpu = report["gpus"][3]
    assert gpu == {
        "index": 3, "name": "NVIDIA A100-SXM4-80GB", "uuid": gpu["uuid"],
        "pci_bus_id": "0000:4e:00.0", "pci_device_id": "0x20b2", "compute_capability": "8.0",
        "memory_total_mib": 81920, "memory_used_mib": 1, "temperature_c": 31,
        "power_draw_w": 55.0, "utilization_gpu_pct": 0, "persistence_mode": True,
        "mig_mode": False, "mig_mode_pending": False, "ecc_errors_uncorrected": 0,
        "usable": True, "error": None, "mig_devices": [],
        "fabric_state": "not_supported", "fabric_status": None,
    }
    assert len(set(g["uuid"] for g in report["gpus"])) == 8


@pytest.mark.parametrize("profile, expected", [
    ("hgx_h100_x8_fabric_completed", [("completed", 0)] * 8),
    ("hgx_h100_x8_fabric_in_progress", [("in_progress", None)] * 8),
    ("hgx_h100_x8_fabric_not_started", [("not_started", None)] * 8),
    ("hgx_h100_x8_fabric_failed", [("completed", 999 if i in (2, 5) else 0) for i in range(8)]),
    ("h100_x1", [("not_supported", None)]),
])
def test_fabric_state_per_gpu(query, profile, expected):
    report = query(profile)[0]
    assert [(g["fabric_state"], g["fabric_status"]) for g in report["gpus"]] == expected
    assert report["warnings"] == []


def test_fabric_error_is_a_warning_and_no_state(query, tmp_path):
    profile = tmp_path / "fabric_error.profile"
    profile.write_text("driver_version=580.95.05\n[device]\nname=NVIDIA H100 80GB HBM3\n"
                       "uuid=GPU-1\nfabric_state=!4\n")
    report = query(str(profile))[0]
    assert (report["gpus"][0]["fabric_state"], report["gpus"][0]["fabric_status"]) == (None, None)
    assert report["warnings"] == ["GPU 0 fabric info: Insufficient Permissions (NVML error 4)"]


def test_mig_instances_are_listed_with_their_uuids(query):
    gpus = query("a100_mig")[0]["gpus"]
    assert (gpus[0]["mig_mode"], gpus[1]["mig_mode"]) == (True, False)
    assert gpus[0]["mig_devices"] == [
        {"index": 0, "uuid": "MIG-4b7a1c2e-93d1-5d6e-9f00-1a2b3c4d5e6f",
         "name": "NVIDIA A100-SXM4-80GB MIG 3g.40gb", "memory_total_mib": 40192},
        {"index": 1, "uuid": "MIG-5c8b2d3f-a4e2-6e7f-a011-2b3c4d5e6f70",
         "name": "NVIDIA A100-SXM4-80GB MIG 2g.20gb", "memory_total_mib": 19968},
        {"index": 2, "uuid": "MIG-6d9c3e40-b5f3-7f80-b122-3c4d5e6f7081",
         "name": "NVIDIA A100-SXM4-80GB MIG 1g.10gb", "memory_total_mib": 9856},
    ]
    assert gpus[1]["mig_devices"] == []


def test_a_lost_gpu_is_not_usable_and_says_why(query):
    gpus = query("lost_gpu")[0]["gpus"]
    assert (gpus[0]["usable"], gpus[0]["error"]) == (True, None)
    assert (gpus[1]["usable"], gpus[1]["error"]) == (False, "GPU is lost (NVML error 15)")
    assert gpus[1]["uuid"] is None and gpus[1]["name"] is None


def test_mixed_unsupported_fields_are_null(query):
    report = query("mixed")[0]
    p4, b200 = report["gpus"]
    assert (p4["temperature_c"], p4["ecc_errors_uncorrected"], p4["mig_mode"],
            p4["mig_mode_pending"]) == (None, None, None, None)
    assert (p4["power_draw_w"], p4["persistence_mode"], p4["memory_total_mib"]) == (24.0, False, 7680)
    assert (b200["temperature_c"], b200["ecc_errors_uncorrected"], b200["mig_mode"]) == (32, 0, False)
    assert report["warnings"] == []      # "not supported" is not worth a warning


def test_memory_v1_fallback_counts_reserved_as_used(query):
    report = query("a100_x8", prelude="_nvml.pynvml.nvmlMemory_v2 = None")[0]
    assert report["gpus"][0]["memory_total_mib"] == 81920
    assert report["gpus"][0]["memory_used_mib"] == 590      # 1 used + 589 reserved


def test_field_errors_become_null_and_warnings(query, tmp_path):
    profile = tmp_path / "denied.profile"
    profile.write_text("driver_version=550.54.15\ncuda_driver_version=12040\nnvml_version=!13\n"
                       "[device]\nname=NVIDIA L4\nuuid=GPU-1\ncompute_capability=8.9\n"
                       "temperature_c=!4\npower_draw_mw=!15\n")
    report = query(str(profile))[0]
    gpu = report["gpus"][0]
    assert report["nvml"]["state"] == "ok"
    assert report["nvml"]["nvml_version"] is None
    assert (gpu["name"], gpu["temperature_c"], gpu["power_draw_w"], gpu["pci_bus_id"]) == (
        "NVIDIA L4", None, None, None)
    assert report["warnings"] == [
        "NVML version: Function Not Found (NVML error 13)",
        "GPU 0 temperature: Insufficient Permissions (NVML error 4)",
        "GPU 0 power: GPU is lost (NVML error 15)",
    ]


def test_malformed_profile_is_an_error_state(query, tmp_path):
    profile = tmp_path / "typo.profile"
    profile.write_text("driver_version=550.54.15\n[device]\ntemprature_c=30\n")
    report, stderr = query(str(profile))
    assert report["nvml"]["state"] == "error"
    assert report["nvml"]["error_code"] == 999
    assert report["nvml"]["message"] == "NVML failed: Unknown Error (NVML error 999)."
    assert "typo.profile:3: unknown key: temprature_c" in stderr


def test_missing_profile_is_an_error_state(query, tmp_path):
    report, stderr = query(str(tmp_path / "absent.profile"))
    assert report["nvml"]["state"] == "error"
    assert "cannot read the profile" in stderr


def test_no_library(query):
    report = query(None)[0]
    nvml = report["nvml"]
    assert (nvml["state"], nvml["error_code"], nvml["library_path"]) == (
        "library_not_found", 12, None)
    assert nvml["message"].startswith("libnvidia-ml.so.1 could not be loaded (NVML Shared Library "
                                      "Not Found (NVML error 12))")
    assert "Install the NVIDIA driver" in nvml["message"]
    assert report["gpus"] == []


def test_mismatch_names_the_loaded_kernel_module(query, make_sysfs):
    sysfs = make_sysfs([], kernel_module_version="535.216.03")
    report = query("driver_library_mismatch", sysfs=sysfs)[0]
    nvml = report["nvml"]
    assert nvml["kernel_module_version"] == "535.216.03"
    assert "loaded nvidia kernel module, version 535.216.03" in nvml["message"]
    assert "reboot the host" in nvml["message"]
    assert "rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia; modprobe nvidia" in nvml["message"]


@pytest.mark.parametrize("profile, remedy", [
    ("driver_not_loaded", "Load it (modprobe nvidia) or reboot"),
    ("no_permission", "Run the task with become: true"),
])
def test_failure_messages_say_what_to_do(query, profile, remedy):
    report = query(profile)[0]
    assert remedy in report["nvml"]["message"]


def test_missing_binding(query, tmp_path, collections_root):
    shadow = tmp_path / "shadow"
    shadow.mkdir()
    (shadow / "pynvml.py").write_text("raise ImportError('No module named pynvml (test)')\n")
    report = query("a100_x8", PYTHONPATH="%s:%s" % (shadow, collections_root))[0]
    nvml = report["nvml"]
    assert (nvml["state"], nvml["python_binding"], nvml["error_code"]) == (
        "library_not_found", None, None)
    assert "The Python binding for NVML is missing: 'import pynvml' failed" in nvml["message"]
    assert "ImportError: No module named pynvml (test)" in nvml["message"]
    assert "pip install nvidia-ml-py" in nvml["message"]


def _pinned(name, path=os.path.join(TESTS, "..", "requirements-dev.txt")):
    with open(path) as handle:
        for line in handle:
            requirement = line.split("#", 1)[0].strip()
            if requirement.startswith(name + "=="):
                return requirement.split("==", 1)[1]
    raise AssertionError("%s is not pinned in %s" % (name, path))


def test_ansible_test_units_requirements_match_the_pins():
    """ansible-test units installs tests/unit/requirements.txt into its own venv; keep it in step
    with requirements-dev.txt, the project's list of pins."""
    assert _pinned("nvidia-ml-py", os.path.join(TESTS, "unit", "requirements.txt")) == _pinned(
        "nvidia-ml-py")


# ---- helpers without NVML -----------------------------------------------------------------------

@pytest.mark.parametrize("sysfs_version, nvrm, expected", [
    ("535.216.03", None, {"version": "535.216.03", "flavor": None}),
    (None, "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  560.35.03  Release Build  "
           "(dvs-builder@U16-I3-B03-4-3)  Fri Aug 16 21:42:42 UTC 2024\nGCC version: gcc 12\n",
     {"version": "560.35.03", "flavor": "open"}),
    (None, "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.216.03  Wed Oct  2 2024\n",
     {"version": "535.216.03", "flavor": "proprietary"}),
    ("550.54.15", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.14  Thu Feb 22\n",
     {"version": "550.54.15", "flavor": "proprietary"}),
    (None, None, {"version": None, "flavor": None}),
])
def test_kernel_module_info(tmp_path, sysfs_version, nvrm, expected):
    if sysfs_version:
        (tmp_path / "sys" / "module" / "nvidia").mkdir(parents=True)
        (tmp_path / "sys" / "module" / "nvidia" / "version").write_text(sysfs_version + "\n")
    if nvrm:
        (tmp_path / "proc" / "driver" / "nvidia").mkdir(parents=True)
        (tmp_path / "proc" / "driver" / "nvidia" / "version").write_text(nvrm)
    assert _nvml.kernel_module_info(str(tmp_path / "sys"), str(tmp_path / "proc")) == expected


def test_loaded_library_path_and_version(tmp_path):
    real = tmp_path / "libnvidia-ml.so.535.261.03"
    real.write_text("")
    link = tmp_path / "libnvidia-ml.so.1"
    link.symlink_to(real.name)
    maps = tmp_path / "maps"
    maps.write_text("7f00-7f01 r--p 00000000 08:01 1 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
                    "7f02-7f03 r-xp 00001000 08:01 2 %s\n" % link)
    assert _nvml.loaded_library_path(str(maps)) == str(link)
    assert _nvml.library_version(str(link)) == "535.261.03"
    assert _nvml.library_version(str(tmp_path / "libnvidia-ml.so.1.missing")) is None
    assert _nvml.library_version(None) is None
    assert _nvml.loaded_library_path(str(tmp_path / "no-maps")) is None


@pytest.mark.parametrize("value, expected", [
    ("00000000:3B:00.0", "0000:3b:00.0"), (b"00000000:07:00.0", "0000:07:00.0"),
    ("00010000:01:00.0", "10000:01:00.0"), ("0000:3b:00.0", "0000:3b:00.0"), ("", None),
])
def test_bus_id(value, expected):
    assert _nvml._bus_id(value) == expected


def test_import_never_fails_and_states_are_the_documented_ones():
    assert _nvml.HAS_PYNVML is True   # the test venv has nvidia-ml-py
    assert _nvml.binding_version() == _pinned("nvidia-ml-py")
    assert _nvml.STATES == ("ok", "library_not_found", "driver_not_loaded",
                            "driver_library_mismatch", "no_permission", "error")
