# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of gpulab.pytorch_stack.settings_check: the logic is in module_utils/_settings.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import yaml

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._settings import (
    PREFIXES,
    check_settings,
)

_ROLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")
_SPECS = {}


def _specs():
    """{role: argument_specs} of every role of the collection (read once per process)."""
    if not _SPECS:
        for role in sorted(os.listdir(_ROLES)):
            path = os.path.join(_ROLES, role, "meta", "argument_specs.yml")
            if os.path.isfile(path):
                with open(path) as handle:
                    _SPECS[role] = (yaml.safe_load(handle) or {}).get("argument_specs") or {}
    return _SPECS


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("layers", "settings", "names", "strict"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        layers = args.get("layers")
        settings = args.get("settings") or {}
        names = args.get("names")
        if names is None:
            names = [name for name in (task_vars or {})
                     if any(name.startswith(prefix + "_") for prefix in PREFIXES)]
        if not isinstance(settings, dict) or not isinstance(names, (list, tuple)):
            raise AnsibleActionFail("settings must be a dict and names a list")
        strict = args.get("strict", False)
        if not isinstance(strict, bool):
            strict = str(strict).lower() in ("1", "true", "yes", "on")
        errors, warnings = check_settings(settings, _specs(), layers, names, strict)
        result.update(changed=False, errors=errors, unknown=warnings)
        if warnings:
            result["warnings"] = warnings
        if errors:
            result.update(failed=True, msg="%s: %s" % (
                task_vars.get("inventory_hostname", "this host") if task_vars else "this host",
                "; ".join(errors) + "."))
        return result
