"""Verify the oldest and the newest torch release, each from PyPI's default build through the
controller wheelhouse, with the acceptance epoch on the CPU."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import recap, run_playbook  # noqa: E402

ENV = "/opt/miniforge3/envs/pytorch2"
PYTHON = ENV + "/bin/python"
CONVERGE = "molecule/pytorch2_releases/converge.yml"
# host -> (torch, the CUDA of PyPI's default build, torchvision, numpy major)
EXPECTED = {
    "gpulab-pytorch2_releases-1": ("2.0.1", "11.7", "0.15.2", 1),
    "gpulab-pytorch2_releases-2": ("2.15.0", "13.2", None, None),
}


@pytest.fixture(scope="module")
def expected(host):
    return EXPECTED[host.backend.get_hostname()]


def result(host, name):
    return json.loads(host.file("/var/lib/gpulab/results/%s.json" % name).content_string)


def test_the_release_is_installed_from_the_wheelhouse(host, expected):
    torch, cuda, vision, numpy_major = expected
    pytorch2 = result(host, "pytorch2")
    assert pytorch2["torch"].split("+")[0] == torch, pytorch2  # PyPI's 2.0.1 says 2.0.1+cu117
    assert pytorch2["cuda"] == cuda  # PyPI's default build is a CUDA build
    assert (pytorch2["torchvision"] or "").split("+")[0] == (vision or "")  # 0.15.2+cu117
    assert pytorch2["source"] == "wheelhouse" and pytorch2["variant"] == "pypi"
    assert pytorch2["gpu_host"] is False
    script = ("import json, torch, numpy; print(json.dumps([torch.__version__, numpy.__version__]))"
              if numpy_major else
              "import json, torch; print(json.dumps([torch.__version__, None]))")
    seen = json.loads(host.check_output("%s -c \"%s\"" % (PYTHON, script)))
    assert seen[0].split("+")[0] == torch
    if numpy_major:  # torch 2.0 is built against NumPy 1: the wheel set holds numpy<2
        assert int(seen[1].split(".")[0]) == numpy_major
        out = host.run("%s -W error -c 'import torch, numpy; torch.from_numpy(numpy.ones(2))'"
                       % PYTHON)
        assert out.rc == 0, out.stderr


def test_each_installer_left_a_consistent_environment_with_bytecode(host, expected):
    # -1 installs with pytorch2_installer: pip, -2 with uv (the default): either way pip check
    # is clean and torch's bytecode is compiled; only the uv host has uv, outside the environment.
    check = host.run("%s -m pip check" % PYTHON)
    assert check.rc == 0, check.stdout + check.stderr
    pyc = host.run("ls %s/lib/python3.11/site-packages/torch/__pycache__/" % ENV)
    assert "__init__.cpython-311.pyc" in pyc.stdout.split(), pyc.stdout + pyc.stderr
    uv = host.file("/var/lib/gpulab/uv/0.13.9/bin/uv")
    assert uv.exists == (expected[0] != "2.0.1")


def test_compile_support_is_recorded_for_the_acceptance_layer(host, expected):
    pytorch2 = result(host, "pytorch2")
    if expected[0] == "2.0.1":
        assert pytorch2["compile_supported"] is False
        assert "torch.compile of torch 2.0.1 does not run on Python 3.11" in \
            pytorch2["compile_reason"]
    else:
        assert pytorch2["compile_supported"] is True and pytorch2["compile_reason"] == ""


def test_the_acceptance_epoch_trained_with_this_torch(host, expected):
    last = json.loads(host.file("/var/lib/gpulab/acceptance/last.json").content_string)
    report = last["reports"][0]
    assert report["torch_version"].split("+")[0] == expected[0]
    assert report["device_kind"] == "CPU" and report["data_source"] == "synthetic"
    assert report["train_images"] == 50000
    assert report["passed"] is True, report["reasons"]
    if expected[0] == "2.0.1":  # fused AdamW for CPU parameters arrived in torch 2.4
        assert "fused AdamW is not available for cpu parameters in torch 2.0.1" in \
            report["optimizer"]
    else:
        assert report["optimizer"].endswith("; fused")


def test_the_compile_check_is_skipped_with_its_reason_where_the_compiler_cannot_run(host, expected):
    acceptance = result(host, "acceptance")
    check = acceptance["checks"]["compile"]
    report = json.loads(host.file("/var/lib/gpulab/acceptance/last.json").content_string)["reports"][0]
    assert acceptance["passed"] is True
    if expected[0] == "2.0.1":  # not failed, not silently passed: skipped, and why
        assert check["skipped"] is True and check["passed"] is True
        assert "torch.compile of torch 2.0.1 does not run on Python 3.11" in check["skip_reason"]
        assert check["summary"].startswith("skipped: torch.compile of torch 2.0.1")
        assert "compile SKIPPED" in acceptance["summary"]
        assert report["compile"] is False and report["compile_seconds"] is None  # trained eager
    else:
        assert check.get("skipped") is not True and check["passed"] is True
        assert report["compile"] is True and report["compile_seconds"] > 0


# Playbook runs of their own: no `host` fixture, so each runs once, against the torch 2.0.1 host.
OLD = "gpulab-pytorch2_releases-1"


def test_the_preflight_says_up_front_that_the_compiler_cannot_run():
    run = run_playbook(CONVERGE, "--limit", OLD, "--check", "--tags", "pytorch2_preflight",
                       timeout=600)
    assert run.returncode == 0, run.stdout[-3000:]
    assert ("torch.compile of torch 2.0.1 does not run on Python 3.11 (TorchDynamo of 2.0 "
            "supports Python 3.8, 3.9, 3.10)") in " ".join(run.stdout.split())


def test_a_release_that_does_not_exist_fails_before_any_change():
    # The other bad inputs ("2.0", "1.13.1") are refused by the same task: see
    # tests/integration/roles/pytorch2/test_pytorch2_preflight.py (one full run here is enough).
    run = run_playbook(CONVERGE, "--limit", OLD, "-e", "pytorch2_torch_version=2.16.0",
                       timeout=600)
    assert run.returncode != 0
    assert ("pytorch2_torch_version '2.16.0' is not released (as far as "
            "plugins/module_utils/_compat_data.py knows): the newest torch release it knows is "
            "2.15.0") in " ".join(run.stdout.split()), run.stdout[-3000:]
    assert all(c["changed"] == 0 for c in recap(run.stdout).values())


def test_a_converged_rerun_needs_no_disk_for_the_layers_it_installed():
    # Estimates far beyond any disk for the four layers this host has (their results are
    # recorded), none for the two it has not: the installed ones count for nothing.
    huge = {"cuda_toolkit": 10 ** 9, "conda_env": 10 ** 9, "pytorch2": 10 ** 9,
            "acceptance": 10 ** 9, "nvidia_driver": 0, "cudnn": 0}
    run = run_playbook(CONVERGE, "--limit", OLD, "--check", "--tags", "preflight",
                       "-e", json.dumps({"preflight_disk_estimates_mib": huge}), timeout=600)
    assert run.returncode == 0, run.stdout[-3000:]
    assert ("0 MiB needed for nvidia_driver, cudnn (installed: cuda_toolkit, conda_env, pytorch2, "
            "acceptance)") in " ".join(run.stdout.split()), run.stdout[-3000:]
    # the same estimates counted in full are refused, naming the layers
    run = run_playbook(CONVERGE, "--limit", OLD, "--check", "--tags", "preflight",
                       "-e", json.dumps({"preflight_disk_estimates_mib": huge,
                                         "preflight_disk_count_installed": True}), timeout=600)
    assert run.returncode != 0
    assert "but the layers nvidia_driver, cuda_toolkit, cudnn, conda_env, pytorch2, acceptance " \
        "need about 4000000000 MiB" in " ".join(run.stdout.split()), run.stdout[-3000:]
