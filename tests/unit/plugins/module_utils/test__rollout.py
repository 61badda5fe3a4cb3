# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _rollout as r

# What Ansible's apt module said for a host whose dpkg pre-invoke hook failed (shortened list of
# packages; the real command line is ~700 characters).
APT_FAILURE = (
    "'/usr/bin/apt-get -y -o \"Dpkg::Options::=--force-confdef\" -o "
    "\"Dpkg::Options::=--force-confold\"   --no-install-recommends --allow-downgrades install "
    "'nvidia-kernel-dkms=535.261.03-1' 'libnvidia-ml1=535.261.03-1' 'libcuda1=535.261.03-1'' "
    "failed: E: Problem executing scripts DPkg::Pre-Invoke 'false'\n"
    "E: Sub-process returned an error code\n")
HOSTS = ["gpu01", "gpu02", "gpu03"]


def test_a_package_manager_failure_becomes_one_short_line():
    line = r.one_line(APT_FAILURE)
    assert line == ("apt-get failed: E: Problem executing scripts DPkg::Pre-Invoke 'false' "
                    "E: Sub-process returned an error code")
    assert "\n" not in line and "nvidia-kernel-dkms" not in line


def test_a_long_reason_is_cut_and_a_trailing_newline_does_not_break_the_line():
    assert r.one_line("x" * 500).endswith("...") and len(r.one_line("x" * 500)) == 240
    assert r.one_line("lock held\n") == "lock held"
    assert r.one_line(None) == ""
    assert r.one_line("Task failed: Failed to connect to the host via ssh: refused") == \
        "Failed to connect to the host via ssh: refused"


@pytest.mark.parametrize("settings, names", [
    ({"serial": 0}, ["gpulab_upgrade_serial"]),
    ({"serial": "0%"}, ["gpulab_upgrade_serial"]),
    ({"serial": True}, ["gpulab_upgrade_serial"]),
    ({"max_fail_percentage": 101}, ["gpulab_upgrade_max_fail_percentage"]),
    ({"max_fail_percentage": -1}, ["gpulab_upgrade_max_fail_percentage"]),
    ({"max_fail_percentage": "half"}, ["gpulab_upgrade_max_fail_percentage"]),
    ({"drain": "kubernetes"}, ["gpulab_upgrade_drain"]),
    ({"busy": "kill"}, ["gpulab_upgrade_busy"]),
    ({"inactive": "ignore"}, ["gpulab_upgrade_inactive"]),
    ({"busy_timeout": "-5"}, ["gpulab_upgrade_busy_timeout"]),
    ({"poll_interval": 0}, ["gpulab_upgrade_poll_interval"]),
    ({"serial": 0, "max_fail_percentage": 150, "drain": "k8s"},
     ["gpulab_upgrade_serial", "gpulab_upgrade_max_fail_percentage", "gpulab_upgrade_drain"]),
])
def test_settings_that_cannot_work_are_named_all_at_once(settings, names):
    with pytest.raises(r.RolloutError) as err:
        r.check_settings(**settings)
    for name in names:
        assert name in str(err.value)
    assert "nothing was changed on any host" in str(err.value)


def test_each_hosts_drain_mode_is_checked():
    with pytest.raises(r.RolloutError) as err:
        r.check_settings(drains={"gpu01": "none", "gpu02": "slurm", "gpu03": "k8s"})
    assert "gpulab_upgrade_drain is not one of none, slurm on gpu03 ('k8s')" in str(err.value)
    assert r.check_settings(drains={"gpu01": "none", "gpu02": "slurm"})["drains"]["gpu02"] == "slurm"


def test_good_settings_come_back_normalised():
    assert r.check_settings(serial="2", max_fail_percentage="50", drain="slurm", busy="wait",
                            busy_timeout="30", poll_interval=5) == {
        "serial": 2, "max_fail_percentage": 50.0, "drain": "slurm", "busy": "wait",
        "busy_timeout": 30, "drain_timeout": 0, "poll_interval": 5, "inactive": "stop",
        "drains": {}}
    assert r.check_settings(serial="25%")["serial"] == "25%"
    assert r.check_settings(max_fail_percentage=0)["max_fail_percentage"] == 0
    assert r.check_settings(max_fail_percentage=100)["max_fail_percentage"] == 100


def test_batches_are_cut_as_ansible_serial_cuts_them():
    hosts = ["h%d" % i for i in range(1, 8)]
    assert r.batches(hosts, 3) == [["h1", "h2", "h3"], ["h4", "h5", "h6"], ["h7"]]
    assert r.batches(hosts, "30%") == [["h1", "h2"], ["h3", "h4"], ["h5", "h6"], ["h7"]]
    assert r.batches(hosts, "10%") == [[h] for h in hosts]  # rounds down to 0: one host
    assert r.batches(hosts, "100%") == [hosts]


def test_a_failure_in_the_middle_batch_stops_the_rollout_and_names_the_untouched_hosts():
    entries = {"gpu01": {"state": "verified"},
               "gpu02": r.clean_entry({"state": "failed", "step": "install and activate the driver",
                                       "task": "Install the driver packages at the pinned version",
                                       "reason": APT_FAILURE,
                                       "pin_file_text": "Package: libcuda1\nPin: version 535.261.03-1\n",
                                       "installed_package_version": "535.216.03-2~bpo12+1"})}
    out = r.decide(HOSTS, entries, 1, "gpu02")
    assert out["stop"] and not out["last"] and out["failed"]
    assert out["batch"] == 2 and out["batches"] == 3 and out["batch_failing"] == ["gpu02"]
    assert out["lines"][1] == "  gpu01: verified"
    assert out["lines"][2] == (
        "  gpu02: failed (at 'install and activate the driver', task 'Install the driver packages "
        "at the pinned version': apt-get failed: E: Problem executing scripts DPkg::Pre-Invoke "
        "'false' E: Sub-process returned an error code) [HALF-CHANGED: the apt pin names "
        "535.261.03-1 but the driver packages are at 535.216.03-2~bpo12+1; the next run repairs it]")
    assert out["lines"][3] == "  gpu03: not started"
    assert "STOPPED after batch 2 of 3" in out["lines"][-1]
    assert "Not started, left as they were: gpu03." in out["lines"][-1]
    assert "goes on" not in out["batch_line"]


def test_a_threshold_that_allows_going_on_never_says_the_rollout_stopped():
    hosts = ["a", "b", "c", "d"]
    entries = {"a": {"state": "verified"}, "b": {"state": "failed", "reason": "x"}}
    out = r.decide(hosts, entries, 2, "a", max_fail_percentage=50)
    assert not out["stop"] and out["failed"] and out["failing"] == ["b"]
    assert out["batch_line"].endswith("The rollout goes on with batch 2.")
    assert not any("STOPPED" in line or "Not started" in line for line in out["lines"])
    # At 49 % the same batch stops the rollout.
    assert r.decide(hosts, entries, 2, "a", max_fail_percentage=49)["stop"]


def test_an_unreachable_host_counts_against_the_threshold():
    entries = {"gpu01": {"state": "verified"},
               "gpu02": {"state": "unreachable", "reason": "ssh: connect to host: refused"}}
    out = r.decide(HOSTS, entries, 3, "gpu01")
    assert out["stop"] and out["batch_failing"] == ["gpu02"]
    assert "gpu02: unreachable (ssh: connect to host: refused)" in out["lines"][2]
    assert "gpu03: not started" in out["lines"][3]


def test_a_busy_host_skipped_does_not_stop_the_rollout():
    entries = {"gpu01": {"state": "skipped, busy", "step": "check that no process uses the GPUs",
                         "reason": "processes 41 (python3) use the GPU; nothing was changed"}}
    out = r.decide(HOSTS, entries, 1, "gpu01")
    assert not out["stop"] and not out["failed"]
    assert "gpu01: skipped, busy (at 'check that no process uses the GPUs': processes 41" in \
        out["lines"][1]


def test_installed_but_not_active_stops_unless_the_setting_says_continue():
    entries = {"gpu01": {"state": "installed, not active", "reason": "reboot needed"}}
    stopped = r.decide(HOSTS, entries, 1, "gpu01")
    assert stopped["stop"] and stopped["failed"]
    assert "does not run on gpu01" in stopped["lines"][-1]
    going_on = r.decide(HOSTS, entries, 1, "gpu01", inactive="continue")
    assert not going_on["stop"] and not going_on["failed"]
    assert "gpulab_upgrade_inactive is continue, so the rollout does not stop for it" in \
        going_on["batch_line"]
    last = r.decide(["gpu01"], entries, 1, "gpu01", inactive="continue")
    assert last["last"] and "does not stop for it" in last["batch_line"]


def test_a_host_whose_batch_never_ended_is_in_progress_and_counts_as_failed():
    entries = {"gpu01": {"state": "in progress", "step": "install and activate the driver"}}
    out = r.decide(HOSTS, entries, 1, "gpu01")
    assert out["stop"]
    assert "its batch never ended; last step: install and activate the driver" in out["lines"][1]


def test_the_last_batch_summarises_the_whole_rollout():
    entries = dict((host, {"state": "verified"}) for host in HOSTS)
    out = r.decide(HOSTS, entries, 1, "gpu03")
    assert out["last"] and not out["stop"] and not out["failed"]
    assert out["lines"][-1] == "The rollout went through all 3 batch(es). Totals: 3 verified."


def test_a_host_outside_the_rollout_is_an_error():
    with pytest.raises(r.RolloutError):
        r.decide(HOSTS, {}, 1, "gpu09")


def test_half_changed_only_when_the_pin_and_the_packages_disagree():
    pin = "Package: libcuda1\nPin: version 535.261.03-1\n\nPackage: nvidia-smi\nPin: version 535.261.03-1\n"
    assert r.pinned_versions(pin) == ["535.261.03-1"]
    assert r.half_changed(pin, "535.261.03-1") is None
    assert "535.216.03-2~bpo12+1" in r.half_changed(pin, "535.216.03-2~bpo12+1")
    assert r.half_changed("Pin: version 550.127.05-*\n", "550.127.05-1") is None
    assert r.half_changed("", "535.216.03-1") is None
    assert r.half_changed(pin, "") is None


def test_a_ledger_entry_needs_a_state_and_loses_empty_fields():
    with pytest.raises(r.RolloutError):
        r.clean_entry({"reason": "x"})
    assert r.clean_entry({"state": "verified", "slurm": "", "reason": "ok\n"}) == {
        "state": "verified", "reason": "ok"}
