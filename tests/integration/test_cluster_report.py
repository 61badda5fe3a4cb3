# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster report run the way the playbooks run it: ansible-playbook on the controller, the
acceptance role's cluster_report tasks (ansible.builtin.template over the report_table filter).
Writes the three files, failures first, changes nothing when run again, shows the change under
--check --diff and writes nothing."""

import json
import os
import re
from html import escape

import pytest

ROWS = [
    {"host": "gpu01", "device": "cuda:0", "device_kind": "GPU", "gpu_name": "NVIDIA H100 80GB HBM3",
     "gpu_index": 0, "compute_capability": "9.0", "images_per_second": 91234.5,
     "epoch_seconds": 0.55, "test_accuracy": 0.6311, "passed": True, "reasons": []},
    {"host": "gpu02", "device": "cuda:3", "device_kind": "GPU", "gpu_name": "NVIDIA A100-SXM4-80GB",
     "gpu_index": 3, "compute_capability": "8.0", "images_per_second": 45617.25,
     "epoch_seconds": 41.7, "test_accuracy": 0.2031, "passed": False,
     "reasons": ["test accuracy 0.2031 is below the minimum 0.3500", "a|b\nc"]},
    {"host": "cpu01", "device": "cpu", "device_kind": "CPU", "gpu_name": None,
     "compute_capability": None, "images_per_second": 19000.0, "epoch_seconds": 2.6,
     "test_accuracy": 0.6244, "passed": True, "reasons": [], "batch_size": 4096},
    {"host": "<script>alert(1)</script>", "passed": None,
     "nvml_state": "driver/library version mismatch",
     "remedy": "reboot the host to load the new kernel module"},
]

TASKS = """
    - name: report
      ansible.builtin.include_role:
        name: gpulab.pytorch_stack.acceptance
        tasks_from: cluster_report
      vars:
        acceptance_report_rows: "{{ rows }}"
        acceptance_report_dir: "{{ dest }}"
        acceptance_report_title: "{{ title }}"
"""

WRITE = "Write the cluster report (report.md, report.html, report.json) on the controller"
NAMES = ["report.html", "report.json", "report.md"]


@pytest.fixture
def report(localhost_play, tmp_path):
    """``report(title, check=False, diff=False, rows=ROWS)`` -> the write task's result."""
    dest = tmp_path / "reports" / "acceptance"

    def run(title, check=False, diff=False, rows=None):
        results = localhost_play(TASKS, {"rows": ROWS if rows is None else rows, "dest": str(dest),
                                         "title": title}, check=check, diff=diff)
        result = _write(results)
        assert result is not None and not result.get("failed"), results
        return result
    run.dest = dest
    return run


def _write(results):
    """The template task's result (the JSON callback names it after the role)."""
    return next((r for name, r in results.items() if name.endswith(WRITE)), None)


def _read(dest, name):
    with open(os.path.join(str(dest), name), encoding="utf-8") as handle:
        return handle.read()


def _table(markdown):
    lines = markdown.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("|---|"))
    return lines[rule + 1:]


def _columns(markdown):
    return next(line for line in markdown.splitlines() if line.startswith("|---|")).count("---")


def test_writes_the_three_files_failures_first(report):
    result = report("Lab acceptance \u2014 week 47")
    assert result["changed"] is True
    assert sorted(os.listdir(str(report.dest))) == NAMES
    markdown = _read(report.dest, "report.md")
    assert markdown.startswith("# Lab acceptance \u2014 week 47\n\n")
    assert "2 of 4 rows passed on 4 host(s); 2 failed; 1 ran on the CPU." in markdown
    table = _table(markdown)
    assert len(table) == 4 and markdown.endswith(" |\n")
    statuses = [line.split(" | ")[0].lstrip("| ") for line in table]
    # failures (a host that did not run is one) first, then by host name
    assert statuses == ["NOT RUN", "FAIL", "PASS", "PASS"]
    assert "&lt;script>" in table[0] and "<script" not in markdown
    assert "NVML: driver/library version mismatch; remedy: reboot" in table[0]
    assert "gpu02" in table[1] and "below the minimum" in table[1]
    # a pipe or a line break in a cell cannot break the table; '<' is no tag
    assert "a\\|b c" in table[1]
    assert len(re.findall(r"(?<!\\)\|", table[1])) == _columns(markdown) + 1
    assert "cpu01 | CPU |" in table[2]
    assert "GPU 0 NVIDIA H100 80GB HBM3 (CC 9.0)" in table[3] and "91,234" in table[3]
    assert "63.1%" in table[3]

    _html_is_self_contained_escaped_with_one_bar_per_figure(report.dest)
    _json_holds_sorted_rows_summary_and_extra_keys(report.dest)


def _html_is_self_contained_escaped_with_one_bar_per_figure(dest):
    html = _read(dest, "report.html")
    assert not re.search(r"<script|<link|src=|href=|@import|url\(", html)
    assert html.count(escape("<script>alert(1)</script>")) == 1  # its table row; it has no bar
    assert "<style>" in html and html.count("<svg") == 1
    assert html.count("<rect") == 3 and html.count('class="bar cpu"') == 1
    assert html.count('class="bar fail"') == 1
    assert re.search(r">cpu01 \[CPU\]</text>", html)
    widths = [int(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="(\d+)"', html)]
    # failures first (gpu02 at half of gpu01's figure), then cpu01, then gpu01 (the longest)
    assert widths == [190, 79, 380]
    assert html.count('<tr class="fail">') == 2 and html.count('<tr class="pass">') == 2


def _json_holds_sorted_rows_summary_and_extra_keys(dest):
    doc = json.loads(_read(dest, "report.json"))
    assert doc["title"] == "Lab acceptance \u2014 week 47"
    assert [r["host"] for r in doc["rows"]] == ["<script>alert(1)</script>", "gpu02", "cpu01",
                                                "gpu01"]
    assert doc["rows"][2]["batch_size"] == 4096 and doc["rows"][2]["device_kind"] == "CPU"
    assert doc["summary"] == {"rows": 4, "hosts": 4, "passed": 2, "failed": 2, "cpu_rows": 1}


def test_no_figures_no_chart(report):
    report("Lab", rows=[{"host": "gpu09", "passed": None, "reasons": ["unreachable"]}])
    html = _read(report.dest, "report.html")
    assert "No images/s figures to chart." in html and "<svg" not in html


def test_second_run_changes_nothing(report):
    report("Lab acceptance")
    mtimes = {name: os.stat(str(report.dest / name)).st_mtime_ns for name in NAMES}
    second = report("Lab acceptance")
    assert second["changed"] is False
    assert {name: os.stat(str(report.dest / name)).st_mtime_ns for name in NAMES} == mtimes


def test_check_diff_shows_the_change_and_writes_nothing(report):
    report("Lab acceptance")
    before = {name: _read(report.dest, name) for name in NAMES}
    checked = report("Another title", check=True, diff=True)
    assert checked["changed"] is True
    diffs = {"report." + item["item"]: item["diff"] for item in checked["results"]}
    assert sorted(diffs) == NAMES
    for name in NAMES:
        diff = diffs[name][0] if isinstance(diffs[name], list) else diffs[name]
        assert diff["before"] == before[name]
        assert "Another title" in diff["after"] and "Another title" not in diff["before"]
    assert {name: _read(report.dest, name) for name in NAMES} == before


def test_bad_rows_are_refused_naming_the_row(localhost_play, tmp_path):
    results = localhost_play(TASKS, {"rows": [{"host": "a", "epoch_seconds": "fast"}],
                                     "dest": str(tmp_path / "r"), "title": "T"})
    failed = _write(results)
    assert failed.get("failed") is True
    assert "report_table" in json.dumps(failed) and "epoch_seconds is 'fast'" in json.dumps(failed)
    assert not os.listdir(str(tmp_path / "r"))
