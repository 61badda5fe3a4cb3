# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The package-listing filters as Jinja2 calls them: registered, errors name the filter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.filter.packages import FilterModule

FILTERS = FilterModule().filters()
LISTING = "linux-image-6.1.0-41-amd64\t6.1.158-1\tlinux-signed-amd64\tii \n"


def test_the_filters_are_registered():
    assert FILTERS["installed_packages"](LISTING)[0]["source"] == "linux-signed-amd64"
    assert FILTERS["apt_pins"](["libcuda1"], "550.163.01-2") == ["libcuda1=550.163.01-2"]
    assert FILTERS["package_rollback"](None, LISTING) == {"added": [], "changed": []}


def test_a_bad_pin_fails_naming_the_filter_and_the_value():
    with pytest.raises(AnsibleFilterError,
                       match=r"gpulab.pytorch_stack.apt_pins: '550\.\*' is not a Debian package version"):
        FILTERS["apt_pins"](["libcuda1"], "550.*")


def test_missing_packages_reads_the_listing_of_package_query_argv():
    specs = ["python3-pip", "g++=4:12.2.0-3", "gpulab-no-such-package", "bzip2=1.0.8-4"]
    argv = FILTERS["package_query_argv"](specs, "apt")
    assert argv[:2] == ["dpkg-query", "-W"]
    assert argv[argv.index("--") + 1:] == ["bzip2", "g++", "gpulab-no-such-package", "python3-pip"]
    # What dpkg-query prints for them: bzip2 at another version, python3-pip unpacked only (a
    # cut transaction), the unknown name on stderr.
    listing = ("bzip2\t1.0.8-5\t\tii \n"
               "g++\t4:12.2.0-3\tgcc-defaults\tii \n"
               "python3-pip\t23.0.1+dfsg-1\tpython-pip\tiU \n")
    assert FILTERS["missing_packages"](listing, specs, "apt") == [
        "python3-pip", "gpulab-no-such-package", "bzip2=1.0.8-4"]
    assert FILTERS["missing_packages"](listing, ["g++", "bzip2"], "apt") == []


def test_missing_packages_on_rpm_hosts():
    argv = FILTERS["package_query_argv"](["gcc-c++", "python3-pip"], "dnf")
    assert argv[:2] == ["rpm", "-q"]
    listing = ("gcc-c++\t0:11.5.0-2.el9\tgcc-11.5.0-2.el9.src.rpm\n"
               "package python3-pip is not installed\n")
    assert FILTERS["missing_packages"](listing, ["gcc-c++", "python3-pip"], "dnf") == ["python3-pip"]


def test_a_pattern_is_refused_before_anything_is_asked():
    with pytest.raises(AnsibleFilterError, match=r"package_query_argv: cannot check 'python3-\*'"):
        FILTERS["package_query_argv"](["python3-*"], "apt")
