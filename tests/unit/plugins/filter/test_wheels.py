# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The wheel_platform_tags filter as Jinja2 calls it: registered, errors name it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.filter.wheels import FilterModule


def test_the_filter_gives_the_tags_and_names_itself_on_a_bad_name():
    wheel_platform_tags = FilterModule().filters()["wheel_platform_tags"]
    assert wheel_platform_tags("ninja-1.13.2-py3-none-manylinux_2_28_x86_64.whl") == [
        "manylinux_2_28_x86_64"]
    with pytest.raises(AnsibleFilterError,
                       match=r"wheel_platform_tags: 'ninja.zip' is not a wheel file name"):
        wheel_platform_tags("ninja.zip")
