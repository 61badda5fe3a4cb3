# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report_table and slowest_steps filters as Jinja2 calls them: errors name the filter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.filter.report import (
    report_table,
    slowest_steps,
)


def test_report_table_names_itself_and_refuses_what_is_no_list():
    with pytest.raises(AnsibleFilterError, match=r"report_table: row 0 has no host"):
        report_table([{"gpu_index": 0}])
    with pytest.raises(AnsibleFilterError, match=r"report_table: the rows are a str"):
        report_table("gpu01")
    assert report_table([{"host": "a", "passed": True}], "Lab")["title"] == "Lab"


@pytest.mark.parametrize("steps, count, message", [
    ([{"delta": "0:00:01.0"}], 5, "the steps are a list"),
    ({"a": {"delta": "0:00:01.0"}}, 0, "count is 0"),
])
def test_slowest_steps_names_itself(steps, count, message):
    with pytest.raises(AnsibleFilterError, match="slowest_steps: " + message):
        slowest_steps(steps, count)
    assert slowest_steps({"pip": {"delta": "0:02:05.0"}}, 1)[0]["text"] == "pip: 2 min 05 s"
