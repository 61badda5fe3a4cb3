"""Verify the shared venv and torch from the controller wheelhouse on a GPU-less Debian 13 host."""

import json
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import recap, run_playbook  # noqa: E402

PREFIX = "/opt/miniforge3"
ENV = PREFIX + "/envs/pytorch2"
PYTHON = ENV + "/bin/python"
WHEELHOUSE = "/var/cache/gpulab/wheelhouse/pytorch2"
CONVERGE = "molecule/pytorch2/converge.yml"


def as_user(host, user, *argv):
    return host.run("runuser -u %s -- %s" % (user, " ".join(argv)))


@pytest.fixture(scope="module")
def outsider(host):
    """A user who is not in the environment's group."""
    if not host.user("gpulab-outsider").exists:
        host.run_expect([0], "useradd --system --no-create-home gpulab-outsider")
    return "gpulab-outsider"


def test_prefix_is_root_owned_and_closed_to_others(host):
    prefix = host.file(PREFIX)
    assert prefix.user == "root" and prefix.group == "gpulab"
    assert prefix.mode == 0o750
    assert host.file(PYTHON).exists


def test_group_member_imports_torch_inside_the_environment(host):
    assert "gpulab" in host.user("gpulab-verify").groups
    run = as_user(host, "gpulab-verify", PYTHON, "-c",
                  "'import torch, torchvision; print(torch.__version__, torchvision.__version__)'")
    assert run.rc == 0, run.stderr
    # PyPI's default Linux x86_64 build of torch 2.14.1 is the CUDA 13.0 one.
    assert run.stdout.split() == ["2.14.1+cu130", "0.29.1+cu130"]


def test_group_member_cannot_install_into_the_environment(host):
    site = host.check_output(PYTHON + " -c 'import sysconfig; print(sysconfig.get_paths()[\"purelib\"])'")
    run = as_user(host, "gpulab-verify", "touch", site + "/gpulab-probe")
    assert run.rc != 0 and "Permission denied" in run.stderr


def test_user_outside_the_group_can_neither_write_nor_use_it(host, outsider):
    assert as_user(host, outsider, "touch", ENV + "/gpulab-probe").rc != 0
    assert as_user(host, outsider, PYTHON, "-c", "'import torch'").rc != 0


def test_nothing_in_the_prefix_is_world_writable(host):
    assert host.check_output("find %s -xdev -perm -0002 -not -type l -print -quit" % PREFIX) == ""


def test_environment_spec_is_recorded(host):
    spec = json.loads(host.file(ENV + "/.gpulab-spec.json").content_string)
    assert spec == {"manager": "venv", "python": "3.13", "packages": [], "channels": []}


def test_activation_exports_the_configured_variables(host):
    out = host.check_output("bash -c '. %s/bin/activate && echo $CUDA_VISIBLE_DEVICES $OMP_NUM_THREADS "
                            "&& command -v python'" % ENV)
    assert out.split() == ["0", "2", PYTHON]


def test_wheelhouse_matches_the_controller_manifest_and_pins_hashes(host):
    manifest = json.loads(host.file(WHEELHOUSE + "/manifest.json").content_string)
    torch = [name for name in manifest["wheels"] if name.startswith("torch-2.14.1-")]
    assert torch, manifest
    requirements = host.file(WHEELHOUSE + "/requirements.txt").content_string
    assert "torch==2.14.1 --hash=sha256:%s" % manifest["wheels"][torch[0]]["sha256"] in requirements
    cache = os.path.expanduser("~/.cache/gpulab/wheelhouse")
    local = [json.load(open(os.path.join(cache, key, "manifest.json")))
             for key in os.listdir(cache) if os.path.isfile(os.path.join(cache, key, "manifest.json"))]
    assert manifest in local


def test_uv_installed_the_environment_apart_from_it_with_bytecode_and_pip_check_clean(host):
    # pytorch2_installer: uv (the default): uv itself is kept outside the environment, the
    # environment holds the wheelhouse's packages and no uv, its bytecode is compiled (the
    # environment is root-owned: without .pyc every user's import would compile torch anew).
    uv = host.run("/var/lib/gpulab/uv/0.13.9/bin/uv --version")
    assert uv.rc == 0 and uv.stdout.split()[:2] == ["uv", "0.13.9"], uv.stdout + uv.stderr
    assert host.run("%s -c 'import uv'" % PYTHON).rc != 0
    pyc = host.run("ls %s/lib/python3.13/site-packages/torch/__pycache__/" % ENV)
    assert pyc.rc == 0 and "__init__.cpython-313.pyc" in pyc.stdout.split(), pyc.stdout + pyc.stderr
    check = host.run("%s -m pip check" % PYTHON)
    assert check.rc == 0, check.stdout + check.stderr
    sent = host.file("/var/cache/gpulab/wheels/uv/manifest.json")
    assert "uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl" in sent.content_string


def test_results_report_a_cpu_only_environment(host):
    pytorch2 = json.loads(host.file("/var/lib/gpulab/results/pytorch2.json").content_string)
    assert pytorch2["summary"].startswith("CPU-only host: torch 2.14.1")
    assert pytorch2["gpu_host"] is False and pytorch2["cuda_available"] is False
    assert pytorch2["source"] == "wheelhouse"
    conda_env = json.loads(host.file("/var/lib/gpulab/results/conda_env.json").content_string)
    assert conda_env["python"] == PYTHON and conda_env["prefix"] == ENV
    assert conda_env["manager"] == "venv"


def test_a_torchvision_of_another_torch_fails_before_any_change():
    run = run_playbook(CONVERGE, "-e", "pytorch2_torchvision_version=0.28.1", timeout=600)
    assert run.returncode != 0
    assert "torchvision 0.28.1 does not belong to torch 2.14.1" in run.stdout
    assert all(c["changed"] == 0 for c in recap(run.stdout).values())


def test_an_unpublished_variant_fails_before_any_change():
    run = run_playbook(CONVERGE, "-e", "pytorch2_cuda=cu118", timeout=600)
    assert run.returncode != 0
    assert "PyTorch publishes no cu118 build of torch 2.14.1" in run.stdout
    assert all(c["changed"] == 0 for c in recap(run.stdout).values())


def test_a_drifted_file_is_repaired_and_the_converged_rerun_imports_no_torch(host):
    """molecule's idempotence step already ran the converged host once with changed=0; here a
    file goes missing, the next run repairs it, and the run after that is quiet again."""
    host.run_expect([0], "rm %s/etc/gpulab/pytorch2.sh" % ENV)
    repair = run_playbook(CONVERGE, timeout=600)
    assert repair.returncode == 0, repair.stdout[-3000:]
    words = " ".join(repair.stdout.split())
    assert "%s/etc/gpulab/pytorch2.sh is gone (was a file)" % ENV in words
    assert "Run the verify script as an unprivileged group member" in words   # verified again
    assert host.file(ENV + "/etc/gpulab/pytorch2.sh").exists

    quiet = run_playbook(CONVERGE, timeout=600)
    assert quiet.returncode == 0, quiet.stdout[-3000:]
    assert all(c["changed"] == 0 for c in recap(quiet.stdout).values())
    words = " ".join(quiet.stdout.split())
    assert "Run the verify script as an unprivileged group member" not in words
    assert "Say why the layer runs every step: pytorch2" not in words
    reused = re.findall(r"internal : Reuse the recorded result \(nothing differs\): pytorch2\] \*+ [^*]*?\*+ "
                        r"(\w+): ", words)
    assert reused == ["ok"], reused


# Last in the scenario: it leaves the host with an acceptance record of other settings.
LIGHT = ("-e", "acceptance_compile=false", "-e", "acceptance_extension_check=false",
         "-e", "acceptance_distributed_check=false")


def test_a_forced_run_retrains_and_a_plain_rerun_does_not(host):
    """With the three checks off, so the forced epoch costs seconds, not the checks' minutes: the
    settings are part of the result's fingerprint, so the first run would retrain anyway, and
    acceptance_force is told apart by the second forced run."""
    home = "/var/lib/gpulab/acceptance"
    changed = run_playbook(CONVERGE, "--tags", "acceptance", *LIGHT)
    assert changed.returncode == 0, changed.stdout[-3000:]
    before = json.loads(host.file(home + "/last.json").content_string)
    assert before["reports"][0]["compile"] is False
    forced = run_playbook(CONVERGE, "-e", "acceptance_force=true", "--tags", "acceptance", *LIGHT)
    assert forced.returncode == 0, forced.stdout[-3000:]
    assert sum(c["changed"] for c in recap(forced.stdout).values()) > 0
    after = json.loads(host.file(home + "/last.json").content_string)
    assert after["reports"][0]["epoch_seconds"] != before["reports"][0]["epoch_seconds"]
    # A plain re-run: the layer comparison finds the host as the forced run left it, so no step
    # runs and the recorded result is reused.
    plain = run_playbook(CONVERGE, "--tags", "acceptance", *LIGHT)
    assert plain.returncode == 0, plain.stdout[-3000:]
    assert all(c["changed"] == 0 for c in recap(plain.stdout).values()), plain.stdout[-3000:]
    words = " ".join(plain.stdout.split())
    reused = re.findall(r"internal : Reuse the recorded result \(nothing differs\): acceptance\] "
                        r"\*+ [^*]*?\*+ (\w+): ", words)
    assert reused == ["ok"], plain.stdout[-3000:]
    assert "Train LeNet for one epoch on every device at once] *" not in words
    assert "Install the trainer scripts] *" not in words
    # With the comparison off every step runs, and the trainer's own fingerprint still sees
    # nothing changed below: no epoch, the last result.
    walked = run_playbook(CONVERGE, "--tags", "acceptance", "-e",
                          "acceptance_skip_when_converged=false", *LIGHT)
    assert walked.returncode == 0, walked.stdout[-3000:]
    assert all(c["changed"] == 0 for c in recap(walked.stdout).values()), walked.stdout[-3000:]
    assert "last result, nothing changed below" in " ".join(walked.stdout.split())
    assert json.loads(host.file(home + "/last.json").content_string) == after
