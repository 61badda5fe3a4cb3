"""Verify the read-only preflight on a Debian 12 container that has no GPU."""

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import changed_tasks, host_changes, recap, run_playbook  # noqa: E402


@pytest.fixture(scope="module")
def preflight(host):
    result = host.ansible("gpulab.pytorch_stack.preflight_facts", "disk_path=/opt", check=False)
    return result["ansible_facts"]["gpu_preflight"]


def test_container_is_detected(preflight):
    assert preflight["container"] is True
    assert preflight["container_type"] == "docker"


def test_no_gpu_on_the_pci_bus(preflight):
    assert preflight["pci_gpus"] == []
    assert preflight["pci_gpu_count"] == 0


def test_secure_boot_state_is_one_of_the_documented_values(preflight):
    assert preflight["secure_boot"] in ("enabled", "disabled", "unknown")


def test_disk_space_is_measured_where_the_stack_goes(preflight):
    assert preflight["disk"]["path"] == "/opt"
    assert preflight["disk"]["free_mib"] > 0


def test_preflight_left_nothing_behind(host):
    assert not host.file("/var/lib/gpulab").exists


def _run_site(*extra):
    return run_playbook("playbooks/site.yml", *extra, timeout=300)


def test_site_prints_the_summary_and_changes_nothing():
    run = _run_site()
    assert run.returncode == 0, run.stdout + run.stderr
    assert "PCI GPUs:     0" in run.stdout
    assert "Container:    docker (kernel modules and reboots skipped)" in run.stdout
    assert "Debian 12, supported" in run.stdout
    hosts = recap(run.stdout)
    assert hosts and all(c["changed"] == 0 and c["failed"] == 0 for c in hosts.values()), hosts


def test_an_unsupported_system_fails_with_the_list_of_supported_ones():
    run = _run_site("-e", json.dumps({"preflight_supported_os": ["Ubuntu 24.04"]}))
    assert run.returncode != 0
    assert "runs Debian 12, which gpulab.pytorch_stack does not support" in run.stdout
    assert "Supported systems: Ubuntu 24.04" in run.stdout


def test_a_full_disk_fails_before_anything_is_installed():
    run = _run_site("-e", json.dumps({"gpulab_layers": ["nvidia_driver"],
                                      "preflight_disk_estimates_mib": {
                                          "nvidia_driver": 10 ** 9, "cuda_toolkit": 0, "cudnn": 0,
                                          "conda_env": 0, "pytorch2": 0, "acceptance": 0}}))
    assert run.returncode != 0
    text = " ".join(run.stdout.split())
    assert "but the layers nvidia_driver need about 1000000000 MiB" in text, run.stdout[-3000:]
    hosts = recap(run.stdout)
    # Nothing changed on a host; the controller's cluster table now lists the refusal.
    assert hosts and all(host_changes(run.stdout, host) == [] for host in hosts), (
        hosts, changed_tasks(run.stdout))


def test_the_disk_check_sums_only_the_chosen_layers():
    # The scenario's inventory chooses no layer: a huge estimate for a layer left out is no refusal.
    run = _run_site("-e", json.dumps({"preflight_disk_estimates_mib": {
        "nvidia_driver": 10 ** 9, "cuda_toolkit": 0, "cudnn": 0, "conda_env": 0,
        "pytorch2": 0, "acceptance": 0}}))
    assert run.returncode == 0, run.stdout[-3000:]
