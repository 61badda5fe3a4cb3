# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cluster_report run the way the playbooks run it: ansible-playbook on the controller. Writes
the three files, failures first, changes nothing when run again, writes nothing in check mode."""

import json
import os

import pytest

ROWS = [
    {"host": "gpu01", "device": "cuda:0", "device_kind": "GPU", "gpu_name": "NVIDIA H100 80GB HBM3",
     "compute_capability": "9.0", "images_per_second": 91234.5, "epoch_seconds": 0.55,
     "test_accuracy": 0.6311, "passed": True, "reasons": []},
    {"host": "gpu02", "device": "cuda:3", "device_kind": "GPU", "gpu_name": "NVIDIA A100-SXM4-80GB",
     "compute_capability": "8.0", "images_per_second": 1200.0, "epoch_seconds": 41.7,
     "test_accuracy": 0.2031, "passed": False,
     "reasons": ["test accuracy 0.2031 is below the minimum 0.3500"]},
    {"host": "cpu01", "device": "cpu", "device_kind": "CPU", "gpu_name": None,
     "compute_capability": None, "images_per_second": 19000.0, "epoch_seconds": 2.6,
     "test_accuracy": 0.6244, "passed": True, "reasons": []},
]

TASKS = """
    - name: report
      gpulab.pytorch_stack.cluster_report:
        rows: "{{ rows }}"
        dest_dir: "{{ dest }}"
        title: "{{ title }}"
"""


@pytest.fixture
def report(localhost_play, tmp_path):
    """``report(title, check=False)`` -> the task's result from a fresh ansible-playbook run."""
    dest = tmp_path / "reports" / "acceptance"

    def run(title, check=False):
        result = localhost_play(TASKS, {"rows": ROWS, "dest": str(dest), "title": title},
                                check=check)["report"]
        assert not result.get("failed"), result
        return result
    run.dest = dest
    return run


def test_writes_the_three_files_failures_first(report):
    result = report("Lab acceptance \u2014 week 47")
    assert result["changed"] is True
    assert result["failed_hosts"] == ["gpu02"]
    files = result["files"]
    assert sorted(files) == ["html", "json", "md"]
    for path in files.values():
        assert os.path.dirname(path) == str(report.dest)
    with open(files["md"], encoding="utf-8") as handle:
        markdown = handle.read()
    assert "Lab acceptance \u2014 week 47" in markdown
    table = markdown.splitlines()[markdown.splitlines().index("|" + "---|" * 13) + 1:]
    hosts = [line.split("|")[2].strip() for line in table]
    assert hosts[0] == "gpu02" and sorted(hosts) == ["cpu01", "gpu01", "gpu02"]
    assert "below the minimum" in table[0]
    assert "CPU" in table[hosts.index("cpu01")]
    assert "1 failed; 1 ran on the CPU" in markdown
    with open(files["html"], encoding="utf-8") as handle:
        html = handle.read()
    assert "<svg" in html and "gpu01" in html and "cpu01" in html
    with open(files["json"], encoding="utf-8") as handle:
        data = json.load(handle)
    assert {row["host"] for row in data["rows"]} == {"gpu01", "gpu02", "cpu01"}


def test_second_run_changes_nothing(report):
    first = report("Lab acceptance")
    mtimes = {path: os.stat(path).st_mtime_ns for path in first["files"].values()}
    second = report("Lab acceptance")
    assert second["changed"] is False
    assert second["changed_files"] == []
    assert {path: os.stat(path).st_mtime_ns for path in mtimes} == mtimes


def test_check_mode_reports_the_change_and_writes_nothing(report):
    first = report("Lab acceptance")
    before = {path: open(path, "rb").read() for path in first["files"].values()}
    checked = report("Another title", check=True)
    assert checked["changed"] is True
    assert sorted(checked["changed_files"]) == sorted(before)
    assert {path: open(path, "rb").read() for path in before} == before
