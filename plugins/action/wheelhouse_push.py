# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of gpulab.pytorch_stack.wheelhouse_push: ask the host which wheels it lacks,
send those as plain file transfers into the connection's temporary directory, let the host part
check and place them. The checks are in module_utils/_wheelhouse.py."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._wheelhouse import (
    WheelhouseError,
    complete_manifest,
    wheels_manifest,
)

display = Display()
MODULE = "gpulab.pytorch_stack.wheelhouse_push"


class ActionModule(ActionBase):
    TRANSFERS_FILES = True
    _VALID_ARGS = frozenset(("path", "manifest", "src", "prune", "mirror", "mirror_timeout"))

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        src = args.pop("src", None)
        if not src:   # nothing to send (verify only, or the host fetches from a mirror)
            result.update(self._execute_module(MODULE, module_args=args, task_vars=task_vars))
            return result
        src = os.path.expanduser(src)
        try:
            if not args.get("manifest"):   # every wheel of src, its sha256 read here
                args["manifest"] = wheels_manifest(src)
            manifest = complete_manifest((args.get("manifest") or {}).get("wheels"),
                                         lambda name: self._local_size(src, name))
        except WheelhouseError as err:
            raise AnsibleActionFail("wheelhouse_push: %s" % err)
        for name, entry in manifest["wheels"].items():
            if self._local_size(src, name) != entry["size"]:
                raise AnsibleActionFail(
                    "wheelhouse_push: the controller's %s has %d bytes, the manifest says %d: "
                    "the cache changed after it was checked; run again to fetch it anew"
                    % (os.path.join(src, name), self._local_size(src, name), entry["size"]))
        args["manifest"] = manifest
        if args.get("mirror"):   # the host fetches from the mirror: nothing goes through here
            result.update(self._execute_module(MODULE, module_args=args, task_vars=task_vars))
            return result
        sent = []
        try:
            plan = self._execute_module(MODULE, module_args=dict(args, plan=True),
                                        task_vars=task_vars)
            if plan.get("failed"):
                return dict(result, **plan)
            send = plan.get("send") or []
            if self._task.check_mode:
                return dict(result, changed=bool(send) or plan.get("changed", False),
                            sent=send, sent_bytes=self._bytes(manifest, send))
            outcome = {}
            for attempt in (1, 2):
                if send:
                    staged = self._send(src, send)
                    sent += send
                    args["staged"] = staged
                outcome = self._execute_module(MODULE, module_args=args, task_vars=task_vars)
                damaged = [name for name in outcome.get("damaged") or []
                           if name in manifest["wheels"] and name not in send]
                if not outcome.get("failed") or attempt == 2 or not damaged:
                    break
                # Wheels already there but damaged (their size right): sent again, once.
                display.vv("wheelhouse_push: sending again what the host held damaged: %s"
                           % ", ".join(damaged))
                send = damaged
        finally:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        result.update(outcome)
        result["changed"] = bool(outcome.get("changed")) or bool(sent)
        result.update(sent=sent, sent_bytes=self._bytes(manifest, sent))
        return result

    def _send(self, src, names):
        """Put every named wheel into the connection's temporary directory on the host."""
        staged = self._connection._shell.tmpdir or self._make_tmp_path()
        for name in names:
            remote = self._connection._shell.join_path(staged, name)
            display.vvv("wheelhouse_push: sending %s" % name)
            self._transfer_file(os.path.join(src, name), remote)
        # Readable by the task's user where it becomes another one than the login user.
        self._fixup_perms2([staged] + [self._connection._shell.join_path(staged, name)
                                       for name in names])
        return staged

    @staticmethod
    def _local_size(src, name):
        path = os.path.join(src, name)
        try:
            return os.path.getsize(path)
        except OSError:
            raise AnsibleActionFail("wheelhouse_push: the controller has no %s; fetch the wheel "
                                    "set into the cache first (wheelhouse_fetch)" % path)

    @staticmethod
    def _bytes(manifest, names):
        return sum(manifest["wheels"][name]["size"] for name in names)
