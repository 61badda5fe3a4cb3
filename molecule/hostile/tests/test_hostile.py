"""Hostile settings through site.yml: every bad input is refused in the preflight play, before
any layer changes anything, with a message naming the variable, and the host is left as it was.

One ansible-playbook run holds every case: each case is an inventory host of its own (its bad
variables as host vars) that reaches the scenario's one container over the docker connection.
"""

import os
import re
import subprocess
import sys

import pytest
import yaml

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import ANSI, changed_tasks, host_changes, recap, run_playbook  # noqa: E402

CONTAINER = "gpulab-hostile-1"
OLD_DRIVER = "550.54.14"

# (case, host vars, what the refusal must say). Across every role, the playbooks' gpulab_* and
# the preflight role; the message names the variable (or, for a rule across layers, the values).
CASES = [
    # nvidia_driver
    ("drv-source", {"nvidia_driver_source": "runfile"}, "nvidia_driver_source"),
    ("drv-branch", {"nvidia_driver_branch": "55"}, "a branch is three digits"),
    ("drv-version", {"nvidia_driver_version": "latest"}, "nvidia_driver_version"),
    ("drv-branch-mismatch", {"nvidia_driver_version": "550.54.14", "nvidia_driver_branch": "535"},
     "not nvidia_driver_branch 535"),
    ("drv-modules", {"nvidia_driver_kernel_modules": "closed"}, "nvidia_driver_kernel_modules"),
    ("drv-reboot", {"nvidia_driver_reboot": "sometimes"}, "nvidia_driver_reboot"),
    ("drv-reboot-timeout", {"nvidia_driver_reboot_timeout": "soon"}, "nvidia_driver_reboot_timeout"),
    ("drv-mok", {"nvidia_driver_mok_key": "/root/mok.priv"}, "nvidia_driver_mok_cert"),
    ("drv-mok-missing", {"nvidia_driver_mok_key": "/etc/gpulab-missing/mok.key",
                         "nvidia_driver_mok_cert": "/etc/gpulab-missing/mok.der"},
     "nvidia_driver_mok_key (/etc/gpulab-missing/mok.key) and nvidia_driver_mok_cert"),
    ("drv-kernel-missing", {"nvidia_driver_kernels": ["6.99.0-gpulab-missing"]},
     "nvidia_driver_kernels names 6.99.0-gpulab-missing, not installed here"),
    ("drv-hold-kernel", {"nvidia_driver_hold_kernel": "sometimes"}, "nvidia_driver_hold_kernel"),
    ("drv-open-old-branch", {"nvidia_driver_kernel_modules": "open", "nvidia_driver_branch": "470"},
     "driver branch 470 offers no open kernel modules"),
    ("drv-nvml-dir", {"nvidia_driver_nvml_py_dir": "usr/local/lib/gpulab"}, "nvidia_driver_nvml_py_dir"),
    ("drv-pin", {"nvidia_driver_pin": "perhaps"}, "nvidia_driver_pin"),
    # cuda_toolkit
    ("cuda-major-only", {"cuda_toolkit_versions": ["13"], "cuda_toolkit_default": "13"},
     "cuda_toolkit_versions"),
    ("cuda-duplicate", {"cuda_toolkit_versions": ["13.0", "13.0"]}, "cuda_toolkit_versions"),
    ("cuda-default-missing", {"cuda_toolkit_default": "12.8"}, "cuda_toolkit_default (12.8)"),
    ("cuda-source", {"cuda_toolkit_source": "conda"}, "cuda_toolkit_source"),
    ("cuda-prefix-relative", {"cuda_toolkit_pip_prefix": "opt/cuda"}, "cuda_toolkit_pip_prefix"),
    ("cuda-prefix-dotdot", {"cuda_toolkit_pip_prefix": "/opt/../etc"}, "cuda_toolkit_pip_prefix"),
    ("cuda-pip-12", {"cuda_toolkit_source": "pip", "cuda_toolkit_versions": ["12.8"],
                     "cuda_toolkit_default": "12.8", "cudnn_cuda_major": "12",
                     "cudnn_version": "9.28.0.42"}, "nvcc"),
    ("cuda-declared-driver", {"cuda_toolkit_driver_version": "535.54.03"}, "cuda_toolkit_driver_version"),
    ("cuda-driver-layer", {"nvidia_driver_version": OLD_DRIVER}, "from nvidia_driver_version"),
    ("cuda-unknown-release", {"cuda_toolkit_versions": ["99.9"], "cuda_toolkit_default": "99.9",
                              "cudnn_cuda_major": "13"}, "CUDA 99.9"),
    ("cuda-compat", {"cuda_toolkit_minor_version_compat": "perhaps"}, "cuda_toolkit_minor_version_compat"),
    # cudnn
    ("cudnn-short-version", {"cudnn_version": "9.28"}, "cudnn_version"),
    ("cudnn-major", {"cudnn_cuda_major": "12"}, "cudnn_cuda_major"),
    ("cudnn-source", {"cudnn_source": "conda"}, "cudnn_source"),
    ("cudnn-tarball", {"cudnn_source": "tarball"}, "cudnn_tarball_url"),
    ("cudnn-prefix", {"cudnn_prefix": "cudnn"}, "cudnn_prefix"),
    ("cudnn-pip-unpinned", {"cudnn_source": "pip", "cudnn_version": "9.1.0.70"}, "cudnn_pip_wheels"),
    ("cudnn-tarball-sha", {"cudnn_source": "tarball", "cudnn_tarball_src": "/srv/cudnn.tar.xz",
                           "cudnn_tarball_sha256": "abc"}, "cudnn_tarball_sha256"),
    # conda_env
    ("conda-manager", {"conda_env_manager": "mamba"}, "conda_env_manager"),
    ("conda-prefix-dotdot", {"conda_env_prefix": "/opt/../etc"}, "conda_env_prefix"),
    ("conda-sha", {"conda_env_manager": "conda", "conda_env_installer_sha256": "abc"},
     "conda_env_installer_sha256"),
    ("conda-http", {"conda_env_manager": "conda", "conda_env_installer_url": "http://example.org/x.sh"},
     "conda_env_installer_url"),
    ("conda-channels", {"conda_env_channels": {"conda-forge": 1}}, "conda_env_channels"),
    ("conda-venv-python", {"conda_env_venv_python": "python3"}, "conda_env_venv_python"),
    # The hosts' venv interpreter is Debian 12's Python 3.11 (Debian 13's would be 3.13).
    ("conda-venv-version", {"conda_env_python_version": "3.13"},
     "but Python 3.13 was asked for: set conda_env_python_version to 3.11"),
    # pytorch2
    ("torch-short", {"pytorch2_torch_version": "2.14"}, "pytorch2_torch_version"),
    ("torchvision-mismatch", {"pytorch2_torchvision_version": "0.28.1"}, "pytorch2_torchvision_version"),
    ("devices-empty-entry", {"pytorch2_visible_devices": "0,,1"}, "pytorch2_visible_devices"),
    ("devices-all", {"pytorch2_visible_devices": "all,,1"}, "pytorch2_visible_devices"),
    ("devices-repeated", {"pytorch2_visible_devices": "0,0"}, "pytorch2_visible_devices"),
    ("torch-variant", {"pytorch2_cuda": "cu118"}, "pytorch2_cuda"),
    # a default toolkit of another CUDA major than torch's build: no extension would build
    ("torch-toolkit-major", {"cuda_toolkit_versions": ["12.8"], "cuda_toolkit_default": "12.8",
                             "cudnn_cuda_major": "12", "cudnn_version": "9.28.0.42"},
     "cu130 build is for CUDA 13.0, the toolkit is CUDA 12.8"),
    ("torchaudio-mismatch", {"pytorch2_torchaudio_version": "2.13.0"}, "pytorch2_torchaudio_version"),
    ("torch-prefix", {"pytorch2_env_prefix": "envs/pytorch2"}, "pytorch2_env_prefix"),
    ("torch-wheelhouse", {"pytorch2_wheelhouse": "maybe"}, "pytorch2_wheelhouse"),
    ("torch-installer", {"pytorch2_installer": "conda"}, "pytorch2_installer"),
    ("torch-uv-pip-args", {"pytorch2_wheelhouse": True, "pytorch2_pip_extra_args": ["--no-build-isolation"]},
     "pytorch2_pip_extra_args (--no-build-isolation) are pip"),
    ("torch-uv-arch", {"pytorch2_wheelhouse": True, "pytorch2_uv_wheels": {"aarch64": {"file": "uv.whl", "sha256": "0" * 64}}},
     "pytorch2_uv_wheels has no wheel for x86_64"),
    ("torch-declared-driver", {"gpulab_layers": ["conda_env", "pytorch2"],
                               "nvidia_driver_version": OLD_DRIVER}, "cannot run cu130 builds"),
    # acceptance
    ("acc-accuracy", {"acceptance_min_accuracy": 1.5}, "acceptance_min_accuracy"),
    ("acc-batch", {"acceptance_batch_size": -8}, "acceptance_batch_size"),
    ("acc-device", {"acceptance_device": "gpu"}, "acceptance_device"),
    ("acc-controller", {"acceptance_cifar10_source": "controller"}, "acceptance_cifar10_controller_path"),
    ("acc-source", {"acceptance_cifar10_source": "ftp"}, "acceptance_cifar10_source"),
    ("acc-timeout", {"acceptance_timeout_s": 0}, "acceptance_timeout_s"),
    ("acc-home", {"acceptance_home": "/var/lib/../../etc"}, "acceptance_home"),
    # the playbooks and the preflight role
    ("layers-misspelt", {"gpulab_layers": ["cuda_tolkit"]}, "did you mean 'cuda_toolkit'?"),
    ("layers-string", {"gpulab_layers": "cudnn"}, "gpulab_layers"),
    ("strict-misspelt", {"gpulab_strict_settings": True, "cuda_toolkit_verisons": ["13.1"]},
     "did you mean cuda_toolkit_versions?"),
    ("cache-relative", {"gpulab_controller_cache": "cache/gpulab"}, "gpulab_controller_cache"),
    ("disk-path", {"preflight_disk_path": "opt"}, "preflight_disk_path"),
    # the lab wheel mirror: not a URL; a URL nothing answers at (the discard port of loopback)
    ("mirror-url", {"gpulab_wheel_mirror_url": "wheels.lab.example:8081"}, "gpulab_wheel_mirror_url"),
    ("mirror-unreachable", {"gpulab_wheel_mirror_url": "http://127.0.0.1:9"},
     "cannot use the wheel mirror gpulab_wheel_mirror_url http://127.0.0.1:9"),
    # A misspelt name alone is a warning (see the last test); this host fails on its limit.
    ("warn-misspelt", {"cuda_toolkit_verisons": ["13.1"], "acceptance_min_accuracy": 2},
     "acceptance_min_accuracy"),
]


def _docker(*argv):
    return subprocess.run(["docker", "exec", CONTAINER, *argv], capture_output=True, text=True,
                          check=True).stdout


def _snapshot():
    """Packages and file tree of the container (everything on its root file system except
    Ansible's own temporary files and Python's byte-code caches)."""
    packages = _docker("dpkg-query", "-W", "-f=${Package}=${Version}\\n")
    tree = _docker("find", "/", "-xdev", "(", "-path", "/proc", "-o", "-path", "/sys", "-o",
                   "-path", "/dev", "-o", "-path", "/tmp", "-o", "-path", "/run", "-o",
                   "-path", "/root/.ansible", "-o", "-name", "__pycache__", ")", "-prune", "-o",
                   "-printf", "%p %y %m %U %G %s %T@\\n")
    return packages, tree


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    hosts = dict(("hostile-" + case[0], dict(case[1])) for case in CASES)
    inventory = {"hostile": {"hosts": hosts, "vars": {
        "ansible_connection": "community.docker.docker",
        "ansible_host": CONTAINER,
        "ansible_python_interpreter": "/usr/bin/python3",
        # Miniforge needs an installer URL and sha256 that no default can give; the conda cases
        # set the manager themselves.
        "conda_env_manager": "venv",
        # The container's disk is not what is tested here.
        "preflight_disk_estimates_mib": {layer: 1 for layer in (
            "nvidia_driver", "cuda_toolkit", "cudnn", "conda_env", "pytorch2", "acceptance")},
    }}}
    path = tmp_path_factory.mktemp("hostile") / "inventory.yml"
    path.write_text(yaml.safe_dump(inventory))
    # Ansible's own first contact (its temporary directory under /root) is not a change the
    # playbook makes: make it before the snapshot.
    subprocess.run(["docker", "exec", CONTAINER, "mkdir", "-p", "/root/.ansible/tmp"], check=True)
    before = _snapshot()
    run = run_playbook("playbooks/site.yml", "-i", str(path), "--limit", "hostile",
                       "-f", "8", timeout=1500)
    # Kept for a human reading a failure (and the wall time measured in the README).
    (tmp_path_factory.getbasetemp() / "hostile-run.log").write_text(run.stdout + run.stderr)
    with open(os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "hostile-run.log"), "w") as log:
        log.write(run.stdout + run.stderr)
    return run, before, _snapshot()


def _refusals(stdout):
    """{host: [the text of each of its failures]} (the failure line and its indented result)."""
    found = {}
    host, lines = None, []
    for line in ANSI.sub("", stdout).splitlines() + [""]:
        match = re.match(r"^(?:fatal|failed): \[(?P<host>[^\]]+)\].*? => ?(?P<body>.*)$", line)
        if host and (match or not line.startswith(" ")):
            found.setdefault(host, []).append(" ".join(" ".join(lines).split()))
            host, lines = None, []
        if match:
            host, lines = match["host"], [match["body"]]
        elif host:
            lines.append(line)
    return found


def test_there_are_at_least_forty_hostile_inputs():
    assert len(CASES) >= 40 and len(set(case[0] for case in CASES)) == len(CASES)


@pytest.mark.parametrize("name, values, message", CASES, ids=[case[0] for case in CASES])
def test_each_hostile_input_is_refused_naming_the_variable(hostile_run, name, values, message):
    run = hostile_run[0]
    host = "hostile-" + name
    counts = recap(run.stdout)
    assert counts.get(host, {}).get("failed") == 1, (counts.get(host), run.stdout[-4000:])
    # nothing changed on the host (the first host of the play also carries the controller's
    # cluster table, written once for the run)
    assert host_changes(run.stdout, host) == [], (counts[host], changed_tasks(run.stdout).get(host))
    refusals = _refusals(run.stdout).get(host, [])
    assert any(message in text for text in refusals), refusals


def test_no_host_reaches_a_layer(hostile_run):
    run = hostile_run[0]
    assert "TASK [Layer " not in ANSI.sub("", run.stdout), run.stdout[-3000:]


def test_the_host_is_left_as_it_was(hostile_run):
    before, after = hostile_run[1], hostile_run[2]
    assert after[0] == before[0], "the package list changed"
    old, new = set(before[1].splitlines()), set(after[1].splitlines())
    assert old == new, {"gone": sorted(old - new)[:20], "new": sorted(new - old)[:20]}


def test_a_misspelt_setting_is_a_warning_naming_the_closest_one_by_default(hostile_run):
    run = hostile_run[0]
    text = " ".join(ANSI.sub("", run.stdout + run.stderr).split())
    assert ("[WARNING]: cuda_toolkit_verisons is not a setting of gpulab.pytorch_stack and is "
            "ignored (did you mean cuda_toolkit_versions?)") in text
