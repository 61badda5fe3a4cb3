"""Fabric Manager on a host with NVSwitches, run for real: the driver role's install
transaction, hold, systemd unit and fabric wait against the mirror's TEST BUILDS of
cuda-drivers-535 and nvidia-fabricmanager-535 (make_mirror.py), in a container that runs
systemd and stands in for an HGX H100 host (fake sysfs, the NVML double's HGX profiles).

The tests run in file order: the converged state first, then a fabric that does not come up,
a rolling upgrade, a Fabric Manager that fails to start and the run that repairs it."""

import os
import sys

import testinfra

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import run_playbook  # noqa: E402

HOST = "gpulab-cuda_repo_mirror-1"
# converge.yml imports it after the repository play; these runs need only this one.
PLAYBOOK = "molecule/cuda_repo_mirror/fabric_manager.yml"
SERVICE = "nvidia-fabricmanager.service"
FM = "nvidia-fabricmanager-535"
DRIVER = "cuda-drivers-535"
HOLD = "/etc/apt/preferences.d/gpulab-nvidia-fabricmanager.pref"


def _host():
    return testinfra.get_host("ansible://%s?ansible_inventory=%s"
                              % (HOST, os.environ["MOLECULE_INVENTORY_FILE"]))


def _transactions(host):
    """apt's history: one {field: value} per transaction, oldest first."""
    text = host.file("/var/log/apt/history.log").content_string
    blocks = []
    for chunk in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in chunk.strip().splitlines() if ": " in line)
        if fields:
            blocks.append(fields)
    return blocks


def _unit(host):
    out = host.check_output("systemctl show %s --property=ActiveState,SubState,UnitFileState,MainPID"
                            % SERVICE)
    return dict(line.split("=", 1) for line in out.splitlines())


def _installed(host, package):
    return host.check_output("dpkg-query -W -f '${Version}' %s" % package)


def _converge(driver, *extra):
    return run_playbook(PLAYBOOK, "-e", "gpulab_test_driver_version=%s" % driver, *extra)


def _flat(text):
    return " ".join(text.split())


def test_fabric_manager_came_in_the_driver_install_transaction():
    host = _host()
    first = [t for t in _transactions(host) if "%s:amd64 (535.216.03-1" % DRIVER in t.get("Install", "")]
    assert len(first) == 1, _transactions(host)
    assert "%s:amd64 (535.216.03-1" % FM in first[0]["Install"]
    assert "TEST BUILD" in host.check_output("dpkg-query -W -f '${Description}' %s" % FM)


def test_fabric_manager_is_held_at_the_driver_version_while_a_newer_one_is_offered():
    host = _host()
    policy = host.check_output("apt-cache policy %s" % FM)
    assert "Installed: 535.216.03-1" in policy
    assert "Candidate: 535.216.03-1" in policy
    assert "535.261.03-1 500" in policy, policy
    upgrade = host.check_output("apt-get -s -o Debug::NoLocking=1 upgrade")
    assert "Inst %s" % FM not in upgrade, upgrade
    assert "Package: %s\nPin: version 535.216.03-*\nPin-Priority: 1001" % FM \
        in host.file(HOLD).content_string


def test_the_unit_is_enabled_and_runs_the_build_of_the_driver_version():
    host = _host()
    unit = _unit(host)
    assert (unit["ActiveState"], unit["SubState"], unit["UnitFileState"]) == \
        ("active", "running", "enabled"), unit
    assert host.check_output("cat /proc/%s/cmdline | tr '\\0' ' '" % unit["MainPID"]).startswith("sleep")
    assert host.file("/var/log/fabricmanager.log").content_string.splitlines()[-1] \
        .endswith("test build 535.216.03 started")


def test_a_fabric_that_does_not_complete_fails_the_run_with_the_remedy():
    host = _host()
    profile = os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "tests", "nvml_double",
                           "profiles", "hgx_h100_x8_fabric_in_progress.profile")
    pid = _unit(host)["MainPID"]
    host.check_output("cp /etc/gpulab/nvml-profile /etc/gpulab/nvml-profile.kept")
    try:
        host.ansible("ansible.builtin.copy", "src=%s dest=/etc/gpulab/nvml-profile" % profile,
                     check=False)
        run = _converge("535.216.03", "-e", "nvidia_driver_fabric_manager_timeout=5")
    finally:
        host.check_output("mv /etc/gpulab/nvml-profile.kept /etc/gpulab/nvml-profile")
    assert run.returncode != 0
    out = _flat(run.stdout)
    assert "the NVSwitch fabric is not ready (0 of 8 GPUs ready" in out, run.stdout
    assert "error 802" in out
    assert "wait for the fabric to complete (Fabric Manager is active" in out
    # Waiting changed nothing: same packages, same Fabric Manager process. (The recap may count
    # one change: test_cuda_repo_mirror.py's last test left another key in the download area.)
    assert (_installed(host, DRIVER), _installed(host, FM)) == ("535.216.03-1", "535.216.03-1")
    assert _unit(host)["MainPID"] == pid


def test_a_rolling_upgrade_moves_fabric_manager_with_the_driver_in_one_step():
    host = _host()
    before = _unit(host)["MainPID"]
    run = _converge("535.261.03")
    assert run.returncode == 0, run.stdout
    last = _transactions(host)[-1]
    moved = last.get("Upgrade", "")
    assert "%s:amd64 (535.216.03-1, 535.261.03-1)" % DRIVER in moved, last
    assert "%s:amd64 (535.216.03-1, 535.261.03-1)" % FM in moved, last
    unit = _unit(host)
    assert unit["ActiveState"] == "active" and unit["MainPID"] != before, unit
    assert host.file("/var/log/fabricmanager.log").content_string.splitlines()[-1] \
        .endswith("test build 535.261.03 started")
    assert "Pin: version 535.261.03-*" in host.file(HOLD).content_string


def test_a_fabric_manager_that_fails_to_start_fails_the_run_and_the_next_run_repairs_it():
    host = _host()
    # 535.230.02's test build exits 1 at start on purpose.
    run = _converge("535.230.02")
    assert run.returncode != 0
    out = _flat(run.stdout)
    assert "%s is not enabled and active (ActiveState=failed" % SERVICE in out, run.stdout
    assert "Read journalctl -u %s and /var/log/fabricmanager.log" % SERVICE in out
    assert "fails at start on purpose" in host.file("/var/log/fabricmanager.log").content_string

    run = _converge("535.261.03")
    assert run.returncode == 0, run.stdout
    assert (_installed(host, DRIVER), _installed(host, FM)) == ("535.261.03-1", "535.261.03-1")
    unit = _unit(host)
    assert (unit["ActiveState"], unit["UnitFileState"]) == ("active", "enabled"), unit
