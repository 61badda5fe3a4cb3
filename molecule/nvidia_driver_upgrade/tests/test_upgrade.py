"""A rolling driver upgrade 535.216.03 (backports) -> 535.261.03 (bookworm) over three
containers, serial 1, run with playbooks/upgrade_driver.yml as a lab runs it, one situation
after the other (the tests run in file order and build on each other)."""

import json
import os
import re
import sys
import time

import testinfra

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import ANSI, PROJECT, recap, run_playbook, start_playbook  # noqa: E402

OLD, NEW = "535.216.03-2~bpo12+1", "535.261.03-1"
H1, H2, H3 = ("gpulab-nvidia_driver_upgrade-%d" % n for n in (1, 2, 3))
GHOST = "gpulab-nvidia_driver_upgrade-ghost"  # in inventory/ghost.yml: nothing answers
HOSTS = (H1, H2, H3)
ROLLOUT = "playbooks/upgrade_driver.yml"
PIN = "/etc/apt/preferences.d/gpulab-nvidia-driver.pref"
LOADED = "/srv/gpulab-fake-sys/module/nvidia/version"
HOOK = "/etc/apt/apt.conf.d/99gpulab-test-failing-hook"
LEDGER = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "reports", "upgrade")
GHOST_INVENTORY = os.path.join(PROJECT, "molecule", "nvidia_driver_upgrade", "inventory",
                               "ghost.yml")
# Summary lines come out as JSON strings (one per line, never wrapped).
os.environ["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"
TIMES = {}
BUSY = {}


def _host(name):
    return testinfra.get_host("ansible://" + name,
                              ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


def _rollout(*extra):
    start = time.time()
    run = run_playbook(ROLLOUT, *extra, timeout=900)
    TIMES.setdefault(sys._getframe(1).f_code.co_name, []).append(round(time.time() - start, 1))
    return run


def _version(name):
    return _host(name).check_output("dpkg-query -W -f '${Version}' libnvidia-ml1")


def _pin(name):
    return _host(name).file(PIN).content_string


def _ledger(name):
    with open(os.path.join(LEDGER, name + ".json")) as handle:
        return json.load(handle)


def _summary(stdout):
    """The rollout's summary lines ("  host: state ..."), from the JSON the debug task prints."""
    text = ANSI.sub("", stdout)
    start = text.index('"Driver rollout, ')
    lines = []
    for line in text[start:].splitlines()[1:]:
        match = re.match(r'^\s*"(.*)",?$', line)
        if not match:
            break
        lines.append(json.loads('"%s"' % match.group(1)))
    return lines


def _slurm_node():
    return _host(H2).check_output("scontrol --oneliner show node gpunode")


def _managed_changes(run):
    return {name: c["changed"] for name, c in recap(run.stdout).items() if name in HOSTS}


def _untouched(name):
    assert _version(name) == OLD
    assert "Pin: version %s" % OLD in _pin(name)


# ---- bad input: refused before the first batch, nothing changes anywhere ----------------------

def test_settings_that_cannot_work_are_refused_before_any_host_changes():
    run = _rollout("-e", "gpulab_upgrade_serial=0", "-e", "gpulab_upgrade_max_fail_percentage=150",
                   "-e", "gpulab_upgrade_drain=kubernetes")
    assert run.returncode != 0
    for name in ("gpulab_upgrade_serial is '0'", "gpulab_upgrade_max_fail_percentage is '150'",
                 "gpulab_upgrade_drain is 'kubernetes'"):
        assert name in run.stdout, run.stdout
    assert "Upgrade the driver batch by batch" not in run.stdout
    run = _rollout("-e", "gpulab_upgrade_drain=slurm")
    assert run.returncode != 0
    assert "gpulab_upgrade_drain is slurm, but %s, %s have no scontrol/squeue" % (H1, H3) \
        in " ".join(ANSI.sub("", run.stdout).split()), run.stdout
    for name in HOSTS:
        _untouched(name)


# ---- a failure in the middle batch, with a Slurm job that must end first -----------------------

def _start_rollout(*extra):
    return start_playbook(ROLLOUT, *extra)


def _wait_for(what, check, timeout=300):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    raise AssertionError("gave up waiting for " + what)


def _ledger_step(name):
    """The step a host is in progress at (None: no entry, or the entry of a host that ended)."""
    try:
        entry = _ledger(name)
    except (IOError, ValueError):
        return None
    return entry.get("step") if entry.get("state") == "in progress" else None


def test_a_failure_in_the_middle_batch_stops_the_rollout_after_the_slurm_job_ends():
    h2 = _host(H2)
    # A dpkg hook that fails (as a snapshot tool's can): apt fails after the pin has moved.
    h2.run_test("""printf 'DPkg::Pre-Invoke {"false";};\\n' > %s""", HOOK)
    # A job that runs until the test lets it end.
    h2.run_test("rm -f /tmp/gpulab-release /tmp/gpulab-job-end")
    job = h2.check_output(
        "cd /tmp && su lab -c \"sbatch --parsable --nodelist=gpunode --output=/dev/null --wrap "
        "'while [ ! -e /tmp/gpulab-release ]; do sleep 1; done; date +%s.%N > /tmp/gpulab-job-end'\"")
    _wait_for("the job to run", lambda: h2.check_output(
        "squeue --noheader --jobs=%s --format=%%T", job) == "RUNNING")
    start = time.time()
    proc = _start_rollout()
    # The rollout reaches the Slurm node, drains it and waits: nothing of the driver moves.
    _wait_for("the rollout to drain gpunode", lambda: (
        _ledger_step(H2) == "drain the Slurm node" and "DRAIN" in _slurm_node()))
    time.sleep(6)  # three looks at the queue
    assert proc.poll() is None
    assert _ledger(H2) == {"state": "in progress", "step": "drain the Slurm node"}
    assert "State=MIXED+DRAIN" in _slurm_node() or "State=ALLOCATED+DRAIN" in _slurm_node()
    assert "Reason=gpulab driver upgrade to 535.261.03" in _slurm_node()
    _untouched(H2)
    assert h2.check_output("squeue --noheader --jobs=%s --format=%%T", job) == "RUNNING"
    h2.run_test("touch /tmp/gpulab-release")
    out = proc.communicate(timeout=900)[0]
    TIMES["test_a_failure_in_the_middle_batch_stops_the_rollout_after_the_slurm_job_ends"] = [
        round(time.time() - start, 1)]
    assert proc.returncode != 0, out
    job_end = float(h2.check_output("cat /tmp/gpulab-job-end"))
    pin_moved = float(h2.check_output("stat -c %%.9Y %s", PIN))
    assert job_end <= pin_moved  # the first change to the host came after the job ended

    # Batch 1 upgraded and verified; batch 2 failed, half-changed, left drained; batch 3 untouched.
    assert _version(H1) == NEW and _ledger(H1)["state"] == "verified"
    entry = _ledger(H2)
    assert entry["state"] == "failed"
    assert entry["step"] == "install and activate the driver"
    assert entry["task"] == "Install the driver packages at the pinned version"
    assert entry["reason"] == ("apt-get failed: E: Problem executing scripts DPkg::Pre-Invoke "
                               "'false' E: Sub-process returned an error code")
    assert entry["half_changed"] == ("the apt pin names %s but the driver packages are at %s"
                                     % (NEW, OLD))
    assert _version(H2) == OLD and "Pin: version %s" % NEW in _pin(H2)
    assert "DRAIN" in _slurm_node()
    assert "Reason=gpulab driver upgrade failed: install and activate the driver" in _slurm_node()
    _untouched(H3)
    assert not os.path.exists(os.path.join(LEDGER, H3 + ".json"))

    # One summary, and nothing after it says the rollout went on.
    text = ANSI.sub("", out)
    assert text.count('"Driver rollout, 3 host(s) in 3 batch(es):"') == 1
    summary = _summary(out)
    assert summary[0] == "  %s: verified" % H1
    assert summary[1].startswith("  %s: failed (at 'install and activate the driver', task 'Install "
                                 "the driver packages at the pinned version': apt-get failed: E: "
                                 "Problem executing scripts DPkg::Pre-Invoke 'false'" % H2)
    assert "[HALF-CHANGED: the apt pin names %s but the driver packages are at %s; the next run " \
           "repairs it]" % (NEW, OLD) in summary[1]
    assert "[slurm: node gpunode drained, left drained]" in summary[1]
    assert summary[2] == "  %s: not started" % H3
    assert summary[3].startswith("The rollout STOPPED after batch 2 of 3")
    assert "Not started, left as they were: %s." % H3 in summary[3]
    assert "goes on with batch 3" not in text
    assert "Batch 3 of 3" not in text
    assert "Dpkg::Options" not in "\n".join(summary)  # no raw apt command line


# ---- the next run repairs the half-changed host and refuses the busy one -----------------------

def test_the_next_run_repairs_the_failed_host_and_leaves_a_busy_one_untouched():
    _host(H2).run_test("rm -f %s", HOOK)
    h3 = _host(H3)
    # A process with a GPU device open (a training job, as far as the rollout can tell).
    h3.run_test("touch /dev/nvidia0 && (setsid sleep 600 < /dev/nvidia0 > /dev/null 2>&1 &)")
    busy = h3.check_output("pgrep -nx sleep")  # PID 1 is the container's own sleep
    run = _rollout()
    assert run.returncode == 0, run.stdout
    assert _version(H2) == NEW and "Pin: version %s" % NEW in _pin(H2)
    assert _ledger(H2)["state"] == "verified"
    assert "node gpunode left drained by an earlier run" in _ledger(H2)["slurm"] or \
        "drained, then resumed" in _ledger(H2)["slurm"]
    assert "DRAIN" not in _slurm_node()  # back in service
    assert _ledger(H1)["state"] == "verified" and _managed_changes(run)[H1] == 0
    entry = _ledger(H3)
    assert entry["state"] == "skipped, busy"
    assert entry["step"] == "check that no process uses the GPUs"
    assert entry["reason"] == ("processes %s (sleep) use the GPU (gpulab_upgrade_busy: skip); "
                               "nothing was changed" % busy)
    _untouched(H3)
    assert _managed_changes(run)[H3] == 0
    BUSY["pid"] = busy
    summary = _summary(run.stdout)
    assert summary[2].startswith("  %s: skipped, busy" % H3)
    assert summary[3].startswith("The rollout went through all 3 batch(es).")


def test_a_busy_host_is_waited_for_when_asked_and_other_hosts_keep_their_entries():
    h3 = _host(H3)
    h3.run_test("kill %s", BUSY["pid"])
    # A process that holds the GPU until the test lets it end.
    h3.run_test("rm -f /tmp/gpulab-release /tmp/gpulab-busy-end && (setsid sh -c 'while [ ! -e "
                "/tmp/gpulab-release ]; do sleep 1; done; date +%s.%N > /tmp/gpulab-busy-end' "
                "< /dev/nvidia0 > /dev/null 2>&1 &)")
    start = time.time()
    proc = _start_rollout("-e", "gpulab_hosts=%s" % H3, "-e", "gpulab_upgrade_busy=wait",
                          "-e", "gpulab_upgrade_busy_timeout=300")
    _wait_for("the rollout to look at the GPUs",
              lambda: _ledger_step(H3) == "check that no process uses the GPUs")
    time.sleep(6)  # three looks at the processes
    assert proc.poll() is None
    _untouched(H3)
    h3.run_test("touch /tmp/gpulab-release")
    out = proc.communicate(timeout=900)[0]
    TIMES["test_a_busy_host_is_waited_for_when_asked_and_other_hosts_keep_their_entries"] = [
        round(time.time() - start, 1)]
    assert proc.returncode == 0, out
    assert _version(H3) == NEW and _ledger(H3)["state"] == "verified"
    busy_end = float(h3.check_output("cat /tmp/gpulab-busy-end"))
    assert busy_end <= float(h3.check_output("stat -c %%.9Y %s", PIN))
    assert "FAILED - RETRYING: [%s]: Wait until no process uses the GPUs" % H3 in out
    # A rollout of one host leaves the other hosts' ledger entries as they were.
    assert _ledger(H1)["state"] == "verified" and _ledger(H2)["state"] == "verified"
    assert _summary(out)[0].startswith("  %s: verified" % H3)


# ---- installed, not active --------------------------------------------------------------------

def test_a_driver_installed_but_not_running_stops_the_rollout_and_an_admins_drain_stays():
    h2 = _host(H2)
    # The container host booted its old module again; an administrator drained the node.
    h2.run_test("echo 535.216.03 > %s", LOADED)
    h2.run_test("scontrol update nodename=gpunode state=drain 'reason=disk swap'")
    run = _rollout("--limit", "%s,%s" % (H2, H3))
    assert run.returncode != 0
    entry = _ledger(H2)
    assert entry["state"] == "installed, not active"
    assert entry["reason"] == ("535.261.03 is installed but 535.216.03 runs (reload_possible; "
                               "nvidia_driver_reboot is auto; a container cannot reboot: its host "
                               "must load the new module)")
    assert entry["slurm"] == 'node gpunode was drained by an administrator ("disk swap"): left drained'
    assert "Reason=disk swap" in _slurm_node()
    summary = _summary(run.stdout)
    assert summary[1] == "  %s: not started" % H3
    assert summary[2].startswith("The rollout STOPPED after batch 1 of 2")
    assert "the new driver is installed but does not run on %s" % H2 in summary[2]
    run = _rollout("--limit", "%s,%s" % (H2, H3), "-e", "gpulab_upgrade_inactive=continue")
    assert run.returncode == 0, run.stdout
    assert "gpulab_upgrade_inactive is continue, so the rollout does not stop for it" in \
        ANSI.sub("", run.stdout)
    assert _ledger(H2)["state"] == "installed, not active"
    assert _ledger(H3)["state"] == "verified"
    assert "Reason=disk swap" in _slurm_node()


# ---- an unreachable host counts, also under --limit -------------------------------------------

def test_an_unreachable_host_in_a_batch_with_others_stops_the_rollout():
    h2 = _host(H2)
    # The container host runs the new module again; the administrator is done with the node.
    h2.run_test("echo 535.261.03 > %s", LOADED)
    h2.run_test("scontrol update nodename=gpunode state=resume")
    run = _rollout("-i", GHOST_INVENTORY, "--limit", "%s,%s,%s" % (H1, H2, GHOST),
                   "-e", "gpulab_upgrade_serial=3")
    assert run.returncode != 0
    assert _ledger(GHOST)["state"] == "unreachable"
    assert "Connection refused" in _ledger(GHOST)["reason"]
    summary = _summary(run.stdout)
    assert summary[0] == "  %s: verified" % H1
    assert summary[1] == "  %s: verified [slurm: node gpunode in service]" % H2
    assert summary[2].startswith("  %s: unreachable (at 'reach the host': " % GHOST)
    assert "ssh: connect to host 127.0.0.1 port 9: Connection refused)" in summary[2]
    assert summary[3].startswith("The rollout STOPPED after batch 1 of 1: 1 of its 3 host(s) "
                                 "failed or could not be reached (%s)" % GHOST)
    assert _ledger(H3)["state"] == "verified"  # not in this rollout: kept


def test_the_converged_rollout_changes_nothing():
    run = _rollout()
    assert run.returncode == 0, run.stdout
    assert _managed_changes(run) == {H1: 0, H2: 0, H3: 0}, run.stdout
    assert [_ledger(name)["state"] for name in HOSTS] == ["verified"] * 3
    assert "DRAIN" not in _slurm_node()
    # the disk a driver upgrade asks for is the driver's, not the whole stack's
    assert " ".join(run.stdout.split()).count("1024 MiB needed for nvidia_driver") == 3, \
        run.stdout[-3000:]
    print("wall times of the rollout runs (s):", json.dumps(TIMES, indent=1))
