# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The acceptance role's multi-device runner with fake trainers (no torch, no GPU): one
process per device, one deadline for all, stderr that cannot stall, one CUDA device entry
(GPU or MIG UUID) per process."""

import json
import os
import subprocess
import sys
import time

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
RUNNER = os.path.join(REPO, "roles", "acceptance", "files", "gpulab_acceptance_run.py")

# A stand-in trainer: the runner's arguments, then what the test asks for in FAKE_*.
FAKE = r'''
import json, os, sys, time
args = sys.argv[1:]
device, report = args[args.index("--device") + 1], args[args.index("--report") + 1]
visible = os.environ.get("CUDA_VISIBLE_DEVICES")
mode = os.environ.get("FAKE_MODE", "pass")
if mode == "sleep":
    time.sleep(60)
if mode == "chatty" and visible == "GPU-b":
    sys.stderr.write("x" * (1 << 20))      # far more than a pipe holds
    sys.stderr.flush()
if mode == "chatty" and visible == "GPU-a":
    # Passes only once the chatty one has written its report: with an undrained pipe it never does.
    other = os.path.join(os.path.dirname(report), "report-GPU-b.json")
    for _ in range(200):
        if os.path.exists(other):
            break
        time.sleep(0.05)
    else:
        sys.exit(7)
if mode == "crash":
    sys.stderr.write("Traceback: CUDA error\n")
    sys.exit(9)
with open(report, "w") as handle:
    json.dump({"device": device, "cuda_visible_devices": visible, "passed": True,
               "reasons": []}, handle)
'''


def timed_run(tmp_path, selection, extra_env=None, timeout=60, drop_visible=True):
    """(exit code, reports, seconds) of a runner run with the fake trainer."""
    trainer = tmp_path / "fake_trainer.py"
    trainer.write_text(FAKE)
    env = dict(os.environ)
    if drop_visible:
        env.pop("CUDA_VISIBLE_DEVICES", None)
    env.update(extra_env or {})
    start = time.monotonic()
    done = subprocess.run([sys.executable, RUNNER, "--trainer", str(trainer), "--reports",
                           str(tmp_path / "reports"), "--timeout", str(timeout)] + selection
                          + ["--", "--data-dir", "x"], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    return done.returncode, json.loads(done.stdout.strip().splitlines()[-1]), \
        time.monotonic() - start


def run(tmp_path, selection, extra_env=None, timeout=60, drop_visible=True):
    """(exit code, reports) of a runner run."""
    return timed_run(tmp_path, selection, extra_env, timeout, drop_visible)[:2]


def test_each_gpu_or_mig_instance_gets_its_own_process_on_cuda_0(tmp_path):
    visible = ["GPU-3f5a29b6-3ac5-ac89-cee1-f8c6b5393581",
               "MIG-4b7a1c2e-0000-5d6e-9f00-1a2b3c4d5e6f", "MIG-5c8b2d3f-1111-6e7f-a011-2b3c4d5e6f70"]
    code, reports = run(tmp_path, ["--visible", ",".join(visible)])
    assert code == 0
    assert [(r["device"], r["cuda_visible_devices"]) for r in reports] == [
        ("cuda:0", entry) for entry in visible]


def test_devices_run_in_the_environment_as_it_is(tmp_path):
    code, reports = run(tmp_path, ["--devices", "cuda:0,cuda:1"],
                        {"CUDA_VISIBLE_DEVICES": "1,0"}, drop_visible=False)
    assert code == 0
    assert [(r["device"], r["cuda_visible_devices"]) for r in reports] == [
        ("cuda:0", "1,0"), ("cuda:1", "1,0")]


@pytest.mark.parametrize("inherited, expected", [
    ("0,2,-1,1", ["0", "2"]),          # the list ends at the first invalid entry
    ("MIG-4b7a1c2e-0000-5d6e-9f00-1a2b3c4d5e6f", ["MIG-4b7a1c2e-0000-5d6e-9f00-1a2b3c4d5e6f"]),
])
def test_the_environments_visible_devices_replace_the_list(tmp_path, inherited, expected):
    code, reports = run(tmp_path, ["--visible", "GPU-a,GPU-b,GPU-c"],
                        {"CUDA_VISIBLE_DEVICES": inherited}, drop_visible=False)
    assert code == 0
    assert [r["cuda_visible_devices"] for r in reports] == expected


def test_an_empty_visible_devices_means_no_gpu_and_fails_saying_so(tmp_path):
    code, reports = run(tmp_path, ["--visible", "GPU-a,GPU-b"], {"CUDA_VISIBLE_DEVICES": ""},
                        drop_visible=False)
    assert code == 1
    assert len(reports) == 1 and reports[0]["passed"] is False
    assert "CUDA_VISIBLE_DEVICES='' in the environment" in reports[0]["reasons"][0]
    assert "leaves no GPU visible" in reports[0]["reasons"][0]


def test_all_processes_share_one_deadline_and_are_named_timed_out(tmp_path):
    # Four trainers that never finish, a 1 s timeout: waiting for each in turn with the full
    # timeout took 4 s; one deadline for all ends the run after about 1 s.
    code, reports, elapsed = timed_run(tmp_path, ["--visible", "GPU-a,GPU-b,GPU-c,GPU-d"],
                                       {"FAKE_MODE": "sleep"}, timeout=1)
    assert code == 1
    assert elapsed < 3.5, "every process must be bounded by the same deadline"
    assert len(reports) == 4
    for report in reports:
        assert report["passed"] is False
        assert report["reasons"][0].startswith("trainer timed out: still running 1 s after the "
                                               "start")
        assert "code -9" not in report["reasons"][0]


def test_a_chatty_trainer_does_not_stall_on_its_stderr(tmp_path):
    code, reports = run(tmp_path, ["--visible", "GPU-a,GPU-b"], {"FAKE_MODE": "chatty"})
    assert code == 0, reports
    assert (tmp_path / "reports" / "stderr-GPU-b.log").stat().st_size == 1 << 20


def test_a_trainer_that_dies_gets_a_stand_in_with_its_code_and_stderr(tmp_path):
    code, reports = run(tmp_path, ["--visible", "GPU-a"], {"FAKE_MODE": "crash"})
    assert code == 1
    assert reports == [{"device": "cuda:0", "device_kind": "GPU", "cuda_visible_devices": "GPU-a",
                        "passed": False, "reasons": [
                            "trainer exited with code 9 and wrote no report: Traceback: CUDA "
                            "error"]}]
