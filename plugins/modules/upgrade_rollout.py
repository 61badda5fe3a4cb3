#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: upgrade_rollout
short_description: Check, reset and account for a rolling driver upgrade's ledger
version_added: 0.2.0
description:
  - The controller-side bookkeeping of C(playbooks/upgrade_driver.yml). Run it on the
    controller (C(delegate_to=localhost)).
  - O(step=check) checks the rollout's settings and fails, naming each setting that cannot
    work and its fix, before the first batch.
  - O(step=reset) removes the ledger entries (C(<dir>/<host>.json)) of O(hosts) only, so a run
    for some hosts keeps the entries of the others.
  - O(step=record) writes O(entry) as O(host)'s ledger entry, its C(step), C(reason),
    C(task), C(half_changed) and C(slurm) reduced to one trimmed line each (a failed package manager
    call's command line becomes its program's name), and C(pin_file_text) with
    C(installed_package_version) replaced by C(half_changed) when the pin names another version.
  - O(step=decide) reads the ledger entries of O(hosts) after the batch that O(host) is in, and
    says whether the rollout goes on (RV(rollout.stop)) and what it did (RV(rollout.lines)).
    Unreachable hosts count against O(max_fail_percentage) like failed ones.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  step:
    description: What to do.
    type: str
    choices: [check, reset, record, decide]
    required: true
  dir:
    description: The ledger directory (one C(<host>.json) a host), created when missing. Required for every step but O(step=check).
    type: path
  hosts:
    description: The rollout's hosts, in the order the play runs them.
    type: list
    elements: str
    default: []
  host:
    description: With O(step=record), the host the entry is about; with O(step=decide), a host of the batch that just ended.
    type: str
  entry:
    description:
      - With O(step=record), the host's ledger entry. C(state) is required (C(verified), C(failed),
        C(unreachable), C(skipped, busy), C(installed, not active) or C(in progress)); C(step),
        C(reason), C(half_changed) and C(slurm) are summary text; other keys are kept as given.
    type: dict
  serial:
    description: Hosts a batch (C(gpulab_upgrade_serial)), a number or a percentage like C(25%).
    type: raw
    default: 1
  max_fail_percentage:
    description:
      - Percentage of a batch's hosts that may fail or be unreachable before the rollout stops
        (C(gpulab_upgrade_max_fail_percentage)), 0 to 100. The rollout stops when it is exceeded.
    type: raw
    default: 0
  drain:
    description: How a host is taken out of service before the change (C(gpulab_upgrade_drain)).
    type: str
    default: none
  drains:
    description: Each host's own C(gpulab_upgrade_drain), by host name (checked with O(step=check)).
    type: dict
    default: {}
  busy:
    description: What happens to a host whose GPUs are in use (C(gpulab_upgrade_busy)), C(skip) or C(wait).
    type: str
    default: skip
  busy_timeout:
    description: Seconds to wait for a busy host's GPUs to be free, with O(busy=wait).
    type: raw
    default: 0
  drain_timeout:
    description: Seconds to wait for a drained Slurm node's jobs to end.
    type: raw
    default: 0
  poll_interval:
    description: Seconds between two looks at a busy host or node.
    type: raw
    default: 10
  inactive:
    description:
      - C(stop) (the rollout stops after a batch in which the new driver was installed but does
        not run on a host) or C(continue) (it goes on and says so).
    type: str
    default: stop
notes:
  - Changes only the ledger directory on the controller (O(step=reset)); reports
    C(changed=false) otherwise.
seealso:
  - module: ansible.builtin.copy
"""

EXAMPLES = r"""
- name: Refuse settings that cannot work, before the first batch
  gpulab.pytorch_stack.upgrade_rollout:
    step: check
    serial: "{{ gpulab_upgrade_serial }}"
    max_fail_percentage: "{{ gpulab_upgrade_max_fail_percentage }}"
    drain: "{{ gpulab_upgrade_drain }}"
  delegate_to: localhost
  run_once: true

- name: Decide whether the rollout goes on after this batch
  gpulab.pytorch_stack.upgrade_rollout:
    step: decide
    dir: "{{ playbook_dir }}/reports/upgrade"
    hosts: "{{ ansible_play_hosts_all }}"
    host: "{{ inventory_hostname }}"
    serial: 1
  delegate_to: localhost
  run_once: true
  register: rollout
"""

RETURN = r"""
settings:
  description: With O(step=check), the settings as the rollout uses them.
  returned: when step is check
  type: dict
entry:
  description: With O(step=record), the entry as written.
  returned: when step is record
  type: dict
path:
  description: With O(step=record), the ledger file.
  returned: when step is record
  type: str
  sample: /srv/lab/reports/upgrade/gpu01.json
removed:
  description: With O(step=reset), the ledger files removed.
  returned: when step is reset
  type: list
  elements: str
rollout:
  description: With O(step=decide), where the rollout stands.
  returned: when step is decide
  type: dict
  contains:
    batch:
      description: The number (from 1) of the batch that just ended.
      type: int
    batches:
      description: How many batches the rollout has.
      type: int
    batch_hosts:
      description: The hosts of that batch.
      type: list
      elements: str
    stop:
      description: Whether the rollout stops after this batch (the reason is in RV(rollout.batch_line)).
      type: bool
    last:
      description: Whether this was the last batch.
      type: bool
    failed:
      description: Whether any host of the rollout failed, was unreachable or, with O(inactive=stop), does not run the new driver.
      type: bool
    failing:
      description: Those hosts.
      type: list
      elements: str
    batch_failing:
      description: Those of them in this batch.
      type: list
      elements: str
    descriptions:
      description: Each host's line of RV(rollout.lines), by host name.
      type: dict
    batch_line:
      description: One line saying how the batch ended and what happens next.
      type: str
    lines:
      description: The rollout's summary, one line a host and the outcome.
      type: list
      elements: str
    counts:
      description: Hosts in each state (C(verified), C(failed), C(unreachable), C(skipped, busy), C(installed, not active), C(in progress), C(not started)).
      type: dict
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _rollout
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import (
    canonical_json,
    valid_name,
    write_if_changed,
)


def _path(module, directory, host):
    if not valid_name(host):
        module.fail_json(msg="host name %r cannot name a ledger file (letters, digits, '_', '-', "
                         "'.')" % (host,))
    return os.path.join(directory, host + ".json")


def _read(path):
    try:
        with open(path) as handle:
            return json.load(handle)
    except (IOError, OSError):
        return None
    except ValueError:
        return {"state": _rollout.IN_PROGRESS, "reason": "the ledger entry %s is not JSON" % path}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            step=dict(type="str", required=True, choices=["check", "reset", "record", "decide"]),
            dir=dict(type="path"),
            hosts=dict(type="list", elements="str", default=[]),
            host=dict(type="str"),
            entry=dict(type="dict"),
            serial=dict(type="raw", default=1),
            max_fail_percentage=dict(type="raw", default=0),
            drain=dict(type="str", default="none"),
            drains=dict(type="dict", default={}),
            busy=dict(type="str", default="skip"),
            busy_timeout=dict(type="raw", default=0),
            drain_timeout=dict(type="raw", default=0),
            poll_interval=dict(type="raw", default=10),
            inactive=dict(type="str", default="stop"),
        ),
        required_if=[("step", "reset", ("dir",)), ("step", "record", ("dir", "host", "entry")),
                     ("step", "decide", ("dir", "host"))],
        supports_check_mode=True,
    )
    params = module.params
    try:
        settings = _rollout.check_settings(
            serial=params["serial"], max_fail_percentage=params["max_fail_percentage"],
            drain=params["drain"], busy=params["busy"], busy_timeout=params["busy_timeout"],
            drain_timeout=params["drain_timeout"], poll_interval=params["poll_interval"],
            inactive=params["inactive"], drains=params["drains"])
    except _rollout.RolloutError as err:
        module.fail_json(msg=str(err))
    if params["step"] == "check":
        module.exit_json(changed=False, settings=settings)
    directory = params["dir"]
    if params["step"] == "reset":
        removed = []
        for host in params["hosts"]:
            path = _path(module, directory, host)
            if os.path.exists(path):
                removed.append(path)
                if not module.check_mode:
                    os.remove(path)
        module.exit_json(changed=bool(removed), removed=removed)
    if params["step"] == "record":
        path = _path(module, directory, params["host"])
        try:
            entry = _rollout.clean_entry(params["entry"])
        except _rollout.RolloutError as err:
            module.fail_json(msg=str(err))
        changed = not os.path.isdir(directory)
        if changed and not module.check_mode:
            os.makedirs(directory, 0o755)
        if os.path.isdir(directory):
            changed = write_if_changed(path, canonical_json(entry),
                                       check_mode=module.check_mode) or changed
        module.exit_json(changed=changed, entry=entry, path=path)
    entries = dict((host, _read(_path(module, directory, host))) for host in params["hosts"])
    try:
        rollout = _rollout.decide(params["hosts"], entries, settings["serial"], params["host"],
                                  max_fail_percentage=settings["max_fail_percentage"],
                                  inactive=settings["inactive"])
    except _rollout.RolloutError as err:
        module.fail_json(msg=str(err))
    module.exit_json(changed=False, rollout=rollout)


if __name__ == "__main__":
    main()
