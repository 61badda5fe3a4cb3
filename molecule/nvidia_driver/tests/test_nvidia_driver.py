"""Verify the driver layer installed from Debian 12 non-free in a container without a GPU."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import run_playbook  # noqa: E402

PACKAGES = ("libnvidia-ml1", "nvidia-smi", "libcuda1", "nvidia-kernel-dkms")
PIN = "/etc/apt/preferences.d/gpulab-nvidia-driver.pref"
CONVERGE = os.path.join("molecule", "nvidia_driver", "converge.yml")


@pytest.fixture(scope="module")
def newest_535(host):
    """The newest 535 driver apt offers (what the role's default branch must choose)."""
    out = host.check_output("apt-cache madison libnvidia-ml1")
    versions = [line.split("|")[1].strip() for line in out.splitlines()]
    return sorted(versions, key=lambda v: [int(p) for p in v.split("-")[0].split(".")])[-1]


@pytest.fixture(scope="module")
def result(host):
    return json.loads(host.file("/var/lib/gpulab/results/nvidia_driver.json").content_string)


def test_driver_packages_are_installed_at_the_chosen_version(host, newest_535):
    for name in PACKAGES:
        package = host.package(name)
        assert package.is_installed, name
        assert package.version == newest_535, (name, package.version)


def test_every_installed_binary_of_the_driver_source_has_one_version(host, newest_535):
    out = host.check_output("dpkg-query -W -f '${Package} ${Version} ${source:Package}\\n'")
    driver = [line.split() for line in out.splitlines()
              if line.split()[2] == "nvidia-graphics-drivers"]
    assert len(driver) >= len(PACKAGES)
    assert {row[1] for row in driver} == {newest_535}


def test_persistence_daemon_comes_from_contrib(host):
    assert host.package("nvidia-persistenced").is_installed


def test_no_recommends_were_installed(host):
    # nvidia-kernel-dkms recommends the full nvidia-driver (X11 and GL): not on a server.
    assert not host.package("nvidia-driver").is_installed


def test_the_version_is_pinned(host, newest_535):
    pin = host.file(PIN)
    assert pin.exists and pin.user == "root" and pin.mode == 0o644
    assert "Package: src:nvidia-graphics-drivers" in pin.content_string
    assert "Pin: version %s" % newest_535 in pin.content_string
    assert "Pin-Priority: 1001" in pin.content_string
    policy = host.check_output("apt-cache policy libnvidia-ml1")
    assert "Candidate: %s" % newest_535 in policy
    assert "1001" in policy


def test_nouveau_is_blacklisted(host):
    blacklist = host.file("/etc/modprobe.d/gpulab-blacklist-nouveau.conf")
    assert blacklist.exists and blacklist.mode == 0o644
    assert "blacklist nouveau" in blacklist.content_string.splitlines()


def test_persistence_daemon_is_enabled(host):
    # systemd does not run in the container; enabling works offline (a symlink in wants/).
    link = host.file("/etc/systemd/system/multi-user.target.wants/nvidia-persistenced.service")
    assert link.is_symlink
    assert host.run("systemctl is-enabled nvidia-persistenced").stdout.strip() == "enabled"


def test_dkms_has_the_source_but_built_nothing(host, newest_535):
    # No headers for the (host's) running kernel in a container: DKMS adds, does not build.
    upstream = newest_535.split("-")[0]
    assert host.file("/usr/src/nvidia-current-%s" % upstream).is_directory
    assert not host.file("/sys/module/nvidia").exists


def test_nvml_binding_is_installed_root_owned(host):
    directory = host.file("/usr/local/lib/gpulab/python")
    assert directory.is_directory and directory.user == "root" and directory.mode == 0o755
    assert host.file("/usr/local/lib/gpulab/python/pynvml.py").mode == 0o644
    assert host.file("/usr/local/lib/gpulab/python/nvidia_ml_py-13.615.71.dist-info").is_directory


def test_real_libnvidia_ml_as_nobody_says_driver_not_loaded(host):
    # The binding the role unpacked, on the real Debian libnvidia-ml, without the kernel module.
    run = host.run("sudo -u nobody env PYTHONPATH=/usr/local/lib/gpulab/python python3 -c "
                   "'import pynvml\ntry:\n pynvml.nvmlInit()\nexcept pynvml.NVMLError as e:"
                   "\n print(e.value)'")
    assert run.rc == 0, run.stderr
    assert run.stdout.strip() == "9"  # NVML_ERROR_DRIVER_NOT_LOADED


def test_real_nvml_says_the_driver_is_not_loaded(host):
    # gpu_facts as an unprivileged user: the real Debian libnvidia-ml, no kernel module.
    facts = host.ansible("gpulab.pytorch_stack.gpu_facts", check=False, become=True,
                         become_user="nobody")["ansible_facts"]["gpu"]
    assert facts["state"] == "driver_not_loaded", facts
    assert facts["count"] == 0


def test_result_says_userspace_only(result, newest_535):
    upstream = newest_535.split("-")[0]
    assert result["version"] == upstream
    assert result["package_version"] == newest_535
    assert result["container"] is True
    assert result["state"] == "userspace_only"
    assert result["reboot_required"] is False
    assert result["kernel_modules"] == "proprietary"
    assert result["nvml"] == {"state": "driver_not_loaded", "error_code": 9,
                              "driver_version": None, "checked_as": "nobody"}
    assert "userspace only, kernel module build/load and reboots skipped" in result["summary"]
    assert "DKMS build and module load" in result["skipped"]


def test_root_nvml_was_not_run_in_the_container(host):
    # NVML as root would have created /dev/nvidiactl (FACTS); the role must not leave it.
    assert not host.file("/dev/nvidiactl").exists


def _converge(*extra):
    return run_playbook(CONVERGE, *extra, timeout=600)


def test_an_impossible_branch_fails_before_any_package_changes(host):
    before = host.check_output("dpkg-query -W -f '${Package} ${Version}\\n' | sort | md5sum")
    run = _converge("-e", json.dumps({"nvidia_driver_branch": "550"}))
    assert run.returncode != 0
    assert "Debian 12 non-free does not provide the NVIDIA driver branch 550" in run.stdout
    assert host.check_output("dpkg-query -W -f '${Package} ${Version}\\n' | sort | md5sum") == before


def test_a_version_that_is_not_a_version_fails_in_preflight():
    run = _converge("-e", json.dumps({"nvidia_driver_version": "latest"}))
    assert run.returncode != 0
    assert "a version is a driver version" in run.stdout


@pytest.fixture()
def fake_gpu(host):
    """A sysfs tree with one NVIDIA GPU of the given PCI id, as preflight would read it."""
    root = "/srv/gpulab-fake-sys"

    def make(device_id):
        dev = root + "/bus/pci/devices/0000:3b:00.0"
        host.run_test("mkdir -p %s && echo 0x10de > %s/vendor && echo %s > %s/device && "
                      "echo 0x030200 > %s/class", dev, dev, device_id, dev, dev)
        return ["-e", json.dumps({"preflight_sysfs_root": root, "nvidia_driver_sysfs_root": root})]

    yield make
    host.run_test("rm -rf %s", root)


def test_blackwell_on_the_distro_branch_fails_in_preflight(fake_gpu):
    # A B200 (0x2901) needs the open modules and driver 570+; Debian 12 has 535.
    run = _converge(*fake_gpu("0x2901"))
    assert run.returncode != 0
    assert "needs driver 570.26 or newer (branch 570+), not branch 535" in run.stdout


def test_open_modules_on_a_volta_fail_in_preflight(fake_gpu):
    run = _converge(*fake_gpu("0x1db1"), "-e", json.dumps({"nvidia_driver_kernel_modules": "open"}))
    assert run.returncode != 0
    assert "0x1db1 (older than Turing) cannot use the open modules" in run.stdout


def test_secure_boot_without_a_signing_key_fails_before_installing():
    # Preflight facts say Secure Boot is on and this is no container (as on a real host).
    run = run_playbook(os.path.join("molecule", "nvidia_driver", "secure_boot.yml"), timeout=300)
    assert run.returncode != 0
    assert "boots with Secure Boot on" in run.stdout
    assert "Nothing was installed" in run.stdout
    assert "nvidia_driver_mok_key" in run.stdout


DEBIAN_12_KEY = "4D64FEC119C2029067D6E791F8D2585B8783D481"


@pytest.mark.parametrize("fingerprint, ok", [
    (DEBIAN_12_KEY, True),
    ("EB693B3035CD5710E231E123A4B469963BF863CC", False),
])
def test_repository_key_is_trusted_only_with_its_fingerprint(fingerprint, ok):
    # The cuda_repo key check, run on Debian's own release key (NVIDIA is not reachable).
    run = run_playbook(os.path.join("molecule", "nvidia_driver", "repo_key.yml"), "-e",
                       json.dumps({"__nvidia_driver_cuda_repo_fingerprint": fingerprint}),
                       timeout=300)
    assert (run.returncode == 0) is ok, run.stdout
    if not ok:
        assert "has the primary fingerprint(s) %s, expected exactly %s" % (
            DEBIAN_12_KEY, fingerprint) in run.stdout
