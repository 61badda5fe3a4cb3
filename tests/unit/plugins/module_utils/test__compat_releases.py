# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every torch 2.x release (TORCH_RELEASES): the data's consistency, and the rules built on it."""

import os
import re

import pytest
import yaml

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat_data as data
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _torch_check
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._compat import CompatError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
V = _compat.parse_version
RELEASES = sorted(data.TORCH_RELEASES, key=V)


# ---- the data -----------------------------------------------------------------------------------

def test_every_release_from_2_0_0_to_2_15_0_as_pypi_lists_them():
    assert RELEASES == [
        "2.0.0", "2.0.1", "2.1.0", "2.1.1", "2.1.2", "2.2.0", "2.2.1", "2.2.2", "2.3.0", "2.3.1",
        "2.4.0", "2.4.1", "2.5.0", "2.5.1", "2.6.0", "2.7.0", "2.7.1", "2.8.0", "2.9.0", "2.9.1",
        "2.10.0", "2.11.0", "2.12.0", "2.12.1", "2.13.0", "2.14.0", "2.14.1", "2.15.0"]
    assert sorted(set(_compat.torch_release(r) for r in RELEASES), key=V) == data.TORCH_VERSIONS


@pytest.mark.parametrize("release", RELEASES)
def test_each_release_row_is_consistent(release):
    row = data.TORCH_RELEASES[release]
    assert set(row) == {"pypi_variant", "python", "torchvision", "torchaudio"}
    series = _compat.torch_release(release)
    # PyPI's default build is one of the variants the release matrix publishes for the release
    assert _compat.torch_variant_published(series, row["pypi_variant"]), row["pypi_variant"]
    assert data.TORCH_VARIANTS[row["pypi_variant"]]["cuda"] in data.CUDA_MIN_DRIVER
    # Python versions: consecutive 3.x minors, oldest first
    minors = [V(py)[1] for py in row["python"]]
    assert [V(py)[0] for py in row["python"]] == [3] * len(minors)
    assert minors == list(range(minors[0], minors[0] + len(minors)))
    # companions: torchvision 0.(m+15).z, torchaudio 2.m.z, sorted, no duplicates
    minor = V(release)[1]
    for version in row["torchvision"]:
        assert V(version)[:2] == (0, minor + 15), version
    for version in row["torchaudio"]:
        assert V(version)[:2] == (2, minor), version
    for package in ("torchvision", "torchaudio"):
        assert row[package] == sorted(set(row[package]), key=V)
    # the compiler's Python limit is known for the series and is above the oldest Python
    below = data.TORCH_COMPILE_PYTHON_BELOW[series]
    assert V(below) > V(row["python"][0])


def test_a_companion_release_belongs_to_one_minor_only():
    for package in ("torchvision", "torchaudio"):
        owners = {}
        for release in RELEASES:
            for version in data.TORCH_RELEASES[release][package]:
                owners.setdefault(version, set()).add(_compat.torch_release(release))
        assert all(len(series) == 1 for series in owners.values()), owners


def test_python_support_only_moves_forward():
    previous = None
    for release in RELEASES:
        pythons = [V(p) for p in data.TORCH_RELEASES[release]["python"]]
        if previous:
            assert pythons[0] >= previous[0] and pythons[-1] >= previous[-1], release
        previous = pythons


def test_the_compile_limits_only_move_forward():
    limits = [V(data.TORCH_COMPILE_PYTHON_BELOW[s]) for s in data.TORCH_VERSIONS]
    assert list(data.TORCH_COMPILE_PYTHON_BELOW) == data.TORCH_VERSIONS
    assert limits == sorted(limits)


def test_numpy_limits_name_known_series():
    assert set(data.TORCH_NUMPY_BELOW) <= set(data.TORCH_VERSIONS)


def test_the_newest_release_is_what_the_requirements_file_asks_for():
    with open(os.path.join(ROOT, "requirements-torch-newest.txt")) as handle:
        pins = [line.strip() for line in handle if line.strip() and not line.startswith("#")]
    assert pins == ["torch==%s" % RELEASES[-1]]


def test_the_role_default_is_the_newest_release_with_its_companions():
    with open(os.path.join(ROOT, "roles", "pytorch2", "defaults", "main.yml")) as handle:
        defaults = yaml.safe_load(handle)
    newest = _compat.newest_release_with_companions(("torchvision",))
    assert newest == "2.14.1"  # 2.15.0 has no torchvision yet
    assert defaults["pytorch2_torch_version"] == newest
    assert defaults["pytorch2_torchvision_version"] in _compat.torch_companions(newest,
                                                                                "torchvision")
    assert _compat.torch_variant_published(newest, defaults["pytorch2_cuda"])


# ---- the answers ----------------------------------------------------------------------------------

@pytest.mark.parametrize("value, message", [
    ("2.0", "pytorch2_torch_version '2.0' is not a release: give the full version; releases of "
            "2.0: 2.0.0, 2.0.1 (newest 2.0.1)"),
    ("2.14", "releases of 2.14: 2.14.0, 2.14.1 (newest 2.14.1)"),
    ("1.13.1", "pytorch2_torch_version '1.13.1' is not PyTorch 2: this collection installs torch "
               "2.0.0 to 2.15.0; the oldest it knows is 2.0.0"),
    ("3.0.0", "is not PyTorch 2"),
    ("2.16.0", "pytorch2_torch_version '2.16.0' is not released (as far as "
               "plugins/module_utils/_compat_data.py knows): the newest torch release it knows is "
               "2.15.0"),
    ("2.16", "is not released"),
    ("2.0.2", "the releases around it are 2.0.1 and 2.1.0"),
    ("2.6.1", "the releases around it are 2.6.0 and 2.7.0"),
    ("latest", "is not a torch release like '2.15.0'"),
    (None, "pytorch2_torch_version is missing"),
])
def test_a_version_that_is_no_release_names_the_releases_around_it(value, message):
    with pytest.raises(CompatError, match=re.escape(message)):
        _compat.torch_known_release(value)


@pytest.mark.parametrize("value, expected", [
    ("2.0.1", "2.0.1"), ("2.14.1+cu130", "2.14.1"), (" 2.15.0 ", "2.15.0"),
])
def test_known_releases(value, expected):
    assert _compat.torch_known_release(value) == expected


@pytest.mark.parametrize("release, variant", [
    ("2.0.1", "cu117"), ("2.1.0", "cu121"), ("2.4.1", "cu121"), ("2.5.0", "cu124"),
    ("2.6.0", "cu124"), ("2.7.1", "cu126"), ("2.8.0", "cu128"), ("2.10.0", "cu128"),
    ("2.11.0", "cu130"), ("2.14.1", "cu130"), ("2.15.0", "cu132"),
])
def test_pypi_default_build(release, variant):
    assert _compat.torch_pypi_variant(release) == variant


@pytest.mark.parametrize("release, python, installs, compiles", [
    ("2.0.1", "3.10", True, True), ("2.0.1", "3.11", True, False), ("2.0.1", "3.12", False, False),
    ("2.1.2", "3.11", True, True), ("2.2.2", "3.12", True, False), ("2.4.0", "3.12", True, True),
    ("2.5.1", "3.13", True, False), ("2.6.0", "3.13", True, True), ("2.9.1", "3.14", True, False),
    ("2.10.0", "3.14", True, True), ("2.14.1", "3.11.4", True, True), ("2.15.0", "3.10", False, False),
    ("2.15.0", "3.15", True, True), ("2.5.0", "3.8", False, False),
])
def test_python_and_compiler_support(release, python, installs, compiles):
    assert _compat.torch_installs_on_python(release, python) is installs
    assert _compat.torch_compile_supported(release, python) is compiles


@pytest.mark.parametrize("release, python, nearest", [
    ("2.0.1", "3.12", "2.2.0"),    # too new a Python: the oldest newer release with wheels for it
    ("2.0.1", "3.14", "2.9.0"),
    ("2.15.0", "3.10", "2.14.1"),  # too old a Python: the newest older release
    ("2.9.0", "3.8", "2.4.1"),
    ("2.0.0", "3.7", None),
])
def test_nearest_release_for_a_python(release, python, nearest):
    assert _compat.nearest_release_for_python(release, python) == nearest


def test_companions():
    assert _compat.torch_companions("2.0.1", "torchvision") == ["0.15.2"]
    assert _compat.torch_companions("2.0.1", "torchaudio") == ["2.0.2"]
    assert _compat.torch_companions("2.14.1", "torchvision") == ["0.29.1", "0.29.2"]
    assert _compat.torch_companions("2.15.0", "torchvision") == []
    assert _compat.torch_for_companion("torchaudio", "2.0.1") == ["2.0.0"]
    assert _compat.newest_release_with_companions(("torchvision", "torchaudio")) == "2.11.0"
    with pytest.raises(CompatError, match="is not torchvision or torchaudio"):
        _compat.torch_companions("2.0.1", "torchtext")


def test_numpy_and_setuptools_pins_for_releases_that_need_them():
    assert _compat.torch_extra_requirements("2.0.1") == ["numpy<2", "setuptools<70"]
    assert _compat.torch_extra_requirements("2.2.2") == ["numpy<2", "setuptools<70"]
    assert _compat.torch_extra_requirements("2.3.0") == ["setuptools<70"]
    assert _compat.torch_extra_requirements("2.4.0") == []


def test_cuda_11_7_driver_minimum():
    assert _compat.cuda_min_driver("11.7") == "515.43.04"
    assert not _compat.driver_supports_cuda("510.108.03", "11.7")


# ---- the preflight plan ---------------------------------------------------------------------------

def test_the_seeds_pin_on_debian_12_python_installs_but_its_compiler_does_not_run():
    plan = _torch_check.preflight("2.0.1", "pypi", {}, torchvision="0.15.2", torchaudio="",
                                  python="3.11")
    assert plan["ok"], plan["problems"]
    assert plan["variant"] == "cu117" and plan["requirements"] == ["numpy<2", "setuptools<70"]
    assert plan["compile_supported"] is False
    assert plan["compile_reason"] == (
        "torch.compile of torch 2.0.1 does not run on Python 3.11 (TorchDynamo of 2.0 supports "
        "Python 3.8, 3.9, 3.10): compile checks are skipped; use Python 3.10 or torch 2.1.0 or "
        "newer for them")
    assert plan["compile_reason"] in plan["notes"]


def test_an_unknown_python_leaves_compile_support_open():
    plan = _torch_check.preflight("2.0.1", "pypi", {}, torchvision="0.15.2", python="")
    assert plan["ok"] and plan["compile_supported"] is None
    assert "not known yet" in plan["compile_reason"]


def test_a_trio_that_does_not_belong_together_names_each_fix():
    plan = _torch_check.preflight("2.0.1", "pypi", {}, torchvision="0.16.0", torchaudio="2.0.1",
                                  python="3.11")
    assert not plan["ok"]
    assert plan["problems"] == [
        "torchvision 0.16.0 does not belong to torch 2.0.1 (it belongs to torch 2.1.0); the "
        "torchvision releases for torch 2.0.1: 0.15.2. Set pytorch2_torchvision_version to 0.15.2",
        "torchaudio 2.0.1 does not belong to torch 2.0.1 (it belongs to torch 2.0.0); the "
        "torchaudio releases for torch 2.0.1: 2.0.2. Set pytorch2_torchaudio_version to 2.0.2"]


def test_a_python_the_release_has_no_wheels_for_names_the_nearest_release():
    plan = _torch_check.preflight("2.15.0", "pypi", {}, torchvision="", python="3.10")
    assert plan["problems"] == [
        "torch 2.15.0 does not install on Python 3.10 (its Linux x86_64 wheels are for Python "
        "3.11, 3.12, 3.13, 3.14, 3.15): set conda_env_python_version to one of those (for a venv: "
        "conda_env_venv_python must be that Python), or use torch 2.14.1, the nearest release "
        "that installs on Python 3.10"]


@pytest.mark.parametrize("torch, variant, driver, fix", [
    # PyPI's 2.14.1 is cu130: 570 runs cu128 at most, and 2.14.1 has cu126
    ("2.14.1", "pypi", "570.86.15", "choose pytorch2_cuda cu126 (the newest build of torch 2.14.1 "
                                    "this driver runs)"),
    # no 2.14.1 build runs on 535: the newest older release with one
    ("2.14.1", "cu130", "535.261.03", "use torch 2.7.1 with pytorch2_cuda cu118, the newest older "
                                      "release with a build this driver runs"),
    ("2.0.1", "pypi", "510.47.03", "no known release has a build it runs"),
])
def test_a_driver_too_old_for_the_build_names_the_variant_that_works(torch, variant, driver, fix):
    plan = _torch_check.preflight(torch, variant, {"state": "ok", "driver_version": driver,
                                                   "compute_capabilities": ["8.0"]})
    assert not plan["ok"]
    assert plan["problems"][0].startswith("driver %s cannot run" % driver)
    assert plan["problems"][0].endswith(fix), plan["problems"]


def test_a_gpu_the_build_has_no_kernels_for_names_the_nearest_release_that_has():
    plan = _torch_check.preflight("2.0.1", "pypi", {"state": "ok", "driver_version": "580.65.06",
                                                    "compute_capabilities": ["12.0"]})
    assert plan["problems"] == [
        "torch 2.0.1 cu117 has no sm_120 kernels and no PTX it can JIT for compute capability "
        "12.0; no published variant of torch 2.0.1 covers it: use torch 2.8.0 with pytorch2_cuda "
        "cu128"]


def test_hopper_runs_torch_2_0_cu118_but_not_its_pypi_build():
    gpu = {"state": "ok", "driver_version": "580.65.06", "compute_capabilities": ["9.0"]}
    assert _torch_check.preflight("2.0.1", "cu118", gpu)["ok"]
    plan = _torch_check.preflight("2.0.1", "pypi", gpu)
    assert plan["problems"] == [
        "torch 2.0.1 cu117 has no sm_90 kernels and no PTX it can JIT for compute capability 9.0; "
        "use pytorch2_cuda cu118 or newer"]


def test_after_the_install_the_report_decides_compile_support():
    report = {"torch": "2.0.1", "torchvision": "0.15.2", "python": "3.11.2", "torch_cuda": "11.7",
              "cuda_available": False}
    check = _torch_check.evaluate(report, {}, 0)
    assert check["ok"] and check["compile_supported"] is False
    assert check["compile_reason"].startswith("torch.compile of torch 2.0.1 does not run")
    check = _torch_check.evaluate(dict(report, torch="2.15.0+cu132", torchvision=None), {}, 0)
    assert check["compile_supported"] is True and check["compile_reason"] == ""
    unknown = _torch_check.evaluate(dict(report, torch="2.99.0"), {}, 0)
    assert unknown["compile_supported"] is None
    assert unknown["compile_reason"].startswith("torch.compile support unknown")


@pytest.mark.parametrize("release, variant, cuda", [
    ("2.0.1", "pypi", "11.7"), ("2.15.0", "pypi", "13.2"), ("2.14.1", "cu126", "12.6"),
    ("2.14.1", "12.6", "12.6"), ("2.14.1", "cpu", "")])
def test_the_cuda_release_of_a_torch_build(release, variant, cuda):
    assert _compat.torch_build_cuda(release, variant) == cuda


def test_a_toolkit_of_another_cuda_major_is_refused_for_extension_builds_only():
    problem = _compat.cuda_extension_problem("2.15.0", "pypi", "11.8")
    assert problem.startswith("torch 2.15.0's pypi build is for CUDA 13.2, the toolkit is CUDA 11.8")
    assert _compat.cuda_extension_problem("2.0.1", "cu117", "11.8.89") == ""  # a minor only warns
    with pytest.raises(_compat.CompatError, match="not released"):
        _compat.cuda_extension_problem("2.16.0", "pypi", "13.0")
