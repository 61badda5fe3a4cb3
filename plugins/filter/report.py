# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster report's data for its templates (``plugins/module_utils/_report.py``); its
documentation is ``report_table.yml`` next to this file."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._report import (
    DEFAULT_TITLE,
    ReportError,
    report_data,
)


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
        return {"report_table": report_table}
