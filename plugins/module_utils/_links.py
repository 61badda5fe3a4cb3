# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Symbolic links under one directory, all checked (and repaired) in one call."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os


class LinkError(Exception):
    """A link that cannot be made without destroying something that is not a link or a file."""


def _inside(root, name):
    path = os.path.normpath(os.path.join(root, name))
    if os.path.isabs(name) or not name or path == root or not path.startswith(root + os.sep):
        raise LinkError("link name %r must be a relative path inside %s" % (name, root))
    return path


def plan(root, links):
    """[(path, target, what)] for the links that are not right yet; what is 'create' or
    'replace'. Raises LinkError for names outside ``root`` or a real directory in the way."""
    root = os.path.normpath(root)
    todo = []
    for name in sorted(links):
        target = links[name]
        if not target:
            raise LinkError("link %r has no target" % name)
        path = _inside(root, name)
        if os.path.islink(path):
            if os.readlink(path) != target:
                todo.append((path, target, "replace"))
        elif os.path.isdir(path):
            raise LinkError("%s is a directory, not a link to %s: move it away first" % (path, target))
        elif os.path.lexists(path):
            todo.append((path, target, "replace"))
        else:
            todo.append((path, target, "create"))
    return todo


def apply(todo):
    """Make every planned link; each is swapped in atomically (a temporary link renamed over the
    old file or link), so a reader never sees the path missing."""
    for path, target, _what in todo:
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            os.makedirs(parent, 0o755)
        tmp = os.path.join(parent, ".gpulab-link-%d-%s" % (os.getpid(), os.path.basename(path)))
        if os.path.lexists(tmp):
            os.unlink(tmp)
        os.symlink(target, tmp)
        try:
            os.rename(tmp, path)
        except OSError:
            os.unlink(tmp)
            raise
