#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: cluster_report
short_description: Write the cluster acceptance report as Markdown, HTML and JSON
version_added: 0.2.0
description:
  - Renders one row per host and GPU (the acceptance trainer's JSON reports, plus rows for
    hosts that could not run) into C(report.md), C(report.html) and C(report.json) in
    O(dest_dir).
  - Rows are sorted failures first (a row whose C(passed) is missing counts as a failure),
    then by host, then by GPU index. CPU runs are labelled C(CPU) in every format.
  - The HTML page is self-contained (inline CSS, no scripts) with an inline SVG bar chart of
    images per second per host and GPU; CPU bars are grey and say C(CPU).
  - A file is written only when its content changes, and the files hold nothing but what the
    rows and O(title) say (no timestamps), so a re-run with the same results reports no change.
  - "Usually run on the controller with C(delegate_to: localhost) and C(run_once: true)."
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  rows:
    description:
      - One dict per host and GPU. Recognised keys (all optional but C(host)) are
        C(host), C(gpu_index), C(gpu_name), C(compute_capability), C(device_kind) (C(GPU) or
        C(CPU)), C(driver_version), C(cuda_runtime_version), C(cudnn_version),
        C(torch_version), C(data_source), C(epoch_seconds), C(images_per_second),
        C(test_accuracy) (a fraction, 0 to 1), C(passed), C(reasons) (list of strings),
        C(nvml_state) and C(remedy) (for hosts that could not run).
      - The acceptance trainer's JSON report is such a row. Other keys are kept in
        C(report.json) only.
    type: list
    elements: dict
    required: true
  dest_dir:
    description:
      - Folder for the report files; created (with its parents) when missing.
    type: path
    required: true
  title:
    description:
      - Heading of the report. Put a date here if you want one; the module adds none.
    type: str
    default: GPU cluster acceptance report
  formats:
    description:
      - Which files to write.
    type: list
    elements: str
    choices: [md, html, json]
    default: [md, html, json]
"""

EXAMPLES = r"""
- name: Collect every host's acceptance report into one cluster report
  gpulab.pytorch_stack.cluster_report:
    rows: "{{ ansible_play_hosts | map('extract', hostvars, ['acceptance_result', 'reports'])
              | flatten }}"
    dest_dir: "{{ playbook_dir }}/reports"
    title: "Acceptance, lab A"
  delegate_to: localhost
  run_once: true

- name: Only the Markdown file, for a pull request comment
  gpulab.pytorch_stack.cluster_report:
    rows:
      - host: gpu01
        gpu_index: 0
        gpu_name: NVIDIA H100 80GB HBM3
        device_kind: GPU
        images_per_second: 412000
        test_accuracy: 0.52
        passed: true
      - host: gpu02
        passed: false
        nvml_state: driver/library version mismatch
        remedy: reboot the host to load the new kernel module
    dest_dir: /tmp/gpulab-report
    formats: [md]
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
files:
  description: The report files, by format, whether or not they changed.
  returned: always
  type: dict
  sample: {"md": "/srv/reports/report.md", "html": "/srv/reports/report.html",
           "json": "/srv/reports/report.json"}
changed_files:
  description: The files that were (or in check mode would be) written.
  returned: always
  type: list
  elements: str
  sample: ["/srv/reports/report.html"]
summary:
  description: Counts over the rows.
  returned: always
  type: dict
  contains:
    rows:
      description: Number of rows.
      type: int
      sample: 9
    hosts:
      description: Number of distinct hosts.
      type: int
      sample: 3
    passed:
      description: Rows that passed.
      type: int
      sample: 8
    failed:
      description: Rows that failed or did not run.
      type: int
      sample: 1
    cpu_rows:
      description: Rows that trained on the CPU.
      type: int
      sample: 0
failed_hosts:
  description: Hosts with at least one row that did not pass, sorted.
  returned: always
  type: list
  elements: str
  sample: ["gpu02"]
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._report import (
    FILE_NAMES,
    ReportError,
    render,
    sort_rows,
    summarize,
)
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import write_if_changed


def main():
    module = AnsibleModule(
        argument_spec=dict(
            rows=dict(type="list", elements="dict", required=True),
            dest_dir=dict(type="path", required=True),
            title=dict(type="str", default="GPU cluster acceptance report"),
            formats=dict(type="list", elements="str", choices=["md", "html", "json"],
                         default=["md", "html", "json"]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    try:
        rows = sort_rows(p["rows"])
        contents = render(rows, p["title"], p["formats"])
    except ReportError as exc:
        module.fail_json(msg="cannot build the cluster report: %s" % exc)

    dest_dir = p["dest_dir"]
    files, changed_files = {}, []
    for fmt in p["formats"]:
        path = os.path.join(dest_dir, FILE_NAMES[fmt])
        files[fmt] = path
        try:
            if not module.check_mode and not os.path.isdir(dest_dir):
                os.makedirs(dest_dir)
            if write_if_changed(path, contents[FILE_NAMES[fmt]], check_mode=module.check_mode):
                changed_files.append(path)
        except (IOError, OSError) as exc:
            module.fail_json(msg="cannot write %s: %s" % (path, exc), files=files)

    module.exit_json(
        changed=bool(changed_files), files=files, changed_files=changed_files,
        summary=summarize(rows),
        failed_hosts=sorted(set(r["host"] for r in rows if r["passed"] is not True)),
    )


if __name__ == "__main__":
    main()
