# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Write files only when their content changes, atomically, so re-runs report changed=false."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import tempfile


def valid_name(name):
    """True for a result or record file name: letters, digits, '_', '-' and '.', not first."""
    return bool(name) and not name.startswith(".") \
        and name.replace("_", "").replace("-", "").replace(".", "").isalnum()


def canonical_json(data):
    """Stable JSON text for ``data`` (sorted keys, fixed indentation, trailing newline)."""
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def text_diff(path, text):
    """Ansible's diff (``module.exit_json(diff=...)``) between the file at ``path`` as it is now
    (empty when missing or unreadable) and ``text``: what --diff prints for the write."""
    try:
        with open(path, "rb") as handle:
            before = handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        before = ""
    after = text.decode("utf-8", "replace") if isinstance(text, bytes) else text
    return dict(before=before, after=after, before_header=path, after_header=path)


def write_if_changed(path, text, mode=0o644, check_mode=False):
    """Write ``text`` (UTF-8, whatever the host's locale) to ``path`` unless it already holds
    exactly that, replacing the file atomically. Return True if it changed (or would change, in
    check mode). The parent directory must exist."""
    data = text.encode("utf-8") if not isinstance(text, bytes) else text
    try:
        with open(path, "rb") as handle:
            if handle.read() == data:
                if (os.stat(path).st_mode & 0o7777) == mode:
                    return False
                if not check_mode:
                    os.chmod(path, mode)
                return True
    except (IOError, OSError):
        pass
    if check_mode:
        return True
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(path) or ".", prefix=".gpulab-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, mode)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True
