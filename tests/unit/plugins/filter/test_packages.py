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
