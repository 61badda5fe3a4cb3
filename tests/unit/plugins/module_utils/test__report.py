# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
from html import escape

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._report import (
    ReportError,
    bar_chart_svg,
    render,
    render_html,
    render_json,
    render_markdown,
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


def table_hosts(markdown):
    """(status, host) of each Markdown table row, in order."""
    rows = [line for line in markdown.splitlines() if line.startswith("| ")][1:]
    return [tuple(c.strip() for c in row.strip("|").split("|")[:2]) for row in rows]


@pytest.mark.parametrize("rows, expected", [
    ([gpu("b", 0), gpu("a", 1), gpu("a", 0)], [("PASS", "a"), ("PASS", "a"), ("PASS", "b")]),
    ([gpu("a", 0), gpu("z", 0, passed=False)], [("FAIL", "z"), ("PASS", "a")]),
    ([gpu("a", 0), unreachable("m"), gpu("b", 0, passed=False)],
     [("FAIL", "b"), ("NOT RUN", "m"), ("PASS", "a")]),
    ([cpu("a"), gpu("a", 0)], [("PASS", "a"), ("PASS", "a")]),
])
def test_failures_come_first_then_host(rows, expected):
    assert table_hosts(render_markdown(rows)) == expected


@pytest.mark.parametrize("rows, order", [
    ([gpu("a", 10), gpu("a", 2), gpu("a", 0)], [0, 2, 10]),
    ([cpu("a"), gpu("a", 1), gpu("a", 0)], [0, 1, None]),
])
def test_gpu_index_orders_rows_of_one_host(rows, order):
    assert [r["gpu_index"] for r in sort_rows(rows)] == order


@pytest.mark.parametrize("render_fn", [render_markdown, render_html])
def test_cpu_rows_say_cpu(render_fn):
    text = render_fn([cpu("laptop")])
    assert "CPU" in text
    assert "ran on the CPU" in text


def test_markdown_row_shows_gpu_and_figures():
    md = render_markdown([gpu("gpu01", 3, driver_version="580.65.06")])
    line = [l for l in md.splitlines() if "gpu01" in l][0]
    for shown in ("GPU 3 NVIDIA H100 80GB HBM3 (CC 9.0)", "580.65.06", "13.0", "0.42",
                  "400,000", "52.3%", "PASS"):
        assert shown in line


@pytest.mark.parametrize("rows, bars, cpu_bars", [
    ([gpu("a", 0), gpu("a", 1), gpu("b", 0)], 3, 0),
    ([gpu("a", 0), cpu("b")], 2, 1),
    ([gpu("a", 0), unreachable("b")], 1, 0),      # a host that did not run gets no bar
    ([gpu("a", 0, ips=None)], 0, 0),
])
def test_one_bar_per_row_with_a_figure(rows, bars, cpu_bars):
    svg = bar_chart_svg(rows)
    assert svg.count("<rect") == bars
    assert svg.count('class="bar cpu"') == cpu_bars
    assert len(re.findall(r">[^<]*\[CPU\]</text>", svg)) == cpu_bars
    html = render_html(rows)
    assert html.count("<rect") == bars
    if not bars:
        assert "No images/s figures to chart." in html


@pytest.mark.parametrize("row, shown", [
    (cpu("a-very-long-host-name-that-goes-on.lab.example.org"), "[CPU]"),
    (gpu("node-with-a-rather-long-name.example.org", 7), "GPU 7"),
])
def test_long_labels_are_clipped_but_keep_what_ran(row, shown):
    svg = bar_chart_svg([row])
    label = re.search(r'text-anchor="end">([^<]*)</text>', svg).group(1)
    assert len(label) <= 44 and shown in label and "\u2026" in label
    assert escape(row["host"]) in svg  # the tooltip keeps the whole name


def test_bar_lengths_follow_images_per_second():
    svg = bar_chart_svg([gpu("a", 0, ips=100.0), gpu("b", 0, ips=50.0)])
    widths = [int(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1]


@pytest.mark.parametrize("host", [
    "<script>alert(1)</script>", 'gpu"01', "a&b", "x'><img src=x onerror=alert(1)>",
])
def test_html_escapes_host_names(host):
    html = render_html([gpu(host, 0), unreachable(host)])
    assert host not in html
    # two table rows and the bar's tooltip show the whole name, escaped
    assert html.count(escape(host)) >= 3


def test_html_is_self_contained():
    html = render_html([gpu("a", 0), cpu("b")])
    assert not re.search(r"<script|<link|src=|href=|@import|url\(", html)
    assert "<style>" in html and "<svg" in html


@pytest.mark.parametrize("cell", ["a|b", "line\nbreak"])
def test_markdown_cells_cannot_break_the_table(cell):
    md = render_markdown([gpu("a", 0, passed=False, reasons=[cell])])
    row = [l for l in md.splitlines() if l.startswith("| FAIL")][0]
    assert len(re.findall(r"(?<!\\)\|", row)) == 14


def test_notes_carry_reasons_nvml_state_and_remedy():
    md = render_markdown([unreachable("m"), gpu("a", 0, passed=False, reasons=["accuracy low"])])
    assert "NVML: driver/library version mismatch" in md
    assert "remedy: reboot to load the new kernel module" in md
    assert "accuracy low" in md


def test_json_holds_sorted_rows_summary_and_extra_keys():
    doc = json.loads(render_json([gpu("b", 0, batch_size=4096), cpu("a"), unreachable("c")],
                                 title="Lab A"))
    assert doc["title"] == "Lab A"
    assert [r["host"] for r in doc["rows"]] == ["c", "a", "b"]
    assert doc["rows"][2]["batch_size"] == 4096
    assert doc["summary"] == {"rows": 3, "hosts": 3, "passed": 2, "failed": 1, "cpu_rows": 1}


def test_same_rows_give_identical_bytes():
    rows = [gpu("b", 0), cpu("a"), unreachable("c")]
    assert render(list(reversed(rows)), "T") == render(rows, "T")


@pytest.mark.parametrize("formats, names", [
    (["md"], ["report.md"]),
    (["md", "html", "json"], ["report.html", "report.json", "report.md"]),
])
def test_render_returns_one_file_per_format(formats, names):
    assert sorted(render([gpu("a", 0)], "T", formats)) == names


@pytest.mark.parametrize("rows, message", [
    ([{"gpu_index": 0}], "row 0 has no host"),
    (["gpu01"], "row 0 is a str"),
    ([{"host": "a", "epoch_seconds": "fast"}], "epoch_seconds is 'fast'"),
    ([{"host": "a", "gpu_index": "first"}], "gpu_index is 'first'"),
    ([{"host": "a", "passed": "maybe"}], "passed is 'maybe'"),
])
def test_bad_rows_say_what_is_wrong(rows, message):
    with pytest.raises(ReportError, match=re.escape(message)):
        render_markdown(rows)


def test_unknown_format_is_refused():
    with pytest.raises(ReportError, match="choose from md, html, json"):
        render([gpu("a", 0)], "T", ["pdf"])


@pytest.mark.parametrize("value, expected", [("true", True), ("False", False), (None, None)])
def test_passed_accepts_ansible_style_strings(value, expected):
    assert sort_rows([{"host": "a", "passed": value}])[0]["passed"] is expected


def test_the_named_checks_are_a_column_in_every_format():
    checks = {"compile": {"name": "compile", "passed": True, "summary": "mode default, 3.1 s"},
              "extension": {"name": "extension", "passed": False, "summary": "failed"},
              "distributed": {"name": "distributed", "passed": True, "skipped": True,
                              "summary": "off (acceptance_distributed_check: false)"}}
    row = cpu("h1")
    row["checks"] = checks
    text = "compile PASS (mode default, 3.1 s); distributed off; extension FAIL (failed)"
    files = render([row])
    assert "| Checks |" in files["report.md"] and text in files["report.md"]
    assert "<th>Checks</th>" in files["report.html"] and escape(text) in files["report.html"]
    assert json.loads(files["report.json"])["rows"][0]["checks"] == checks
    assert "| - |" in render_markdown([cpu("h2")])   # a row without checks


def test_a_check_skipped_for_a_reason_says_skipped_and_why_not_pass_or_off():
    row = cpu("h1")
    row["checks"] = {"compile": {"name": "compile", "passed": True, "skipped": True,
                                 "skip_reason": "torch.compile of torch 2.0.1 does not run on Python 3.11",
                                 "summary": "skipped: torch.compile of torch 2.0.1 ..."}}
    files = render([row])
    text = "compile SKIPPED (torch.compile of torch 2.0.1 does not run on Python 3.11)"
    assert text in files["report.md"] and escape(text) in files["report.html"]
    assert "compile PASS" not in files["report.md"] and "compile off" not in files["report.md"]
