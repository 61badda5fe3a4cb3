"""Run ansible-playbook against a molecule scenario's instances from a testinfra verifier.

Used by verifiers that check what a user sees in the output of a real run (the summary, the
recap, a failure message), not only the state a run left behind.
"""

import os
import re
import subprocess

PROJECT = os.environ["MOLECULE_PROJECT_DIRECTORY"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
RECAP_LINE = re.compile(r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+"
                        r"unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)", re.M)


def _env():
    env = dict(os.environ,
               ANSIBLE_CONFIG=os.path.join(PROJECT, "ansible.cfg"),
               ANSIBLE_STDOUT_CALLBACK="ansible.builtin.default",
               ANSIBLE_NOCOLOR="1",
               ANSIBLE_FORCE_COLOR="0",
               # The interpreter molecule/config.yml gives converge, so both runs agree.
               ANSIBLE_PYTHON_INTERPRETER="/usr/bin/python3")
    # Reports go where the scenario's own converge puts them (its ephemeral directory).
    env.setdefault("GPULAB_REPORT_DIR",
                   os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "reports"))
    return env


def _argv(playbook, extra):
    return ["ansible-playbook", "-i", os.environ["MOLECULE_INVENTORY_FILE"],
            os.path.join(PROJECT, playbook)] + list(extra)


def run_playbook(playbook, *extra, timeout=900):
    """Run a playbook of this checkout (path relative to it) against the scenario's hosts."""
    return subprocess.run(_argv(playbook, extra), env=_env(), capture_output=True, text=True,
                          check=False, timeout=timeout)


def start_playbook(playbook, *extra):
    """The same run in the background, in a session of its own (os.killpg ends it and its
    workers at once, as a lost controller would)."""
    return subprocess.Popen(_argv(playbook, extra), env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def recap(stdout):
    """The PLAY RECAP counters per host: {host: {"ok": n, "changed": n, ...}}."""
    return {m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"}
            for m in RECAP_LINE.finditer(ANSI.sub("", stdout))}


# The controller's cluster table is written once per run (run_once, delegated to localhost), so
# its change is reported on the first host of the play: a change of the controller's file, not
# of that host.
REPORT_TASKS = (
    "gpulab.pytorch_stack.acceptance : Create the cluster report directory on the controller",
    "gpulab.pytorch_stack.acceptance : Write the cluster report (report.md, report.html, report.json) on the controller",
)


def changed_tasks(stdout):
    """{host: [the names of the tasks that reported changed on it]} from the default callback."""
    changed, task = {}, None
    for line in ANSI.sub("", stdout).splitlines():
        banner = re.match(r"^TASK \[(.*)\] \**$", line)
        if banner:
            task = banner.group(1)
        hit = re.match(r"^changed: \[([^\]]+?)(?: -> [^\]]+)?\]", line)
        if hit:
            changed.setdefault(hit.group(1), []).append(task)
    return changed


def host_changes(stdout, host):
    """The tasks that changed something on host itself (the controller's table left out)."""
    return [task for task in changed_tasks(stdout).get(host, []) if task not in REPORT_TASKS]
