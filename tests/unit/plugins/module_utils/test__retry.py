# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._retry import (
    backoff_delays,
    with_retries,
)


def test_delays_double_and_stop_at_the_cap():
    assert backoff_delays(0) == []
    assert backoff_delays(3) == [2.0, 4.0, 8.0]
    assert backoff_delays(6, first=5, cap=30) == [5, 10, 20, 30, 30, 30]


def test_negative_retries_is_an_error():
    with pytest.raises(ValueError, match="retries"):
        backoff_delays(-1)


def _flaky(failures):
    calls = []

    def attempt():
        calls.append(1)
        if len(calls) <= failures:
            return False, "rc=1 on try %d" % len(calls)
        return True, "done"
    return attempt, calls


def test_succeeds_after_failures_within_the_bound():
    slept = []
    attempt, calls = _flaky(2)
    assert with_retries(attempt, 3, sleep=slept.append) == (True, "done", 3)
    assert slept == [2.0, 4.0] and len(calls) == 3


def test_gives_up_after_retries_plus_one_tries_with_the_last_failure():
    slept = []
    attempt, calls = _flaky(10)
    assert with_retries(attempt, 2, sleep=slept.append) == (False, "rc=1 on try 3", 3)
    assert slept == [2.0, 4.0] and len(calls) == 3


def test_zero_retries_tries_once_and_never_sleeps():
    slept = []
    attempt = _flaky(1)[0]
    assert with_retries(attempt, 0, sleep=slept.append) == (False, "rc=1 on try 1", 1)
    assert slept == []
