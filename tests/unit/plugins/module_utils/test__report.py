# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._report import (
    ReportError,
    report_data,
    sort_rows,
)


def gpu(host, index, passed=True, ips=400000.0, **extra):
    row = {"host": host, "gpu_index": index, "gpu_name": "NVIDIA H100 80GB HBM3",
           "compute_capability": "9.0", "device_kind": "GPU", "driver_version": "580.65.06",
           "cuda_runtime_version": "13.0", "cudnn_version": "9.24.0", "torch_version": "2.14.1",
           "data_source": "url", "epoch_seconds": 0.42, "images_per_second": ips,
           "test_accuracy": 0.5234, "passed": passed, "reasons": [] if passed else ["slow"]}
    row.update(extra)
    return row


def cpu(host, passed=True):
    return {"host": host, "device_kind": "CPU", "gpu_index": None, "epoch_seconds": 2.5,
            "images_per_second": 20000.0, "test_accuracy": 0.61, "passed": passed,
            "data_source": "synthetic", "reasons": []}


def unreachable(host):
    return {"host": host, "passed": None, "nvml_state": "driver/library version mismatch",
            "remedy": "reboot to load the new kernel module"}


def table_hosts(rows):
    """(status, host) of each table row, in order."""
    return [tuple(row["cells"][:2]) for row in report_data(rows)["table"]]


@pytest.mark.parametrize("rows, expected", [
    ([gpu("b", 0), gpu("a", 1), gpu("a", 0)], [("PASS", "a"), ("PASS", "a"), ("PASS", "b")]),
    ([gpu("a", 0), gpu("z", 0, passed=False)], [("FAIL", "z"), ("PASS", "a")]),
    ([gpu("a", 0), unreachable("m"), gpu("b", 0, passed=False)],
     [("FAIL", "b"), ("NOT RUN", "m"), ("PASS", "a")]),
    ([cpu("a"), gpu("a", 0)], [("PASS", "a"), ("PASS", "a")]),
])
def test_failures_come_first_then_host(rows, expected):
    assert table_hosts(rows) == expected


@pytest.mark.parametrize("rows, order", [
    ([gpu("a", 10), gpu("a", 2), gpu("a", 0)], [0, 2, 10]),
    ([cpu("a"), gpu("a", 1), gpu("a", 0)], [0, 1, None]),
])
def test_gpu_index_orders_rows_of_one_host(rows, order):
    assert [r["gpu_index"] for r in sort_rows(rows)] == order


def test_cpu_rows_say_cpu():
    data = report_data([cpu("laptop")])
    assert data["table"][0]["cells"][2] == "CPU"
    assert data["summary_line"].endswith("1 ran on the CPU.")
    assert data["chart"]["bars"][0]["label"] == "laptop [CPU]"
    assert data["chart"]["bars"][0]["value"].endswith("(CPU)")


def test_table_row_shows_gpu_and_figures():
    row = report_data([gpu("gpu01", 3, driver_version="580.65.06")])["table"][0]
    assert row["passed"] is True
    assert row["cells"] == ["PASS", "gpu01", "GPU 3 NVIDIA H100 80GB HBM3 (CC 9.0)", "580.65.06",
                            "13.0", "9.24.0", "2.14.1", "url", "0.42", "400,000", "52.3%", "-", "-"]
    assert report_data([])["headers"] == ["Status", "Host", "Device", "Driver", "CUDA", "cuDNN",
                                          "torch", "Data", "Epoch s", "Images/s", "Accuracy",
                                          "Checks", "Notes"]


@pytest.mark.parametrize("rows, css", [
    ([gpu("a", 0), gpu("a", 1), gpu("b", 0)], ["bar", "bar", "bar"]),
    ([gpu("a", 0), cpu("b")], ["bar", "bar cpu"]),
    ([gpu("a", 0), unreachable("b")], ["bar"]),      # a host that did not run gets no bar
    ([gpu("a", 0, passed=False), gpu("b", 0)], ["bar fail", "bar"]),
    ([gpu("a", 0, ips=None)], []),
])
def test_one_bar_per_row_with_a_figure(rows, css):
    chart = report_data(rows)["chart"]
    assert [drawn["css"] for drawn in chart["bars"]] == css
    assert chart["height"] == len(css) * 28 + 6
    assert [drawn["y"] for drawn in chart["bars"]] == [6 + 28 * i for i in range(len(css))]


@pytest.mark.parametrize("row, shown", [
    (cpu("a-very-long-host-name-that-goes-on.lab.example.org"), "[CPU]"),
    (gpu("node-with-a-rather-long-name.example.org", 7), "GPU 7"),
])
def test_long_labels_are_clipped_but_keep_what_ran(row, shown):
    drawn = report_data([row])["chart"]["bars"][0]
    assert len(drawn["label"]) <= 44 and shown in drawn["label"] and "\u2026" in drawn["label"]
    assert drawn["tooltip"].startswith(row["host"] + " ")  # the tooltip keeps the whole name


def test_bar_lengths_follow_images_per_second():
    bars = report_data([gpu("a", 0, ips=100.0), gpu("b", 0, ips=50.0)])["chart"]["bars"]
    assert [drawn["length"] for drawn in bars] == [380, 190]
    assert [drawn["value_x"] for drawn in bars] == [330 + 380 + 6, 330 + 190 + 6]
    assert bars[0]["value"] == "100 img/s"


def test_notes_carry_reasons_nvml_state_and_remedy():
    rows = [unreachable("m"), gpu("a", 0, passed=False, reasons=["accuracy low"])]
    table = report_data(rows)["table"]
    assert table[0]["cells"][-1] == "accuracy low"
    assert table[1]["cells"][-1] == ("NVML: driver/library version mismatch; "
                                     "remedy: reboot to load the new kernel module")


def test_data_holds_sorted_rows_summary_failed_hosts_and_extra_keys():
    data = report_data([gpu("b", 0, batch_size=4096), cpu("a"), unreachable("c")], title="Lab A")
    assert data["title"] == "Lab A"
    assert [r["host"] for r in data["rows"]] == ["c", "a", "b"]
    assert data["rows"][2]["batch_size"] == 4096
    assert data["summary"] == {"rows": 3, "hosts": 3, "passed": 2, "failed": 1, "cpu_rows": 1}
    assert data["failed_hosts"] == ["c"]
    assert data["summary_line"] == "2 of 3 rows passed on 3 host(s); 1 failed; 1 ran on the CPU."


def test_same_rows_in_any_order_give_the_same_data():
    rows = [gpu("b", 0), cpu("a"), unreachable("c")]
    assert report_data(list(reversed(rows)), "T") == report_data(rows, "T")


@pytest.mark.parametrize("rows, message", [
    ([{"gpu_index": 0}], "row 0 has no host"),
    (["gpu01"], "row 0 is a str"),
    ([{"host": "a", "epoch_seconds": "fast"}], "epoch_seconds is 'fast'"),
    ([{"host": "a", "gpu_index": "first"}], "gpu_index is 'first'"),
    ([{"host": "a", "passed": "maybe"}], "passed is 'maybe'"),
])
def test_bad_rows_say_what_is_wrong(rows, message):
    with pytest.raises(ReportError, match=re.escape(message)):
        report_data(rows)


@pytest.mark.parametrize("value, expected", [("true", True), ("False", False), (None, None)])
def test_passed_accepts_ansible_style_strings(value, expected):
    assert sort_rows([{"host": "a", "passed": value}])[0]["passed"] is expected


def _checks_cell(data, row_index=0):
    return data["table"][row_index]["cells"][data["headers"].index("Checks")]


def test_the_named_checks_are_a_column_of_the_table():
    """The templates draw every column report_data gives (report.md, report.html); the JSON
    keeps each row's checks as they came."""
    checks = {"compile": {"name": "compile", "passed": True, "summary": "mode default, 3.1 s"},
              "extension": {"name": "extension", "passed": False, "summary": "failed"},
              "distributed": {"name": "distributed", "passed": True, "skipped": True,
                              "summary": "off (acceptance_distributed_check: false)"}}
    row = cpu("h1")
    row["checks"] = checks
    data = report_data([row, cpu("h2")])
    assert _checks_cell(data) == "compile PASS (mode default, 3.1 s); distributed off; extension FAIL (failed)"
    assert _checks_cell(data, 1) == "-"    # a row without checks
    assert data["rows"][0]["checks"] == checks


def test_a_check_skipped_for_a_reason_says_skipped_and_why_not_pass_or_off():
    row = cpu("h1")
    row["checks"] = {"compile": {"name": "compile", "passed": True, "skipped": True,
                                 "skip_reason": "torch.compile of torch 2.0.1 does not run on Python 3.11",
                                 "summary": "skipped: torch.compile of torch 2.0.1 ..."}}
    text = _checks_cell(report_data([row]))
    assert text == "compile SKIPPED (torch.compile of torch 2.0.1 does not run on Python 3.11)"
