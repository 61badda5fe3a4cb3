# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Retry a network step a bounded number of times, waiting longer after each failure."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time


def backoff_delays(retries, first=2.0, cap=30.0):
    """Seconds to wait before each of ``retries`` further attempts: ``first``, doubled each time,
    never more than ``cap`` (3 retries: [2, 4, 8]); at most ``retries * cap`` in all."""
    if retries < 0:
        raise ValueError("retries must be 0 or more, got %r" % (retries,))
    return [min(cap, first * (2 ** n)) for n in range(retries)]


def with_retries(attempt, retries, first=2.0, cap=30.0, sleep=time.sleep):
    """Call ``attempt()`` until it returns ``(True, value)``, at most ``retries + 1`` times,
    sleeping per :func:`backoff_delays` between calls. Return ``(ok, value, tries)`` of the
    last call: the caller names what failed (URL, mirror) from ``value`` when ``ok`` is False."""
    delays = backoff_delays(retries, first, cap)
    tries = 0
    while True:
        tries += 1
        ok, value = attempt()
        if ok or tries > len(delays):
            return ok, value, tries
        sleep(delays[tries - 1])
