"""Verify the driver layer's kernel side on Debian 13: a real DKMS build, signed, checked.

The container cannot load a module (its kernel is the machine's), so "built" is checked with
what a host would use at boot: the module file under /lib/modules/<kernel>, its modinfo, the
initramfs. The failing build at the end is a test package that does not compile.
"""

import json
import os
import re
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import recap, run_playbook  # noqa: E402

# The open flavour's host has its own file (test_open_flavour.py).
testinfra_hosts = ["ansible://gpulab-nvidia_driver_debian13-1"]

CONVERGE = os.path.join("molecule", "nvidia_driver_debian13", "converge.yml")
MOK_DIR = "/var/lib/gpulab/nvidia-driver/mok"
SIGNER = "gpulab.pytorch_stack DKMS module signing key"
CUDA_HOME = "/usr/lib/nvidia-cuda-toolkit"
HOLD = "/etc/apt/preferences.d/gpulab-kernel-hold.pref"


def boot_kernels(host):
    return sorted(name[len("vmlinuz-"):] for name in host.check_output("ls /boot").split()
                  if name.startswith("vmlinuz-"))


def module_fields(host, kernel, module="nvidia-current"):
    info = host.check_output("modinfo -k %s %s" % (kernel, module))
    return dict(re.findall(r"^(filename|version|vermagic|signer):\s*(.*)$", info, re.M))


@pytest.fixture(scope="module")
def kernel(host):
    """The Debian kernel the prepare installed (the container runs the machine's own)."""
    kernels = boot_kernels(host)
    assert len(kernels) == 1, kernels
    assert kernels[0] != host.check_output("uname -r")
    return kernels[0]


@pytest.fixture(scope="module")
def result(host):
    return json.loads(host.file("/var/lib/gpulab/results/nvidia_driver.json").content_string)


@pytest.fixture(scope="module")
def version(host):
    return host.check_output("dpkg-query -W -f '${Version}' libnvidia-ml1").split("-")[0]


def test_the_role_installed_the_headers_of_the_installed_kernel(host, kernel):
    assert host.package("linux-headers-%s" % kernel).is_installed


def test_the_result_says_built_not_loaded(result, kernel, version):
    assert result["version"] == version and version.startswith("550.")
    assert "built for %s, not loaded (container)" % kernel in result["summary"]
    assert result["next_boot_kernel"] == kernel
    assert result["dkms_module"] == "nvidia-current"
    assert {b["kernel"] for b in result["kernel_builds"]} == {kernel}


def test_the_module_is_built_for_that_kernel(host, kernel, version):
    status = host.check_output("dkms status")
    assert "nvidia-current/%s, %s, x86_64: installed" % (version, kernel) in status
    fields = module_fields(host, kernel)
    assert fields["filename"].startswith("/lib/modules/%s/" % kernel)
    assert host.file(fields["filename"]).exists
    assert fields["version"] == version
    assert fields["vermagic"].split()[0] == kernel


def test_every_built_module_is_signed_with_the_generated_key(host, kernel):
    files = host.check_output("ls /lib/modules/%s/updates/dkms" % kernel).split()
    assert any(f.startswith("nvidia-current.ko") for f in files), files
    for name in files:
        path = "/lib/modules/%s/updates/dkms/%s" % (kernel, name)
        assert host.check_output("modinfo -F signer %s" % path) == SIGNER, name


def test_the_generated_private_key_is_root_only(host):
    key = host.file(MOK_DIR + "/mok.key")
    assert key.exists and key.user == "root" and key.mode == 0o600
    assert host.file(MOK_DIR).mode == 0o700
    conf = host.file("/etc/dkms/framework.conf.d/gpulab-mok.conf").content_string
    assert 'mok_signing_key="%s/mok.key"' % MOK_DIR in conf


def test_the_initramfs_carries_the_nouveau_blacklist(host, kernel):
    listing = host.check_output("lsinitramfs /boot/initrd.img-%s" % kernel).splitlines()
    assert "etc/modprobe.d/gpulab-blacklist-nouveau.conf" in listing


def test_debian13_ships_cuda_12_4_built_against_the_driver_and_it_compiles(host, version):
    assert host.package("nvidia-cuda-toolkit").version.startswith("12.4.")
    # The toolkit's driver libraries are the pinned driver's (one source package, one version).
    assert host.package("libcuda1").version.split("-")[0] == version
    result = json.loads(host.file("/var/lib/gpulab/results/cuda_toolkit.json").content_string)
    assert result["archs_verified"] == ["sm_80", "sm_90"]
    assert result["nvcc"]["12.4"].startswith("12.4.")
    out = host.check_output("bash -lc 'echo $CUDA_HOME; nvcc --version'")
    assert out.splitlines()[0] == CUDA_HOME and "release 12.4" in out


def test_a_failing_build_is_rolled_back_and_the_next_run_is_clean(host, kernel, version):
    failed = run_playbook(CONVERGE, "-e", '{"nvidia_driver_extra_packages": ["gpulab-broken-dkms"]}')
    out = failed.stdout
    assert failed.returncode == 2, out[-3000:]
    # The failure names the module, the kernel, the compiler's error and the make.log.
    assert "Module gpulab-broken/1.0 for kernel %s" % kernel in out, out[-3000:]
    assert "gpulab_api_removed_in_this_kernel" in out
    assert "/var/lib/dkms/gpulab-broken/1.0/build/make.log" in out
    assert "Rolled back: removed gpulab-broken-dkms" in out
    assert "clean (dpkg --audit is empty)" in out
    # The package database is clean, the broken package gone, its log kept.
    assert host.run("dpkg --audit").stdout.strip() == ""
    assert not host.package("gpulab-broken-dkms").is_installed
    assert host.file("/var/log/gpulab/nvidia-driver/gpulab-broken-1.0.make.log").exists
    # The driver's module was not touched by the rollback.
    assert "nvidia-current/%s, %s, x86_64: installed" % (version, kernel) in host.check_output("dkms status")
    again = run_playbook(CONVERGE)
    assert again.returncode == 0, again.stdout[-3000:]
    counts = recap(again.stdout)
    assert counts and all(c["changed"] == 0 and c["failed"] == 0 for c in counts.values()), counts


def test_a_kernel_installed_by_hand_gets_its_module_on_the_next_run_and_can_be_held(host, kernel, version):
    host.run_expect([0], "DEBIAN_FRONTEND=noninteractive apt-get install -y -q "
                         "--no-install-recommends linux-image-cloud-amd64")
    new = [k for k in boot_kernels(host) if k != kernel]
    assert len(new) == 1 and new[0].endswith("-cloud-amd64"), new
    new = new[0]
    assert "%s, x86_64: installed" % new not in host.check_output("dkms status")
    # Meanwhile one module file of the first kernel is lost, while DKMS still lists it as
    # installed: the same run puts it back from DKMS's tree.
    lost = host.check_output("find /lib/modules/%s -name 'nvidia-current-uvm.ko*'" % kernel).split()
    assert len(lost) == 1, lost
    host.run_expect([0], "rm -f %s" % lost[0])
    assert "nvidia-current/%s, %s, x86_64: installed" % (version, kernel) in host.check_output("dkms status")
    hold = '{"nvidia_driver_hold_kernel": true}'
    built = run_playbook(CONVERGE, "-e", hold)
    assert built.returncode == 0, built.stdout[-3000:]
    assert host.file(lost[0]).exists
    assert module_fields(host, kernel, "nvidia-current-uvm")["vermagic"].split()[0] == kernel
    assert host.package("linux-headers-%s" % new).is_installed
    assert "nvidia-current/%s, %s, x86_64: installed" % (version, new) in host.check_output("dkms status")
    fields = module_fields(host, new)
    assert fields["filename"].startswith("/lib/modules/%s/" % new)
    assert fields["version"] == version and fields["vermagic"].split()[0] == new
    assert fields["signer"] == SIGNER
    assert "etc/modprobe.d/gpulab-blacklist-nouveau.conf" in \
        host.check_output("lsinitramfs /boot/initrd.img-%s" % new).splitlines()
    result = json.loads(host.file("/var/lib/gpulab/results/nvidia_driver.json").content_string)
    assert {b["kernel"] for b in result["kernel_builds"]} == {kernel, new}
    assert result["next_boot_kernel"] in (kernel, new)
    # The hold: every installed kernel image and headers package, metapackages included, at
    # its installed version, and apt no longer offers anything newer for them.
    pref = host.file(HOLD).content_string
    for package in ("linux-image-amd64", "linux-image-cloud-amd64", "linux-image-" + kernel,
                    "linux-image-" + new, "linux-headers-" + kernel, "linux-headers-" + new):
        installed = host.package(package).version
        assert "Package: %s\nPin: version %s\nPin-Priority: 1001" % (package, installed) in pref, package
    assert "1001" in host.check_output("apt-cache policy linux-image-amd64")
    again = run_playbook(CONVERGE, "-e", hold)
    assert again.returncode == 0, again.stdout[-3000:]
    counts = recap(again.stdout)
    assert counts and all(c["changed"] == 0 and c["failed"] == 0 for c in counts.values()), counts
    released = run_playbook(CONVERGE)
    assert released.returncode == 0, released.stdout[-3000:]
    counts = recap(released.stdout)
    assert counts and all(c["changed"] == 1 for c in counts.values()), counts
    assert not host.file(HOLD).exists


def test_a_kernel_that_is_not_installed_is_refused_before_any_package(host):
    before = host.check_output("dpkg-query -W -f '${Package} ${Version}\\n'")
    run = run_playbook(CONVERGE, "-e", '{"nvidia_driver_kernels": ["6.99.0-gpulab-missing"]}')
    assert run.returncode == 2
    assert "nvidia_driver_kernels names 6.99.0-gpulab-missing, not installed here" in run.stdout
    assert host.check_output("dpkg-query -W -f '${Package} ${Version}\\n'") == before
