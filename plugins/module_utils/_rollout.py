# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Bookkeeping of a rolling driver upgrade (``playbooks/upgrade_driver.yml``).

The rollout upgrades ``gpulab_upgrade_serial`` hosts at a time. Each host ends its batch with one
ledger entry (a dict with at least ``state``); this module checks the rollout's settings, cuts
the hosts into the batches Ansible runs, decides after each batch whether the rollout goes on,
and writes the summary a human reads. Nothing here touches a host.

States of a host in the ledger:

``verified``               the new driver is what runs (and acceptance passed when enabled)
``failed``                 a step failed (``step`` and a one-line ``reason`` say which and why)
``unreachable``            the host could not be reached when its batch started
``skipped, busy``          its GPUs (or its Slurm node) were still in use: nothing was changed
``installed, not active``  the new packages are in place but the old driver still runs
``in progress``            the entry of a host whose batch never ended (it dropped off the
                           connection in the middle of a step, or the run was interrupted)
``not started``            no entry: its batch was never reached
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import fnmatch
import re

VERIFIED = "verified"
FAILED = "failed"
UNREACHABLE = "unreachable"
SKIPPED_BUSY = "skipped, busy"
INACTIVE = "installed, not active"
IN_PROGRESS = "in progress"
NOT_STARTED = "not started"
STATES = (VERIFIED, FAILED, UNREACHABLE, SKIPPED_BUSY, INACTIVE, IN_PROGRESS, NOT_STARTED)

DRAIN_MODES = ("none", "slurm")
BUSY_MODES = ("skip", "wait")
INACTIVE_MODES = ("stop", "continue")

# Longest reason a summary line carries (the full message stays in the task output).
REASON_LIMIT = 240
# Ansible's apt/dnf modules fail with "'<whole command line>' failed: <stderr>"; the command
# line (hundreds of characters of options and package names) is replaced by its program name.
_COMMAND_FAILED = re.compile(r"^'(?:[^\s']*/)?([^\s'/]+)(?:\s.*?)?' failed:\s*", re.S)


class RolloutError(ValueError):
    """A setting of the rollout that cannot work (the message names the variable and the fix)."""


def one_line(text, limit=REASON_LIMIT):
    """A failure message as one summary line: the command line of a failed package manager call
    reduced to the program's name, whitespace (newlines too) collapsed, cut at ``limit``."""
    text = "" if text is None else str(text)
    # ansible-core 2.19 puts "Task failed: " in front of what a task or connection said.
    text = re.sub(r"^(?:Task failed:\s*)+", "", text.strip())
    text = _COMMAND_FAILED.sub(lambda match: match.group(1) + " failed: ", text)
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 3].rstrip() + "..."
    return text


def _integer(value):
    """``value`` as an int when it is one (also "3"), else None; booleans are not numbers."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value == int(value):
        return int(value)
    if isinstance(value, str) and re.match(r"^\s*[0-9]+\s*$", value):
        return int(value)
    return None


def check_settings(serial=1, max_fail_percentage=0, drain="none", busy="skip", busy_timeout=0,
                   drain_timeout=0, poll_interval=10, inactive="stop", drains=None):
    """Raise RolloutError naming every setting that cannot work; return the settings, normalised.

    ``drains`` maps hosts to their own gpulab_upgrade_drain (it may differ between hosts)."""
    problems = []
    wrong = sorted("%s (%r)" % (host, mode) for host, mode in (drains or {}).items()
                   if mode not in DRAIN_MODES)
    if wrong:
        problems.append("gpulab_upgrade_drain is not one of %s on %s"
                        % (", ".join(DRAIN_MODES), ", ".join(wrong)))
    serial_text = str(serial).strip() if not isinstance(serial, bool) else ""
    if serial_text.endswith("%"):
        percent = _integer(serial_text[:-1])
        if percent is None or not 1 <= percent <= 100:
            problems.append("gpulab_upgrade_serial is %r: a percentage of the hosts must be 1%% to "
                            "100%%" % (serial,))
        normal_serial = serial_text
    else:
        count = _integer(serial)
        if count is None or count < 1:
            problems.append("gpulab_upgrade_serial is %r: set the number of hosts per batch (1 or "
                            "more) or a percentage like '25%%'" % (serial,))
        normal_serial = count
    percentage = None if isinstance(max_fail_percentage, bool) else max_fail_percentage
    try:
        percentage = float(percentage)
    except (TypeError, ValueError):
        percentage = None
    if percentage is None or not 0 <= percentage <= 100:
        problems.append("gpulab_upgrade_max_fail_percentage is %r: set a percentage from 0 (stop "
                        "at the first failed host) to 100 (never stop)" % (max_fail_percentage,))
    if drain not in DRAIN_MODES:
        problems.append("gpulab_upgrade_drain is %r: use one of %s" % (drain, ", ".join(DRAIN_MODES)))
    if busy not in BUSY_MODES:
        problems.append("gpulab_upgrade_busy is %r: use 'skip' (leave a busy host as it is) or "
                        "'wait' (wait up to gpulab_upgrade_busy_timeout seconds)" % (busy,))
    if inactive not in INACTIVE_MODES:
        problems.append("gpulab_upgrade_inactive is %r: use 'stop' (the rollout stops when the new "
                        "driver does not run on a host) or 'continue'" % (inactive,))
    for name, value, least in (("gpulab_upgrade_busy_timeout", busy_timeout, 0),
                               ("gpulab_upgrade_drain_timeout", drain_timeout, 0),
                               ("gpulab_upgrade_poll_interval", poll_interval, 1)):
        number = _integer(value)
        if number is None or number < least:
            problems.append("%s is %r: set a whole number of seconds, %d or more"
                            % (name, value, least))
    if problems:
        raise RolloutError("The rollout's settings cannot work; nothing was changed on any host. "
                           + "; ".join(problems) + ".")
    return {"serial": normal_serial, "drains": dict(drains or {}), "max_fail_percentage": percentage, "drain": drain,
            "busy": busy, "busy_timeout": _integer(busy_timeout),
            "drain_timeout": _integer(drain_timeout), "poll_interval": _integer(poll_interval),
            "inactive": inactive}


def batches(hosts, serial):
    """The batches Ansible runs ``hosts`` in for ``serial`` (a count or ``"N%"``), as its
    ``serial`` keyword cuts them (a percentage rounds down, at least one host a batch)."""
    hosts = list(hosts)
    text = str(serial).strip()
    if text.endswith("%"):
        size = int(int(text[:-1]) / 100.0 * len(hosts)) or 1
    else:
        size = int(text)
    if size < 1:
        raise RolloutError("gpulab_upgrade_serial must be 1 or more, got %r" % (serial,))
    return [hosts[start:start + size] for start in range(0, len(hosts), size)]


def counts_as_failure(state, inactive="stop"):
    """Does a host in ``state`` count against gpulab_upgrade_max_fail_percentage?"""
    if state == INACTIVE:
        return inactive == "stop"
    return state in (FAILED, UNREACHABLE, IN_PROGRESS)


def clean_entry(entry):
    """A ledger entry as it is written: ``step``, ``task``, ``reason``, ``half_changed`` and
    ``slurm`` as single trimmed lines, empty fields left out. ``pin_file_text`` and
    ``installed_package_version`` (the driver's apt pin file and installed package version of a
    host whose upgrade failed) are replaced by ``half_changed`` when they disagree."""
    entry = dict(entry or {})
    if not entry.get("state"):
        raise RolloutError("a ledger entry needs a state (one of %s)" % ", ".join(STATES))
    # What a failed host's pin file says and which driver packages it has: half-changed?
    pin_text = entry.pop("pin_file_text", None)
    installed = entry.pop("installed_package_version", None)
    if pin_text and installed and not entry.get("half_changed"):
        entry["half_changed"] = half_changed(pin_text, installed)
    for key in [key for key, value in entry.items() if value in (None, "")]:
        del entry[key]
    for key in ("step", "task", "reason", "half_changed", "slurm"):
        if entry.get(key) is not None:
            entry[key] = one_line(entry[key])
    return entry


def host_state(entry):
    """The state of a ledger entry (None or no state: not started)."""
    if not entry or not entry.get("state"):
        return NOT_STARTED
    return entry["state"]


def describe(host, entry):
    """One summary line for a host: ``name: state (step: reason) [half-changed: ...]``."""
    state = host_state(entry)
    entry = entry or {}
    line = "%s: %s" % (host, state)
    details = []
    step = one_line(entry.get("step"))
    reason = one_line(entry.get("reason"))
    if state == IN_PROGRESS:
        details.append("its batch never ended; last step: %s" % (step or "unknown"))
        if reason:
            details.append(reason)
    else:
        task = one_line(entry.get("task"))
        if step and state != VERIFIED:
            details.append("at '%s'%s" % (step, (", task '%s'" % task) if task else ""))
        if reason:
            details.append(reason)
    if details:
        line += " (" + ": ".join(details) + ")"
    if entry.get("half_changed"):
        line += " [HALF-CHANGED: %s; the next run repairs it]" % one_line(entry["half_changed"])
    if entry.get("slurm"):
        line += " [slurm: %s]" % one_line(entry["slurm"])
    return line


def decide(hosts, entries, serial, host, max_fail_percentage=0, inactive="stop"):
    """After the batch that ``host`` is in: does the rollout go on, and what does it say?

    ``hosts`` are the rollout's hosts in play order, ``entries`` maps host names to ledger
    entries (missing: not started). Returns ``{"batch", "batches", "batch_hosts", "stop", "last",
    "failed", "failing", "batch_failing", "batch_line", "lines", "descriptions", "counts"}``: ``stop`` when this batch's failures exceed
    ``max_fail_percentage`` of its hosts (as Ansible's keyword of that name counts, but with
    unreachable hosts included) or, with ``inactive`` ``stop``, a host's new driver does not run;
    ``lines`` is the rollout's summary (one line a host, then the outcome), meant to be shown
    once, when ``stop`` or ``last``; ``failed`` whether any host of the rollout counts as failed,
    ``failing`` which (``batch_failing``: those of this batch); ``descriptions`` maps each host to
    its summary line."""
    hosts = list(hosts)
    entries = entries or {}
    cut = batches(hosts, serial)
    index = next((i for i, batch in enumerate(cut) if host in batch), None)
    if index is None:
        raise RolloutError("%s is not one of the rollout's hosts (%s)" % (host, ", ".join(hosts)))
    batch = cut[index]
    states = dict((name, host_state(entries.get(name))) for name in hosts)
    failing = [name for name in batch if counts_as_failure(states[name], inactive)]
    inactive_hosts = [name for name in batch if states[name] == INACTIVE]
    reasons = []
    if len(failing) * 100.0 > float(max_fail_percentage) * len(batch):
        reasons.append("%d of its %d host(s) failed or could not be reached (%s), more than "
                       "gpulab_upgrade_max_fail_percentage %s%%"
                       % (len(failing), len(batch), ", ".join(failing),
                          _number(max_fail_percentage)))
    if inactive_hosts and inactive == "stop":
        reasons.append("the new driver is installed but does not run on %s (reboot it, or set "
                       "gpulab_upgrade_inactive: continue to go on without that)"
                       % ", ".join(inactive_hosts))
    stop = bool(reasons)
    last = index == len(cut) - 1
    counts = {}
    for name in hosts:
        counts[states[name]] = counts.get(states[name], 0) + 1
    tally = ", ".join("%d %s" % (counts[state], state) for state in STATES if state in counts)
    batch_line = "Batch %d of %d (%s): %s. " % (
        index + 1, len(cut), ", ".join(batch),
        ", ".join("%s %s" % (name, states[name]) for name in batch))
    if stop:
        batch_line += "The rollout stops: " + "; ".join(reasons) + "."
    else:
        if last:
            batch_line += "That was the last batch."
        else:
            batch_line += "The rollout goes on with batch %d." % (index + 2)
        if inactive_hosts:
            batch_line += (" The new driver does not run on %s; gpulab_upgrade_inactive is "
                           "continue, so the rollout does not stop for it." % ", ".join(inactive_hosts))
    lines = ["Driver rollout, %d host(s) in %d batch(es):" % (len(hosts), len(cut))]
    lines += ["  " + describe(name, entries.get(name)) for name in hosts]
    untouched = [name for name in hosts if states[name] == NOT_STARTED]
    if stop:
        outcome = "The rollout STOPPED after batch %d of %d: %s." % (
            index + 1, len(cut), "; ".join(reasons))
        if untouched:
            outcome += " Not started, left as they were: %s." % ", ".join(untouched)
    else:
        outcome = "The rollout went through all %d batch(es)." % len(cut)
    lines.append(outcome + " Totals: " + tally + ".")
    failing_all = [name for name in hosts if counts_as_failure(states[name], inactive)]
    return {"batch": index + 1, "batches": len(cut), "batch_hosts": batch, "stop": stop,
            "last": last, "failed": bool(failing_all), "failing": failing_all,
            "batch_failing": failing, "batch_line": batch_line, "lines": lines,
            "descriptions": dict((name, describe(name, entries.get(name))) for name in hosts),
            "counts": counts}


def pinned_versions(pin_text):
    """The versions an apt preferences file pins (``Pin: version X``), in order, once each."""
    found = []
    for match in re.finditer(r"^Pin:\s*version\s+(\S+)\s*$", pin_text or "", re.M):
        if match.group(1) not in found:
            found.append(match.group(1))
    return found


def half_changed(pin_text, installed_package_version):
    """A sentence when the driver's apt pin names another version than the installed packages
    (the pin was moved, the packages were not), else None."""
    pinned = pinned_versions(pin_text)
    if not pinned or not installed_package_version:
        return None
    # A pin may be a pattern (``550.127.05-*``); the packages match it or they do not.
    if all(fnmatch.fnmatchcase(installed_package_version, pin) for pin in pinned):
        return None
    return "the apt pin names %s but the driver packages are at %s" % (
        ", ".join(pinned), installed_package_version)


def _number(value):
    value = float(value)
    return "%d" % value if value == int(value) else "%s" % value
