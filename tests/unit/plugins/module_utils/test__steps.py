# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._steps import (
    StepsError,
    duration_text,
    seconds,
    slowest_steps,
)

PIP = {"changed": True, "finished": True, "start": "2026-12-01 12:58:15.984882",
       "end": "2026-12-01 13:00:21.003558", "delta": "0:02:05.018676", "rc": 0}


@pytest.mark.parametrize("result, expected", [
    (PIP, 125.018676),
    (dict(PIP, delta=None), 125.018676),                 # start/end when delta is missing
    ({"delta": "1 day, 0:00:01.5"}, 86401.5),
    ({"elapsed": 7, "dest": "/tmp/x"}, 7.0),              # get_url
    ({"results": [PIP, {"skipped": True}, {"delta": "0:00:05.000000"}]}, 130.018676),
    (40, 40.0),
    (0, None),
    ({"skipped": True, "delta": "0:00:05.0"}, None),      # did not run
    ({"changed": False}, None),                           # no timing
    (None, None),
    (True, None),
    ({"delta": "soon"}, None),
])
def test_seconds_from_what_a_task_registered(result, expected):
    took = seconds(result)
    assert took == pytest.approx(expected) if expected is not None else took is None


@pytest.mark.parametrize("value, text", [
    (4.4, "4 s"), (59.6, "1 min 00 s"), (125, "2 min 05 s"), (3725, "1 h 02 min")])
def test_duration_text(value, text):
    assert duration_text(value) == text


def test_slowest_first_only_steps_that_ran_at_most_count():
    steps = {"pytorch2: pip install": PIP, "acceptance: train": {"delta": "0:00:41.2"},
             "fetch": 300, "copy": {"skipped": True}, "other": None, "quick": 2}
    assert slowest_steps(steps, 3) == [
        {"step": "fetch", "seconds": 300.0, "text": "fetch: 5 min 00 s"},
        {"step": "pytorch2: pip install", "seconds": 125.0,
         "text": "pytorch2: pip install: 2 min 05 s"},
        {"step": "acceptance: train", "seconds": 41.2, "text": "acceptance: train: 41 s"}]
    assert [s["step"] for s in slowest_steps(steps)] == [
        "fetch", "pytorch2: pip install", "acceptance: train", "quick"]
    assert slowest_steps({"a": None, "b": {"skipped": True}}) == []


BAD_ARGUMENTS = [
    ([PIP], 5, "the steps are a list"),
    ({"a": PIP}, 0, "count is 0"),
    ({"a": PIP}, "3", "count is '3'"),
]


@pytest.mark.parametrize("steps, count, message", BAD_ARGUMENTS)
def test_bad_arguments_are_named(steps, count, message):
    with pytest.raises(StepsError, match=message):
        slowest_steps(steps, count)
