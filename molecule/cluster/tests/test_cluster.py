"""site.yml across four simulated hosts at once: healthy hosts converge, each with its own
decisions, the host whose driver reports a version mismatch is stopped with the remedy without
aborting the others, the cluster table lists every host, and a second run changes nothing."""

import json
import os
import sys

import pytest
import testinfra

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import recap, run_playbook  # noqa: E402

HEALTHY = ("gpulab-cluster-h100", "gpulab-cluster-a100", "gpulab-cluster-cpu")
MISMATCH = "gpulab-cluster-mismatch"
REPORT = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "reports", "gpu", "report.json")


@pytest.fixture(scope="module")
def first_run():
    return run_playbook("playbooks/site.yml", timeout=1500)


@pytest.fixture(scope="module")
def second_run(first_run):
    return run_playbook("playbooks/site.yml", timeout=900)


def _host(name):
    return testinfra.get_host("ansible://" + name,
                              ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def _result(name, layer):
    return json.loads(_host(name).file("/var/lib/gpulab/results/%s.json" % layer).content_string)


def test_the_healthy_hosts_converge_and_only_the_mismatched_one_fails(first_run):
    counts = recap(first_run.stdout)
    assert set(counts) >= set(HEALTHY + (MISMATCH,)), counts
    for name in HEALTHY:
        assert counts[name]["failed"] == 0 and counts[name]["unreachable"] == 0, counts
    assert counts[MISMATCH]["failed"] == 1, counts
    assert first_run.returncode == 2


def test_the_mismatched_host_is_told_the_remedy(first_run):
    text = " ".join(first_run.stdout.split())
    assert "gpulab-cluster-mismatch: NVML state driver_library_mismatch" in text
    assert "Driver/library version mismatch" in text
    assert "reboot" in text.lower()


@pytest.mark.parametrize("name, archs", [
    ("gpulab-cluster-h100", ["sm_90"]),
    ("gpulab-cluster-a100", ["sm_80"]),
    ("gpulab-cluster-cpu", ["sm_75"]),
])
def test_each_host_compiles_for_its_own_gpus(first_run, name, archs):
    assert _result(name, "cuda_toolkit")["archs_verified"] == archs


def test_nothing_was_installed_on_the_mismatched_host(first_run):
    host = _host(MISMATCH)
    assert not host.file("/var/lib/gpulab/results/cuda_toolkit.json").exists
    assert not host.file("/opt/cuda").exists


def test_the_cluster_table_lists_every_host_with_its_state(first_run):
    with open(REPORT) as handle:
        report = json.load(handle)
    rows = report["rows"] if isinstance(report, dict) else report
    by_host = {}
    for row in rows:
        by_host.setdefault(row["host"], []).append(row)
    assert set(by_host) == set(HEALTHY + (MISMATCH,))
    assert len(by_host["gpulab-cluster-h100"]) == 8
    assert len(by_host["gpulab-cluster-a100"]) == 4
    assert by_host[MISMATCH][0]["nvml_state"] == "driver_library_mismatch"
    assert "mismatch" in by_host[MISMATCH][0]["remedy"].lower()


def test_a_second_run_changes_nothing_on_the_healthy_hosts(second_run):
    counts = recap(second_run.stdout)
    for name in HEALTHY:
        assert counts[name]["changed"] == 0 and counts[name]["failed"] == 0, counts
    assert counts[MISMATCH]["failed"] == 1
