# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""upgrade_rollout through ansible-playbook: the ledger files a rollout writes, resets and reads."""

import json

ROLLOUT = """
    - name: check
      gpulab.pytorch_stack.upgrade_rollout:
        step: check
        serial: "{{ serial | default(1) }}"
        max_fail_percentage: "{{ pct | default(0) }}"
        drains: "{{ drains | default({}) }}"
      when: do_check | default(false)

    - name: record
      gpulab.pytorch_stack.upgrade_rollout:
        step: record
        dir: "{{ dir }}"
        host: "{{ item.key }}"
        entry: "{{ item.value }}"
      loop: "{{ record | default({}) | dict2items }}"

    - name: reset
      gpulab.pytorch_stack.upgrade_rollout:
        step: reset
        dir: "{{ dir }}"
        hosts: "{{ reset }}"
      when: reset is defined

    - name: decide
      gpulab.pytorch_stack.upgrade_rollout:
        step: decide
        dir: "{{ dir }}"
        hosts: "{{ hosts }}"
        host: "{{ batch_host }}"
        serial: "{{ serial | default(1) }}"
      when: batch_host is defined
"""

APT = ("'/usr/bin/apt-get -y -o \"Dpkg::Options::=--force-confdef\" install "
       "'libcuda1=535.261.03-1'' failed: E: Could not get lock /var/lib/dpkg/lock-frontend\n")


def test_record_trims_the_reason_and_sees_the_half_changed_host(localhost_play, tmp_path):
    ledger = tmp_path / "upgrade"
    out = localhost_play(ROLLOUT, {"dir": str(ledger), "record": {"gpu02": {
        "state": "failed", "step": "install and activate the driver", "reason": APT,
        "pin_file_text": "Package: libcuda1\nPin: version 535.261.03-1\n",
        "installed_package_version": "535.216.03-2~bpo12+1"}}})
    assert out["record"]["results"][0]["changed"] is True
    written = json.loads((ledger / "gpu02.json").read_text())
    assert written == {"state": "failed", "step": "install and activate the driver",
                       "reason": "apt-get failed: E: Could not get lock /var/lib/dpkg/lock-frontend",
                       "half_changed": "the apt pin names 535.261.03-1 but the driver packages "
                                       "are at 535.216.03-2~bpo12+1"}


def test_reset_clears_only_the_rollouts_hosts_and_decide_reads_the_rest(localhost_play, tmp_path):
    ledger = tmp_path / "upgrade"
    entries = {"gpu01": {"state": "verified"}, "gpu02": {"state": "failed", "reason": "x"},
               "gpu03": {"state": "verified"}}
    localhost_play(ROLLOUT, {"dir": str(ledger), "record": entries})
    out = localhost_play(ROLLOUT, {"dir": str(ledger), "reset": ["gpu02"],
                                   "hosts": ["gpu02", "gpu03"], "batch_host": "gpu02"})
    assert out["reset"]["removed"] == [str(ledger / "gpu02.json")]
    assert sorted(p.name for p in ledger.iterdir()) == ["gpu01.json", "gpu03.json"]
    rollout = out["decide"]["rollout"]
    assert rollout["lines"][1:3] == ["  gpu02: not started", "  gpu03: verified"]
    assert rollout["stop"] is False and rollout["batch"] == 1


def test_bad_settings_fail_with_every_variable_named(localhost_play, tmp_path):
    out = localhost_play(ROLLOUT, {"dir": str(tmp_path), "do_check": True, "serial": 0,
                                   "pct": 101, "drains": {"gpu01": "k8s"}})
    msg = out["check"]["msg"]
    assert out["check"]["failed"] is True
    for name in ("gpulab_upgrade_serial", "gpulab_upgrade_max_fail_percentage",
                 "gpulab_upgrade_drain is not one of none, slurm on gpu01 ('k8s')"):
        assert name in msg
