"""Package faults on the converged driver host, through site.yml as a lab runs it: a dpkg lock
another process holds, and a run killed with dpkg in the middle of an unpack. Each run that
fails names the cause; the run after it repairs the host; the run after that changes nothing.
The tests run in file order and build on each other: the first removes the driver's NVML
library, which neither faulted run can put back and the repairing run reinstalls."""

import json
import os
import re
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import changed_tasks, recap, run_playbook, start_playbook  # noqa: E402

CONTAINER = "gpulab-nvidia_driver-1"
SITE = os.path.join("playbooks", "site.yml")
DRIVER_ONLY = ("-e", json.dumps({"gpulab_layers": ["nvidia_driver"]}))
PACKAGE = "libnvidia-ml1"
# A process named for the test (argv[0]), so that the message can be checked and the test can
# end it: the holder's command line is named in the failure, cut at 120 characters.
HOLD_LOCK = ("exec -a gpulab-test-lock-holder python3 -c \"import fcntl, time; "
             "lock = open('/var/lib/dpkg/lock-frontend', 'w'); fcntl.lockf(lock, fcntl.LOCK_EX); "
             "time.sleep(900)\"")
# In the host, the moment dpkg's journal says the package is half-installed: freeze apt-get (so
# the run cannot go on and end by itself), kill dpkg, and leave a mark for the test, which then
# kills the run on the controller and the frozen apt-get: the package is half-installed and
# dpkg's journal pending, as after a power cut in the middle of an install (dpkg_killer.py).
MARK = "/run/gpulab-test-dpkg-killed"
KILLER = os.path.join(os.path.dirname(__file__), "dpkg_killer.py")


def _detached(*argv):
    subprocess.run(["docker", "exec", "-d", CONTAINER] + list(argv), check=True, timeout=60)


def _site():
    return run_playbook(SITE, *DRIVER_ONLY, timeout=900)


def _status(host):
    return host.check_output("dpkg-query -W -f '${db:Status-Abbrev}' %s 2>/dev/null || true"
                             % PACKAGE).strip()


def test_a_held_dpkg_lock_fails_the_layer_naming_its_holder(host):
    host.run_expect([0], "DEBIAN_FRONTEND=noninteractive apt-get -y -qq remove %s" % PACKAGE)
    _detached("bash", "-c", HOLD_LOCK)
    try:
        held = _site()
    finally:
        host.run("pkill -f gpulab-test-lock-holder")
    assert held.returncode != 0
    words = " ".join(held.stdout.split())
    # the run summary's line for the host: the layer, and the holder by process and command
    assert re.search(r"nvidia_driver: '?FAILED: .*/var/lib/dpkg/lock-frontend is held by process "
                     r"\d+ \(gpulab-test-lock-holder -c import fcntl", words), held.stdout[-4000:]
    # nothing was half-done: the package is simply not there yet
    assert _status(host) in ("", "un", "rc"), _status(host)


def _marked():
    return subprocess.run(["docker", "exec", CONTAINER, "test", "-e", MARK], check=False,
                          timeout=60).returncode == 0


def test_a_run_killed_mid_unpack_is_finished_by_the_next_run(host):
    host.run("rm -f " + MARK)
    subprocess.run(["docker", "cp", KILLER, CONTAINER + ":/run/gpulab-dpkg-killer.py"],
                   check=True, timeout=60)
    _detached("python3", "/run/gpulab-dpkg-killer.py", PACKAGE, MARK)
    run = start_playbook(SITE, *DRIVER_ONLY)
    deadline = time.time() + 600
    try:
        while not _marked() and run.poll() is None and time.time() < deadline:
            time.sleep(0.2)
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        output = run.communicate(timeout=60)[0]
        host.run("pkill -9 -x apt-get")
        host.run("pkill -f gpulab-dpkg-killer")
    assert _marked(), output[-4000:]
    assert run.returncode == -signal.SIGKILL, output[-4000:]   # killed, not ended by itself
    # the fault is real: dpkg's own audit lists the half-installed package
    assert PACKAGE in host.check_output("dpkg --audit")
    assert _status(host) == "iHR"   # installed, half-installed, reinstall required

    repair = _site()
    assert repair.returncode == 0, repair.stdout[-4000:]
    assert "Configure what the interrupted run unpacked (dpkg --configure -a)" in \
        changed_tasks(repair.stdout)[CONTAINER]
    assert host.check_output("dpkg --audit") == ""
    assert _status(host) == "ii"

    again = _site()
    assert again.returncode == 0, again.stdout[-4000:]
    assert all(c["changed"] == 0 for c in recap(again.stdout).values()), again.stdout[-4000:]
