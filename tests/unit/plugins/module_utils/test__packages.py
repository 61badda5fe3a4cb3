# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_packages: the one reader of dpkg-query and rpm listings, and what derives from it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._packages import (
    DPKG_FORMAT,
    RPM_FORMAT,
    PackageSpecError,
    apt_pins,
    dpkg_query_argv,
    installed,
    installed_packages,
    installed_versions,
    missing,
    package_rollback,
    package_rows,
    parse_spec,
    rpm_query_argv,
)

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 4))

# dpkg-query -W -f DPKG_FORMAT rows as Debian 12 prints them for installed, removed-but-configured,
# multiarch, held and never-installed packages, and one a failed postinst left half-configured.
DPKG = (
    "g++\t4:12.2.0-3\tgcc-defaults\tii \n"
    "python3-pip\t23.0.1+dfsg-1\tpython-pip\tii \n"
    "libcudnn9-cuda-12\t9.8.0.87-1\tcudnn\tii \n"
    "nvidia-cuda-toolkit\t11.8.89~11.8.0-5~deb12u1\tnvidia-cuda-toolkit\trc \n"
    "libc6:amd64\t2.36-9+deb12u14\tglibc\tii \n"
    "nvidia-driver-bin\t535.261.03-1~deb12u1\tnvidia-graphics-drivers\thi \n"
    "xz-utils\t\txz-utils\tun \n"
    "nvidia-kernel-dkms\t535.261.03-1~deb12u1\tnvidia-graphics-drivers\tiF \n"
)
# rpm -q --qf RPM_FORMAT on EL9: an epoch, epoch 0, a package that is not installed.
RPM = (
    "gcc-c++\t0:11.5.0-5.el9_5\tgcc-11.5.0-5.el9_5.src.rpm\n"
    "package python3-pip is not installed\n"
    "nvidia-driver-cuda-libs\t3:550.54.15-1.el9\tnvidia-driver-550.54.15-1.el9.src.rpm\n"
    "gpg-pubkey\t0:d4082792-5b32db75\t(none)\n"
)


def test_dpkg_listing_keeps_only_installed_packages():
    found = installed(DPKG, "apt")
    assert found["g++"] == {"4:12.2.0-3"}
    assert "nvidia-cuda-toolkit" not in found  # "rc": removed, only its configuration is left
    assert found["libc6"] == {"2.36-9+deb12u14"}
    assert found["nvidia-driver-bin"] == {"535.261.03-1~deb12u1"}  # held, still installed
    assert "xz-utils" not in found  # known to dpkg, never installed
    assert "nvidia-kernel-dkms" not in found  # its postinst failed: half-configured


def test_every_row_keeps_its_source_package_and_state():
    rows = dict((row["name"], row) for row in package_rows(DPKG, "apt"))
    assert rows["g++"]["source"] == "gcc-defaults"
    assert rows["nvidia-driver-bin"]["source"] == "nvidia-graphics-drivers"
    assert [rows[n]["state"] for n in ("g++", "nvidia-cuda-toolkit", "xz-utils", "nvidia-kernel-dkms")] \
        == ["installed", "absent", "absent", "half"]
    assert [row["name"] for row in installed_packages(DPKG)][:3] == ["g++", "python3-pip", "libcudnn9-cuda-12"]


def test_rpm_listing_drops_epoch_zero_and_packages_that_are_not_installed():
    assert installed_versions(RPM, "dnf") == {"gcc-c++": "11.5.0-5.el9_5",
                                              "nvidia-driver-cuda-libs": "3:550.54.15-1.el9",
                                              "gpg-pubkey": "d4082792-5b32db75"}
    sources = dict((row["name"], row["source"]) for row in installed_packages(RPM, "dnf"))
    assert sources == {"gcc-c++": "gcc", "nvidia-driver-cuda-libs": "nvidia-driver",
                       "gpg-pubkey": "gpg-pubkey"}


@pytest.mark.parametrize("listing", [None, "", "garbage\n", "g++\t4:12.2.0-3\tii \n"])
def test_a_listing_in_another_format_gives_no_rows(listing):
    assert package_rows(listing, "apt") == []


@pytest.mark.skipif(shutil.which("dpkg-query") is None, reason="needs dpkg (Debian)")
def test_this_machines_real_dpkg_listing_reads_as_installed_packages():
    out = subprocess.run(["dpkg-query", "-W", "-f", DPKG_FORMAT], check=True,
                         capture_output=True, text=True, env=dict(os.environ, LC_ALL="C")).stdout
    rows = package_rows(out, "apt")
    assert len(rows) == len(out.splitlines()) > 50
    dpkg = [row for row in rows if row["name"] == "dpkg"]
    assert dpkg and dpkg[0]["state"] == "installed" and dpkg[0]["source"] == "dpkg"
    libc6 = installed_versions(out, "apt")["libc6"]
    assert libc6 == subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libc6"], check=True,
                                   capture_output=True, text=True).stdout


def _role_vars(role):
    with open(os.path.join(REPO, "roles", role, "vars", "main.yml")) as handle:
        return yaml.safe_load(handle)


def test_the_roles_listings_ask_for_the_format_this_module_reads():
    assert _role_vars("nvidia_driver")["__nvidia_driver_dpkg_listing_argv"] \
        == ["dpkg-query", "-W", "-f", DPKG_FORMAT]
    fabric_manager = _role_vars("acceptance")["__acceptance_fm_listing_argv"]
    assert fabric_manager["apt"][:4] == ["dpkg-query", "-W", "-f", DPKG_FORMAT]
    assert fabric_manager["dnf"][:4] == ["rpm", "-q", "--qf", RPM_FORMAT]


def test_pins_install_each_package_once_at_that_version():
    assert apt_pins(["nvidia-driver", "libcuda1", "nvidia-driver"], "550.163.01-2") \
        == ["nvidia-driver=550.163.01-2", "libcuda1=550.163.01-2"]
    assert apt_pins([], "1:2.0-1") == []
    assert apt_pins(["libnvidia-ml1"], "535.216.03-2~bpo12+1") == ["libnvidia-ml1=535.216.03-2~bpo12+1"]


@pytest.mark.parametrize("names, version", [
    (["nvidia-driver"], ""), (["nvidia-driver"], None), (["nvidia-driver"], "550.*"),
    (["nvidia-driver"], "latest"), (["nvidia-driver"], "550 -2"), (["nvidia-driver=550"], "550-1"),
    (["nvidia-*"], "550-1"), (["/tmp/x.deb"], "550-1"),
])
def test_pins_refuse_what_apt_would_not_read_as_one_version(names, version):
    with pytest.raises(PackageSpecError):
        apt_pins(names, version)


BEFORE = (
    "nvidia-driver\t535.261.03-1\tnvidia-graphics-drivers\tii \n"
    "nvidia-kernel-dkms\t535.261.03-1\tnvidia-graphics-drivers\tii \n"
    "dkms\t3.0.10-8\tdkms\tii \n"
    "nvidia-smi\t535.261.03-1\tnvidia-graphics-drivers\trc \n"
)
AFTER = (
    "nvidia-driver\t550.163.01-2\tnvidia-graphics-drivers\tiU \n"
    "nvidia-kernel-dkms\t550.163.01-2\tnvidia-graphics-drivers\tiF \n"
    "dkms\t3.0.10-8\tdkms\tii \n"
    "nvidia-smi\t550.163.01-2\tnvidia-graphics-drivers\tiU \n"
    "gpulab-broken-dkms\t1.0\tgpulab-broken-dkms\tiF \n"
    "xz-utils\t\txz-utils\tun \n"
)


def test_a_rollback_removes_what_the_install_added_and_puts_back_what_it_changed():
    assert package_rollback(BEFORE, AFTER) == {
        # nvidia-smi was only configuration files before: the install added it
        "added": ["gpulab-broken-dkms", "nvidia-smi"],
        "changed": ["nvidia-driver=535.261.03-1", "nvidia-kernel-dkms=535.261.03-1"],
    }


def test_a_rollback_puts_back_what_the_install_removed():
    """A flavour switch: apt swapped the proprietary module package for the open one (left
    half-configured by its failing build), leaving the first only as configuration files."""
    before = ("nvidia-kernel-dkms\t550.163.01-2\tnvidia-graphics-drivers\tii \n"
              "nvidia-kernel-support\t550.163.01-2\tnvidia-graphics-drivers\tii \n"
              "libnvidia-ml1\t550.163.01-2\tnvidia-graphics-drivers\tii \n")
    after = ("nvidia-kernel-dkms\t550.163.01-2\tnvidia-graphics-drivers\trc \n"
             "nvidia-open-kernel-dkms\t550.163.01-2\tnvidia-graphics-drivers\tiF \n"
             "nvidia-open-kernel-support\t550.163.01-2\tnvidia-graphics-drivers\tii \n"
             "libnvidia-ml1\t550.163.01-2\tnvidia-graphics-drivers\tii \n")
    assert package_rollback(before, after) == {
        "added": ["nvidia-open-kernel-dkms", "nvidia-open-kernel-support"],
        "changed": ["nvidia-kernel-dkms=550.163.01-2", "nvidia-kernel-support=550.163.01-2"],
    }


def test_nothing_to_undo_without_a_listing_from_before_or_when_nothing_changed():
    assert package_rollback(None, AFTER) == {"added": [], "changed": []}
    assert package_rollback(BEFORE, BEFORE) == {"added": [], "changed": []}


def test_missing_keeps_the_order_of_the_specs():
    found = installed(DPKG, "apt")
    specs = ["python3-pip", "nvidia-cuda-toolkit", "g++", "xz-utils"]
    assert missing(specs, found, "apt") == ["nvidia-cuda-toolkit", "xz-utils"]
    assert missing(["g++", "python3-pip"], found, "apt") == []


def test_a_pinned_version_must_be_the_installed_one():
    found = installed(DPKG, "apt")
    assert missing(["libcudnn9-cuda-12=9.8.0.87-1"], found, "apt") == []
    assert missing(["libcudnn9-cuda-12=9.10.2.21-1"], found, "apt") == ["libcudnn9-cuda-12=9.10.2.21-1"]


@pytest.mark.parametrize("spec, manager", [
    ("python3-*", "apt"), ("libfoo=1.*", "apt"), ("libfoo=", "apt"), ("libfoo>=1.0", "dnf"),
    ("/tmp/foo.deb", "apt"), ("", "apt"), ("foo[bar]", "dnf"),
])
def test_patterns_paths_and_ranges_are_refused(spec, manager):
    with pytest.raises(PackageSpecError):
        parse_spec(spec, manager)


def test_rpm_specs_are_names():
    assert parse_spec("gcc-c++", "dnf") == ("gcc-c++", None)
    assert parse_spec("cuda-toolkit-12-8", "dnf") == ("cuda-toolkit-12-8", None)


def test_query_command_lines_ask_once_for_each_name():
    argv = dpkg_query_argv(["g++", "libcudnn9-cuda-12=9.8.0.87-1", "g++"])
    assert argv[:3] == ["dpkg-query", "-W", "-f"]
    assert argv[3] == "${Package}\\t${Version}\\t${source:Package}\\t${db:Status-Abbrev}\\n"
    assert argv[4:] == ["--", "g++", "libcudnn9-cuda-12"]
    assert rpm_query_argv(["xz", "tar"])[-3:] == ["--", "tar", "xz"]
