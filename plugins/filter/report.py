# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster report's data for its templates (``plugins/module_utils/_report.py``) and the
run summary's slowest steps (``plugins/module_utils/_steps.py``); their documentation is
``report_table.yml`` and ``slowest_steps.yml`` next to this file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._report import (
    DEFAULT_TITLE,
    ReportError,
    report_data,
)
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._steps import (
    StepsError,
    slowest_steps as _slowest_steps,
)


def slowest_steps(steps, count=5):
    try:
        return _slowest_steps(steps, count)
    except StepsError as err:
        raise AnsibleFilterError("gpulab.pytorch_stack.slowest_steps: %s" % err)


def report_table(rows, title=DEFAULT_TITLE):
    if not isinstance(rows, (list, tuple)):
        raise AnsibleFilterError("gpulab.pytorch_stack.report_table: the rows are a %s, expected "
                                 "a list of dicts (one per host and GPU)" % type(rows).__name__)
    try:
        return report_data(list(rows), title)
    except ReportError as err:
        raise AnsibleFilterError("gpulab.pytorch_stack.report_table: %s" % err)


class FilterModule(object):
    def filters(self):
        return {"report_table": report_table, "slowest_steps": slowest_steps}
