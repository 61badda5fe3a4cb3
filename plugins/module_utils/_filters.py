# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Expose module_utils functions (``_compat``, ``_conda``, ``_gpg``, ``_packages`` ...) as
Jinja2 filters (controller side only)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import inspect

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._compat import CompatError
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._conda import CondaError
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._packages import PackageSpecError
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._wheelhouse import WheelhouseError

COLLECTION = "gpulab.pytorch_stack"


def filters(error_class, **functions):
    """``{name: wrapped}`` for ``FilterModule.filters()``: each wrapped function raises
    ``error_class`` (``AnsibleFilterError``) with the filter's name when ``_compat`` cannot
    answer, instead of a bare ``CompatError``, ``CondaError``, ``PackageSpecError`` or
    ``WheelhouseError``."""
    def wrap(name, function):
        signature = inspect.signature(function)

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            try:
                signature.bind(*args, **kwargs)
            except TypeError as err:
                raise error_class("%s.%s: wrong arguments (%s); see ansible-doc -t filter %s.%s"
                                  % (COLLECTION, name, err, COLLECTION, name))
            try:
                return function(*args, **kwargs)
            except (CompatError, CondaError, PackageSpecError, WheelhouseError) as err:
                raise error_class("%s.%s: %s" % (COLLECTION, name, err))
        return wrapper
    return dict((name, wrap(name, function)) for name, function in functions.items())
