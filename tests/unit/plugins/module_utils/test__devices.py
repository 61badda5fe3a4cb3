# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CUDA_VISIBLE_DEVICES lists checked against a host's GPUs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._devices import (
    split_devices, visible_devices_problems)

GPUS = [{"index": 0, "uuid": "GPU-8f2c0000-aaaa"}, {"index": 1, "uuid": "GPU-1b7e0000-bbbb"}]


def test_entries_are_split_and_stripped():
    assert split_devices(" 0, 1 ") == ["0", "1"]
    assert split_devices("") == [] and split_devices(None) == []


@pytest.mark.parametrize("value", ["", "0", "0,1", "1,0", "GPU-8f2c", "GPU-1b7e0000-bbbb,0"])
def test_good_lists_have_no_problem(value):
    assert visible_devices_problems(value, GPUS) == []


def test_empty_and_repeated_entries_are_refused_without_knowing_the_gpus():
    assert visible_devices_problems("0,,1", None) == ["entry 2 is empty"]
    assert visible_devices_problems("0,1,0", None) == ["0 is listed twice"]
    assert visible_devices_problems("0,", None) == ["entry 2 is empty"]


def test_a_list_naming_a_missing_gpu_is_refused():
    assert visible_devices_problems("0,2", GPUS) == [
        "GPU 2 does not exist: the host has 2 GPU(s) (0-1)"]
    assert visible_devices_problems("0", []) == ["GPU 0 does not exist: the host has 0 GPU(s)"]
    assert visible_devices_problems("GPU-dead", GPUS) == ["GPU-dead matches no GPU's UUID on the host"]
    assert visible_devices_problems("GPU-", GPUS) == ["GPU- matches 2 GPUs' UUIDs: give more of it"]
    assert visible_devices_problems("cuda:0", GPUS) == [
        "cuda:0 is neither a GPU index nor a GPU-/MIG- UUID"]


def test_a_repeated_missing_gpu_is_reported_once():
    assert visible_devices_problems("5,5", GPUS) == [
        "5 is listed twice", "GPU 5 does not exist: the host has 2 GPU(s) (0-1)"]
