"""Verify a driver upgrade 535.216.03 (backports) -> 535.261.03 (bookworm) in a container."""

import json
import os
import sys


sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import recap, run_playbook  # noqa: E402

OLD, NEW = "535.216.03-2~bpo12+1", "535.261.03-1"
UPGRADE = os.path.join("molecule", "nvidia_driver_upgrade", "upgrade.yml")
LOADED = "/srv/gpulab-fake-sys/module/nvidia/version"


def _result(host):
    return json.loads(host.file("/var/lib/gpulab/results/nvidia_driver.json").content_string)


def test_every_driver_package_was_upgraded(host):
    out = host.check_output("dpkg-query -W -f '${Package} ${Version} ${source:Package}\\n'")
    driver = [line.split() for line in out.splitlines()
              if line.split()[2] == "nvidia-graphics-drivers"]
    assert {"libnvidia-ml1", "nvidia-kernel-dkms", "libcuda1", "nvidia-smi"} <= {
        row[0] for row in driver}
    assert {row[1] for row in driver} == {NEW}


def test_the_pin_moved(host):
    pin = host.file("/etc/apt/preferences.d/gpulab-nvidia-driver.pref").content_string
    assert "Pin: version %s" % NEW in pin and OLD not in pin
    policy = host.check_output("apt-cache policy libnvidia-ml1")
    assert "Installed: %s" % NEW in policy
    assert "Candidate: %s" % NEW in policy  # not the newer 535.309.01 from bookworm-security


def test_dkms_tree_holds_the_new_version_only(host):
    assert host.file("/usr/src/nvidia-current-535.261.03").is_directory
    assert not host.file("/usr/src/nvidia-current-535.216.03").exists


def test_reboot_required_is_reported(host):
    result = _result(host)
    assert result["installed_version"] == "535.261.03"
    assert result["loaded_version"] == "535.216.03"
    # No process holds the (simulated) GPU: a module reload would do as well as a reboot.
    assert result["state"] == "reload_possible"
    assert result["reboot_required"] is True
    assert "container host's nvidia module is 535.216.03 but 535.261.03 is installed" in \
        result["reason"]
    assert "; REBOOT REQUIRED: " in result["summary"]
    assert "userspace only" in result["summary"]


def test_no_reboot_or_module_load_was_attempted_in_the_container(host):
    # The simulated module is untouched and nothing nvidia is loaded for real.
    assert host.file(LOADED).content_string == "535.216.03\n"
    assert not host.file("/sys/module/nvidia").exists


def _ledger():
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "reports", "upgrade",
                        "gpulab-nvidia_driver_upgrade-1.json")
    with open(path) as handle:
        return json.load(handle)


def _upgrade():
    run = run_playbook(UPGRADE, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    return run


def test_a_third_run_changes_nothing_and_still_reports_the_reboot(host):
    run = _upgrade()
    hosts = recap(run.stdout)
    # localhost only rewrites the rollout's ledger on the controller; the host is untouched.
    managed = {name: c for name, c in hosts.items() if name != "localhost"}
    assert managed and all(c["changed"] == 0 for c in managed.values()), hosts
    assert "REBOOT REQUIRED" in run.stdout
    assert _result(host)["reboot_required"] is True
    # The rollout's ledger on the controller names the host and where it stands.
    assert _ledger()["state"] == "upgraded, reboot required"
    assert "REBOOT REQUIRED" in _ledger()["driver"]
    assert _ledger()["acceptance"] == "not run"
    assert "gpulab-nvidia_driver_upgrade-1: upgraded, reboot required" in run.stdout


def test_after_the_reboot_the_state_is_ok(host):
    # The host rebooted into the installed module (simulated): the role sees it and says so.
    host.run_test("echo 535.261.03 > %s", LOADED)
    _upgrade()
    result = _result(host)
    assert result["state"] == "ok"
    assert result["reboot_required"] is False
    assert result["loaded_version"] == "535.261.03"
    assert "REBOOT REQUIRED" not in result["summary"]
    assert _ledger()["state"] == "verified"
