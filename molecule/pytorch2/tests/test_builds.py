"""PyTorch 2 as people use it, on a GPU-less Debian 13 host, as an unprivileged member of the
environment's group in a login shell: torch.compile, C++/CUDA extensions, torchrun with gloo,
and the acceptance report's named checks (compile, extension, distributed), CPU-labelled."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import recap, run_playbook  # noqa: E402

ENV = "/opt/miniforge3/envs/pytorch2"
CUDA_HOME = "/opt/cuda/13.0"
CHECKS = "/usr/local/lib/gpulab/acceptance"
HOME = "/var/lib/gpulab/acceptance"
REPORT_DIR = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "reports")
CONVERGE = "molecule/pytorch2/converge.yml"

COMPILE_VS_EAGER = r"""
import torch
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Conv2d(3, 6, 5), torch.nn.ReLU(), torch.nn.Flatten(),
                            torch.nn.Linear(6 * 28 * 28, 10))
x = torch.randn(4, 3, 32, 32)
eager = model(x)
compiled = torch.compile(model)(x)
print(torch.allclose(eager, compiled, rtol=1e-4, atol=1e-5), float((eager - compiled).abs().max()))
"""


PYTHON_H = r"""
import os, sysconfig
print(os.path.isfile(os.path.join(sysconfig.get_paths()["include"], "Python.h")))
"""


def put(host, name, text):
    """A script in /tmp that the unprivileged user can read."""
    path = "/tmp/" + name
    host.run_expect([0], "cat > %s <<'GPULAB_EOF'\n%s\nGPULAB_EOF\nchmod 0644 %s" % (path, text, path))
    return path


def login(host, script, user="gpulab-verify"):
    """Run ``script`` as ``user`` in a bash login shell with the environment activated."""
    quoted = script.replace("'", "'\\''")
    # every step has a deadline: a hung build or torchrun fails the test instead of the CI job
    return host.run("timeout -k 10 600 runuser -u %s -- bash -lc '. %s/bin/activate && %s'"
                    % (user, ENV, quoted))


def test_the_login_shell_has_what_builds_need(host):
    probe = put(host, "gpulab_python_h.py", PYTHON_H)
    run = login(host, 'echo "$CUDA_HOME|$TORCH_CUDA_ARCH_LIST|$(command -v ninja)|$(command -v nvcc)"'
                      " && python " + probe)
    assert run.rc == 0, run.stderr
    first, second = run.stdout.splitlines()[:2]
    assert first.split("|") == [CUDA_HOME, "8.0;9.0", ENV + "/bin/ninja", CUDA_HOME + "/bin/nvcc"]
    assert second == "True"
    # the development link NVIDIA's wheels leave out
    assert host.file(CUDA_HOME + "/lib64/libcudart.so").linked_to.endswith("libcudart.so.13")


def test_compile_gives_the_eager_result_on_the_cpu(host):
    run = login(host, "cd /tmp && python " + put(host, "gpulab_compile_check.py", COMPILE_VS_EAGER))
    assert run.rc == 0, run.stderr[-3000:]
    same, difference = run.stdout.split()[-2:]
    assert same == "True", difference


def test_a_cpp_op_builds_and_runs_and_a_cuda_kernel_builds_for_sm80_and_sm90(host):
    run = login(host, "python %s/gpulab_check_extension.py --build-dir $(mktemp -d) --device cpu"
                % CHECKS)
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert run.rc == 0 and report["passed"], report["reasons"]
    assert report["device_kind"] == "CPU"
    assert report["cpp_op"] == dict(report["cpp_op"], built=True, ran=True, correct=True)
    kernel = report["cuda_kernel"]
    assert kernel["built"] and kernel["ran"] is False and kernel["cuda_home"] == CUDA_HOME
    assert kernel["sass"] == ["sm_80", "sm_90"]   # read from the built library's fat binary


def test_two_process_gloo_ddp_via_torchrun(host):
    run = login(host, "python %s/gpulab_check_distributed.py --work-dir $(mktemp -d) --device cpu"
                % CHECKS)
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert run.rc == 0 and report["passed"], report.get("reasons")
    assert (report["backend"], report["nproc"], report["device_kind"]) == ("gloo", 2, "CPU")
    assert report["ddp_step"]["same_weights"] is True
    assert report["sweep"][-1]["bytes"] == 64 << 20 and all(r["correct"] for r in report["sweep"])


def test_the_acceptance_report_has_the_three_checks_cpu_labelled(host):
    last = json.loads(host.file(HOME + "/last.json").content_string)
    report = last["reports"][0]
    assert report["compile"] is True and report["compile_mode"] == "default"
    assert report["compile_seconds"] > 0 and report["epoch_seconds"] > 0
    # images/s counts the epoch only (epoch_seconds is rounded to the millisecond)
    assert abs(report["images_per_second"] * report["epoch_seconds"] - report["train_images"]) < 50
    assert last["checks"]["extension"]["device_kind"] == "CPU"
    assert last["checks"]["extension"]["cuda_kernel"]["sass"] == ["sm_80", "sm_90"]
    assert last["checks"]["distributed"]["backend"] == "gloo"
    result = json.loads(host.file("/var/lib/gpulab/results/acceptance.json").content_string)
    assert result["passed"] is True
    assert set(result["checks"]) == {"compile", "extension", "distributed"}
    assert all(check["passed"] for check in result["checks"].values())
    assert "checks: compile PASS" in result["summary"]
    assert "distributed PASS (gloo x2 (CPU)" in result["summary"]
    with open(os.path.join(REPORT_DIR, "report.json")) as handle:
        row = json.load(handle)["rows"][0]
    assert row["checks"]["compile"]["device_kind"] == "CPU"
    with open(os.path.join(REPORT_DIR, "report.html")) as handle:
        html = handle.read()
    assert "<th>Checks</th>" in html and "extension PASS (C++ op built+ran" in html


def test_bad_inputs_fail_before_any_change_naming_the_variable():
    """One run for the three (each check's other bad values: tests/unit test__settings.py)."""
    run = run_playbook(CONVERGE, "-e", "acceptance_compile_mode=fastest",
                       "-e", "acceptance_min_busbw_gbps=-5",
                       "-e", "pytorch2_visible_devices=0,1,0", timeout=600)
    assert run.returncode != 0
    words = " ".join(run.stdout.split())
    assert "acceptance_compile_mode 'fastest' is not a torch.compile mode" in words
    assert "acceptance_min_busbw_gbps '-5' must be a positive number of GB/s" in words
    assert "pytorch2_visible_devices '0,1,0': entry 3 ('0') is given twice" in words
    assert all(c["changed"] == 0 for c in recap(run.stdout).values())
