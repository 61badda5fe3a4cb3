"""site.yml across four simulated hosts at once: healthy hosts converge, each with its own
decisions, the host whose driver reports a version mismatch is stopped with the remedy without
aborting the others, the cluster table lists every host, and a second run changes nothing.
The second run also has hosts that fail: one in a layer, two that cannot be reached (a
container that does not exist, an SSH port nobody answers); each is in the summary and the
cluster table with where and why it failed."""

import json
import os
import re
import sys

import pytest
import testinfra

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import changed_tasks, host_changes, recap, run_playbook  # noqa: E402

HEALTHY = ("gpulab-cluster-h100", "gpulab-cluster-a100", "gpulab-cluster-cpu")
MISMATCH = "gpulab-cluster-mismatch"
# Added to the second run's inventory only. The layer failure shares the no-GPU container, with
# its own prefix, and fails on the controller (a wheel pin the index does not have), before its
# layer changes anything there.
LAYER_FAIL = "gpulab-cluster-layer-fails"
GHOSTS = ("gpulab-cluster-no-container", "gpulab-cluster-no-ssh")
EXTRA_INVENTORY = {"all": {"hosts": {
    LAYER_FAIL: {
        "ansible_connection": "community.docker.docker", "ansible_host": "gpulab-cluster-cpu",
        "cuda_toolkit_pip_prefix": "/opt/cuda-layer-fails", "cuda_toolkit_network_retries": 0,
        "cuda_toolkit_pip_wheels": {"13.0": {"x86_64": [{
            "file": "nvidia_cuda_nvcc-13.0.999-py3-none-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            "sha256": "0" * 64}]}}},
    GHOSTS[0]: {"ansible_connection": "community.docker.docker",
                "ansible_host": "gpulab-cluster-does-not-exist"},
    GHOSTS[1]: {"ansible_connection": "ansible.builtin.ssh", "ansible_host": "127.0.0.1",
                "ansible_port": 1, "ansible_user": "nobody"},
}}}
REPORT = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "reports", "gpu", "report.json")


@pytest.fixture(scope="module")
def first_run():
    return run_playbook("playbooks/site.yml", timeout=1500)


@pytest.fixture(scope="module")
def second_run(first_run, tmp_path_factory):
    extra = tmp_path_factory.mktemp("cluster") / "failing-hosts.yml"
    extra.write_text(json.dumps(EXTRA_INVENTORY))
    return run_playbook("playbooks/site.yml", "-i", str(extra), timeout=900)


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
    """Nothing on a healthy host changes; the controller's cluster table does (it gains the
    failed and unreachable hosts), and that change is reported on the host its one write ran
    for, as the template task's own change (so --check --diff shows it)."""
    counts = recap(second_run.stdout)
    for name in HEALTHY:
        assert counts[name]["failed"] == 0, counts
        assert host_changes(second_run.stdout, name) == [], changed_tasks(second_run.stdout)
    assert counts[MISMATCH]["failed"] == 1


def test_a_host_failed_in_a_layer_or_unreachable_is_failed_in_the_recap(second_run):
    counts = recap(second_run.stdout)
    for name in (LAYER_FAIL,) + GHOSTS:
        assert counts[name]["failed"] == 1, counts
    assert second_run.returncode == 2


def test_the_summary_names_the_layer_and_the_reason_of_every_failed_host(second_run):
    text = " ".join(second_run.stdout.split())
    summary = text[text.index("TASK [Show what each layer did]"):]
    assert re.search(r"fatal: \[%s\]: FAILED! => msg: cuda_toolkit: 'FAILED: %s: the controller cache "
                     r"has no good copy of nvidia_cuda_nvcc-13\.0\.999" % (LAYER_FAIL, LAYER_FAIL), summary)
    assert re.search(r"fatal: \[%s\]: FAILED! => msg: preflight: 'FAILED: %s: NVML state "
                     r"driver_library_mismatch" % (MISMATCH, MISMATCH), summary)
    assert "fatal: [%s]: FAILED! => msg: unreachable: 'UNREACHABLE: " % GHOSTS[0] in summary
    assert "No such container" in summary
    # ssh's own refusal, or (a controller without an SSH client, as the Debian 13 test
    # controller of the 2.21 leg) Ansible's: either way the host is named unreachable, with why.
    assert re.search(r"fatal: \[%s\]: FAILED! => msg: unreachable: 'UNREACHABLE: .*"
                     r"(port 1: Connection refused|Unable to execute ssh command line)" % GHOSTS[1], summary)


def test_the_cluster_table_lists_the_failed_and_unreachable_hosts(second_run):
    with open(REPORT) as handle:
        rows = json.load(handle)["rows"]
    by_host = dict((row["host"], row) for row in rows)
    assert set(by_host) == set(HEALTHY + (MISMATCH, LAYER_FAIL) + GHOSTS)
    failed = by_host[LAYER_FAIL]
    assert failed["passed"] is False and failed["failed_layer"] == "cuda_toolkit"
    assert failed["reasons"][0].startswith("failed in cuda_toolkit: %s: the controller cache" % LAYER_FAIL)
    assert by_host[MISMATCH]["failed_layer"] == "preflight"
    for name in GHOSTS:
        assert by_host[name]["nvml_state"] == "unreachable" and by_host[name]["passed"] is False
        assert by_host[name]["reasons"][0].startswith("unreachable: "), by_host[name]
    with open(REPORT.replace(".json", ".md")) as handle:
        table = handle.read()
    assert "No such container" in table
    assert "Connection refused" in table or "Unable to execute ssh command line" in table


def test_the_layer_failure_left_nothing_on_its_host(second_run):
    host = _host("gpulab-cluster-cpu")
    assert not host.file("/opt/cuda-layer-fails").exists
    assert not host.file("/opt/cuda-layer-fails/13.0.staging").exists
