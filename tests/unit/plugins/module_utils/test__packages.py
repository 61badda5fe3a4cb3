# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._packages import (
    PackageSpecError,
    dpkg_query_argv,
    installed_from_dpkg,
    installed_from_rpm,
    missing,
    parse_spec,
    rpm_query_argv,
)

# What dpkg-query -W -f '${Package}\t${Version}\t${db:Status-Abbrev}\n' printed on Debian 12
# for installed, removed-but-configured and multiarch packages.
DPKG = (
    "g++\t4:12.2.0-3\tii \n"
    "python3-pip\t23.0.1+dfsg-1\tii \n"
    "libcudnn9-cuda-12\t9.8.0.87-1\tii \n"
    "nvidia-cuda-toolkit\t11.8.89~11.8.0-5~deb12u1\trc \n"
    "libc6:amd64\t2.36-9+deb12u14\tii \n"
    "nvidia-driver-bin\t535.261.03-1~deb12u1\thi \n"
    "xz-utils\t5.4.1-1\tun \n"
)
RPM = (
    "gcc-c++\t11.5.0-5.el9_5\n"
    "package python3-pip is not installed\n"
    "xz\t5.2.5-8.el9_0\n"
)


def test_dpkg_listing_keeps_only_installed_packages():
    found = installed_from_dpkg(DPKG)
    assert found["g++"] == {"4:12.2.0-3"}
    assert "nvidia-cuda-toolkit" not in found  # "rc": removed, only its configuration is left
    assert found["libc6"] == {"2.36-9+deb12u14"}
    assert found["nvidia-driver-bin"] == {"535.261.03-1~deb12u1"}  # held, still installed
    assert "xz-utils" not in found  # known to dpkg, never installed


def test_rpm_listing_skips_packages_that_are_not_installed():
    assert installed_from_rpm(RPM) == {"gcc-c++": {"11.5.0-5.el9_5"}, "xz": {"5.2.5-8.el9_0"}}


def test_missing_keeps_the_order_of_the_specs():
    found = installed_from_dpkg(DPKG)
    specs = ["python3-pip", "nvidia-cuda-toolkit", "g++", "xz-utils"]
    assert missing(specs, found, "apt") == ["nvidia-cuda-toolkit", "xz-utils"]
    assert missing(["g++", "python3-pip"], found, "apt") == []


def test_a_pinned_version_must_be_the_installed_one():
    found = installed_from_dpkg(DPKG)
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
    assert argv[3] == "${Package}\\t${Version}\\t${db:Status-Abbrev}\\n"
    assert argv[4:] == ["--", "g++", "libcudnn9-cuda-12"]
    assert rpm_query_argv(["xz", "tar"])[-3:] == ["--", "tar", "xz"]
