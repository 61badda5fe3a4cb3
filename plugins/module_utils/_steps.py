# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""How long the long steps of a run took, from their registered results, for the run summary.

A step is a registered task result: a command (or an async job waited for with async_status)
carries ``start``/``end``/``delta``, get_url ``elapsed``; a loop's result adds up its items;
a plain number is taken as seconds (e.g. a poll count times its delay). Steps that did not run
(skipped, undefined, no timing) are left out.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

_DELTA = re.compile(r"^(?:(\d+) days?, )?(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$")
_STAMP = "%Y-%m-%d %H:%M:%S.%f"


class StepsError(Exception):
    """A step the summary cannot time; the message names it."""


def _delta_seconds(text):
    match = _DELTA.match(str(text).strip())
    if not match:
        return None
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def seconds(result):
    """Seconds a registered result took, or None when it did not run or carries no timing."""
    if result is None or isinstance(result, bool):
        return None
    if isinstance(result, (int, float)):
        return float(result) if result > 0 else None
    if not isinstance(result, dict) or result.get("skipped"):
        return None
    if isinstance(result.get("results"), list):
        parts = [seconds(item) for item in result["results"]]
        parts = [p for p in parts if p is not None]
        return sum(parts) if parts else None
    if result.get("delta"):
        found = _delta_seconds(result["delta"])
        if found is not None:
            return found
    if result.get("start") and result.get("end"):
        try:
            begin = datetime.datetime.strptime(str(result["start"]), _STAMP)
            end = datetime.datetime.strptime(str(result["end"]), _STAMP)
        except ValueError:
            return None
        return max(0.0, (end - begin).total_seconds())
    if isinstance(result.get("elapsed"), (int, float)) and not isinstance(result["elapsed"], bool):
        return float(result["elapsed"])
    return None


def duration_text(value):
    """``4 s``, ``2 min 05 s``, ``1 h 02 min``."""
    value = int(round(value))
    if value < 60:
        return "%d s" % value
    if value < 3600:
        return "%d min %02d s" % (value // 60, value % 60)
    return "%d h %02d min" % (value // 3600, (value % 3600) // 60)


def slowest_steps(steps, count=5):
    """The ``count`` slowest of ``steps`` ({name: registered result or seconds}) that ran, slowest
    first (ties by name), each as ``{step, seconds, text}`` with ``text`` like
    ``pytorch2 install: 2 min 05 s``."""
    if not isinstance(steps, dict):
        raise StepsError("the steps are a %s, expected a dict of step name: registered result"
                         % type(steps).__name__)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise StepsError("count is %r, expected a whole number of at least 1" % (count,))
    timed = []
    for name, result in steps.items():
        took = seconds(result)
        if took is not None:
            timed.append((-took, str(name), took))
    timed.sort()
    return [{"step": name, "seconds": round(took, 1),
             "text": "%s: %s" % (name, duration_text(took))}
            for _order, name, took in timed[:count]]
