# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Render the nvidia_driver role's OS data and templates for every supported system.

NVIDIA's CUDA repository cannot be reached from CI, so the cuda_repo source is checked here:
the role's own vars files and templates, rendered with Ansible's templating exactly as the role
uses them (first_found order, defaults, vars/main.yml), for Debian 12, Ubuntu 22.04/24.04 and
RHEL-family 8/9. What these tests cannot show is that NVIDIA's servers serve what the names and
URLs point to.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles", "nvidia_driver")
NVIDIA_KEY = "EB693B3035CD5710E231E123A4B469963BF863CC"


def _trusted(value):
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {key: _trusted(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_trusted(item) for item in value]
    return value


def _vars_file(facts):
    """The file the role's first_found picks, most specific first."""
    for name in ("%s_%s.yml" % (facts["distribution"], facts["distribution_major_version"]),
                 "%s.yml" % facts["distribution"], "%s.yml" % facts["os_family"]):
        if os.path.exists(os.path.join(ROLE, "vars", name)):
            return name
    raise AssertionError("no vars file for %r" % (facts,))


SYSTEMS = {
    "debian12": {"distribution": "Debian", "distribution_major_version": "12",
                 "distribution_version": "12.8", "os_family": "Debian"},
    "debian13": {"distribution": "Debian", "distribution_major_version": "13",
                 "distribution_version": "13.2", "os_family": "Debian"},
    "ubuntu2204": {"distribution": "Ubuntu", "distribution_major_version": "22",
                   "distribution_version": "22.04", "os_family": "Debian"},
    "ubuntu2404": {"distribution": "Ubuntu", "distribution_major_version": "24",
                   "distribution_version": "24.04", "os_family": "Debian"},
    "rhel8": {"distribution": "RedHat", "distribution_major_version": "8",
              "distribution_version": "8.10", "os_family": "RedHat"},
    "rhel9": {"distribution": "Rocky", "distribution_major_version": "9",
              "distribution_version": "9.5", "os_family": "RedHat"},
}


class Role(object):
    """The role's variables for one system and choice, rendered like Ansible renders them."""

    def __init__(self, system, arch="x86_64", **choices):
        loader = DataLoader()
        facts = dict(SYSTEMS[system], architecture=arch, kernel="6.1.0-27-amd64")
        self.vars_file = _vars_file(facts)
        variables = {}
        for path in ("defaults/main.yml", "vars/main.yml", "vars/" + self.vars_file):
            variables.update(loader.load_from_file(os.path.join(ROLE, path)))
        variables.update(choices)
        variables = _trusted(variables)
        variables.update(ansible_facts=facts, ansible_managed="Ansible managed")
        self.templar = Templar(loader=loader, variables=variables)

    def __getitem__(self, name):
        return self.templar.template(trust_as_template("{{ %s }}" % name))

    def render(self, template):
        with open(os.path.join(ROLE, "templates", template)) as handle:
            return self.templar.template(trust_as_template(handle.read()))


def cuda(system, modules="open", branch="580", arch="x86_64", **more):
    choices = dict(nvidia_driver_source="cuda_repo", __nvidia_driver_modules=modules,
                   __nvidia_driver_branch=branch)
    choices.update(more)
    return Role(system, arch=arch, **choices)


@pytest.mark.parametrize("system, vars_file", [
    ("debian12", "Debian_12.yml"), ("debian13", "Debian_13.yml"), ("ubuntu2204", "Ubuntu.yml"),
    ("ubuntu2404", "Ubuntu.yml"), ("rhel8", "RedHat.yml"), ("rhel9", "RedHat.yml"),
])
def test_first_found_picks_the_system_file(system, vars_file):
    assert Role(system).vars_file == vars_file


@pytest.mark.parametrize("system, arch, base", [
    ("debian12", "x86_64", "https://developer.download.nvidia.com/compute/cuda/repos/debian12/x86_64/"),
    ("ubuntu2204", "x86_64", "https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2204/x86_64/"),
    ("ubuntu2404", "aarch64", "https://developer.download.nvidia.com/compute/cuda/repos/ubuntu2404/sbsa/"),
    ("rhel8", "x86_64", "https://developer.download.nvidia.com/compute/cuda/repos/rhel8/x86_64/"),
    ("rhel9", "x86_64", "https://developer.download.nvidia.com/compute/cuda/repos/rhel9/x86_64/"),
])
def test_repository_url(system, arch, base):
    assert cuda(system, arch=arch)["__nvidia_driver_cuda_repo_base"] == base


def test_a_lab_mirror_replaces_the_base_url():
    role = cuda("ubuntu2404", nvidia_driver_cuda_repo_url="https://mirror.lab.example/cuda/")
    assert role["__nvidia_driver_cuda_repo_base"] == \
        "https://mirror.lab.example/cuda/ubuntu2404/x86_64/"
    assert role["__nvidia_driver_cuda_repo_key"] == \
        "https://mirror.lab.example/cuda/ubuntu2404/x86_64/3bf863cc.pub"


@pytest.mark.parametrize("system, key_file, fingerprint", [
    ("debian12", "3bf863cc.pub", NVIDIA_KEY),
    ("ubuntu2204", "3bf863cc.pub", NVIDIA_KEY),
    ("ubuntu2404", "3bf863cc.pub", NVIDIA_KEY),
    ("rhel8", "D42D0685.pub", ""),
    ("rhel9", "D42D0685.pub", ""),
])
def test_repository_key_and_fingerprint(system, key_file, fingerprint):
    role = cuda(system)
    assert role["__nvidia_driver_cuda_repo_key"].endswith("/" + key_file)
    assert role["__nvidia_driver_cuda_repo_fingerprint"] == fingerprint


def test_a_fingerprint_with_spaces_is_normalised():
    role = cuda("rhel9", nvidia_driver_cuda_repo_key_fingerprint="eb69 3b30 35cd 5710 e231  e123 a4b4 6996 3bf8 63cc")
    assert role["__nvidia_driver_cuda_repo_fingerprint"] == NVIDIA_KEY


@pytest.mark.parametrize("system, apt_arch", [("debian12", "amd64"), ("ubuntu2404", "arm64")])
def test_apt_source_is_signed_by_the_keyring_never_trusted(system, apt_arch):
    arch = "aarch64" if apt_arch == "arm64" else "x86_64"
    source = cuda(system, arch=arch).render("cuda-repo.list.j2")
    line = [text for text in source.splitlines() if text.startswith("deb ")]
    distro = "debian12" if system == "debian12" else "ubuntu2404"
    folder = "sbsa" if arch == "aarch64" else "x86_64"
    assert line == ["deb [arch=%s signed-by=/etc/apt/keyrings/gpulab-cuda-archive-keyring.asc] "
                    "https://developer.download.nvidia.com/compute/cuda/repos/%s/%s/ /"
                    % (apt_arch, distro, folder)]
    assert "trusted=yes" not in source


@pytest.mark.parametrize("system, modules, packages, version_package", [
    ("debian12", "open", ["nvidia-open-580"], "nvidia-open-580"),
    ("debian12", "proprietary", ["cuda-drivers-580"], "cuda-drivers-580"),
    ("ubuntu2204", "open", ["nvidia-open-580"], "nvidia-open-580"),
    ("ubuntu2404", "proprietary", ["cuda-drivers-580"], "cuda-drivers-580"),
    ("rhel8", "open", ["nvidia-driver-cuda", "kmod-nvidia-open-dkms"], "nvidia-driver-cuda-libs"),
    ("rhel9", "proprietary", ["nvidia-driver-cuda", "kmod-nvidia-latest-dkms"],
     "nvidia-driver-cuda-libs"),
])
def test_cuda_repo_packages(system, modules, packages, version_package):
    role = cuda(system, modules=modules)
    assert role["__nvidia_driver_package_set"] == packages
    assert role["__nvidia_driver_version_package[nvidia_driver_source]"] == version_package


@pytest.mark.parametrize("modules, stream", [("open", "nvidia-driver:580-open"),
                                             ("proprietary", "nvidia-driver:580-dkms")])
def test_rhel_module_stream(modules, stream):
    assert cuda("rhel9", modules=modules)["__nvidia_driver_dnf_module_stream"] == stream


def test_apt_pin_for_the_cuda_repo_holds_the_upstream_version():
    role = cuda("ubuntu2404", __nvidia_driver_target_version="580.95.05",
                __nvidia_driver_target_package_version="580.95.05-0ubuntu1")
    pin = role.render("apt-preferences.pref.j2")
    stanzas = [block.strip().splitlines() for block in pin.split("\n\n")[1:]]
    assert ["Package: *nvidia*", "Pin: version 580.95.05-*", "Pin-Priority: 1001"] in stanzas
    assert ["Package: cuda-drivers*", "Pin: version 580.95.05-*", "Pin-Priority: 1001"] in stanzas


def test_dnf_versionlock_holds_the_exact_version():
    role = cuda("rhel9", __nvidia_driver_target_package_version="3:580.95.05-1.el9")
    lines = role.render("versionlock.list.j2").split()
    assert "nvidia-driver*-3:580.95.05-1.el9.*" in lines
    assert "kmod-nvidia-*-3:580.95.05-1.el9.*" in lines


# ---- distro source ------------------------------------------------------------------------

def distro(system, modules="proprietary", branch="535", **more):
    choices = dict(nvidia_driver_source="distro", __nvidia_driver_modules=modules,
                   __nvidia_driver_branch=branch)
    choices.update(more)
    return Role(system, **choices)


def test_debian_headless_set_and_exact_pin():
    role = distro("debian12", __nvidia_driver_target_package_version="535.261.03-1",
                  __nvidia_driver_target_version="535.261.03")
    assert role["__nvidia_driver_package_set"] == [
        "nvidia-kernel-dkms", "libnvidia-ml1", "nvidia-smi", "libcuda1"]
    assert role["__nvidia_driver_other_packages"] == ["nvidia-persistenced"]
    pin = role.render("apt-preferences.pref.j2")
    assert "Package: src:nvidia-graphics-drivers\nPin: version 535.261.03-1\nPin-Priority: 1001" in pin


def test_debian_open_modules():
    assert distro("debian12", modules="open")["__nvidia_driver_package_set"][0] == \
        "nvidia-open-kernel-dkms"


@pytest.mark.parametrize("server, modules, packages, version_package", [
    (True, "open", ["nvidia-headless-570-server-open", "nvidia-utils-570-server"],
     "libnvidia-compute-570-server"),
    (True, "proprietary", ["nvidia-headless-570-server", "nvidia-utils-570-server"],
     "libnvidia-compute-570-server"),
    (False, "open", ["nvidia-headless-570-open", "nvidia-utils-570"], "libnvidia-compute-570"),
])
def test_ubuntu_distro_packages(server, modules, packages, version_package):
    role = distro("ubuntu2404", modules=modules, branch="570", nvidia_driver_ubuntu_server=server)
    assert role["__nvidia_driver_package_set"] == packages
    assert role["__nvidia_driver_version_package[nvidia_driver_source]"] == version_package


def test_ubuntu_full_driver_when_not_headless():
    role = distro("ubuntu2204", modules="open", branch="570", nvidia_driver_headless=False)
    assert role["__nvidia_driver_package_set"] == ["nvidia-driver-570-server-open"]


def test_rhel_has_no_distro_source():
    assert cuda("rhel9")["__nvidia_driver_sources_supported"] == ["cuda_repo"]


def test_kernel_headers_for_every_kernel_built_for():
    kernels = ["6.1.0-27-amd64", "6.1.0-28-amd64"]
    assert distro("debian12", __nvidia_driver_build_kernels=kernels)["__nvidia_driver_kernel_headers"] == [
        "linux-headers-6.1.0-27-amd64", "linux-headers-6.1.0-28-amd64"]
    assert distro("debian13", __nvidia_driver_build_kernels=[])["__nvidia_driver_kernel_headers"] == []
    assert cuda("rhel9", __nvidia_driver_build_kernels=kernels[:1])["__nvidia_driver_kernel_headers"] == [
        "kernel-devel-6.1.0-27-amd64", "kernel-headers-6.1.0-27-amd64"]


def test_every_kernel_gets_its_initramfs():
    assert distro("debian13")["__nvidia_driver_initramfs_command"] == ["update-initramfs", "-u", "-k", "all"]
    assert cuda("rhel9")["__nvidia_driver_initramfs_command"] == ["dracut", "--force", "--regenerate-all"]


def test_debian13_offers_550_from_debian_in_both_flavours():
    role = distro("debian13", branch="550")
    assert role["__nvidia_driver_sources_supported"] == ["distro"]
    assert role["__nvidia_driver_default_branch"] == {"distro": "550"}
    assert role["__nvidia_driver_package_set"] == ["nvidia-kernel-dkms", "libnvidia-ml1", "nvidia-smi", "libcuda1"]
    assert distro("debian13", modules="open", branch="550")["__nvidia_driver_package_set"][0] == \
        "nvidia-open-kernel-dkms"


def test_a_generated_machine_owner_key_lives_root_only_and_dkms_signs_with_it():
    role = distro("debian13", nvidia_driver_mok_generate=True)
    assert role["__nvidia_driver_mok_key"] == "/var/lib/gpulab/nvidia-driver/mok/mok.key"
    conf = role.render("dkms-mok.conf.j2")
    assert 'mok_signing_key="/var/lib/gpulab/nvidia-driver/mok/mok.key"' in conf
    assert 'mok_certificate="/var/lib/gpulab/nvidia-driver/mok/mok.der"' in conf
    own = distro("debian13", nvidia_driver_mok_key="/root/mok.key", nvidia_driver_mok_cert="/root/mok.der")
    assert 'mok_signing_key="/root/mok.key"' in own.render("dkms-mok.conf.j2")
    assert distro("debian13")["__nvidia_driver_mok_key"] == ""


def test_default_branches():
    assert distro("debian12")["__nvidia_driver_default_branch"] == {"distro": "535",
                                                                    "cuda_repo": "580"}
