# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import stat

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import (
    canonical_json,
    valid_name,
    write_if_changed,
)

TEXT = u"gpu01 | NVIDIA H100 80GB HBM3 | 12 345 images/s \u2014 passed \u2713\n"


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_writes_utf8_whatever_the_locale(tmp_path, monkeypatch):
    monkeypatch.setenv("LC_ALL", "C")
    monkeypatch.setenv("LANG", "C")
    path = str(tmp_path / "report.md")
    assert write_if_changed(path, TEXT) is True
    with open(path, "rb") as handle:
        assert handle.read() == TEXT.encode("utf-8")
    assert _mode(path) == 0o644


def test_same_content_is_not_a_change(tmp_path):
    path = str(tmp_path / "report.md")
    write_if_changed(path, TEXT)
    before = os.stat(path).st_mtime_ns
    assert write_if_changed(path, TEXT) is False
    assert os.stat(path).st_mtime_ns == before


def test_bytes_are_written_as_given(tmp_path):
    path = str(tmp_path / "blob")
    assert write_if_changed(path, b"\x00\xff") is True
    assert write_if_changed(path, b"\x00\xff") is False


def test_new_content_replaces_the_file_and_leaves_no_temporary(tmp_path):
    path = str(tmp_path / "report.md")
    write_if_changed(path, u"old\n")
    assert write_if_changed(path, TEXT) is True
    with open(path, "rb") as handle:
        assert handle.read() == TEXT.encode("utf-8")
    assert os.listdir(str(tmp_path)) == ["report.md"]


def test_wrong_mode_alone_is_a_change(tmp_path):
    path = str(tmp_path / "result.json")
    write_if_changed(path, TEXT, mode=0o600)
    assert write_if_changed(path, TEXT, mode=0o644) is True
    assert _mode(path) == 0o644
    assert write_if_changed(path, TEXT, mode=0o644) is False


def test_check_mode_reports_but_writes_nothing(tmp_path):
    path = str(tmp_path / "report.md")
    assert write_if_changed(path, TEXT, check_mode=True) is True
    assert not os.path.exists(path)
    write_if_changed(path, u"old\n", mode=0o600)
    assert write_if_changed(path, TEXT, check_mode=True) is True
    with open(path) as handle:
        assert handle.read() == u"old\n"
    assert _mode(path) == 0o600


def test_missing_parent_directory_raises(tmp_path):
    with pytest.raises(OSError):
        write_if_changed(str(tmp_path / "no" / "such" / "report.md"), TEXT)


def test_canonical_json_is_stable_and_round_trips():
    data = {"b": [1, 2], "a": {"z": None, "y": u"\u2713"}}
    text = canonical_json(data)
    assert text == canonical_json(json.loads(text))
    assert text.endswith("\n")
    assert text.index('"a"') < text.index('"b"')
    assert json.loads(text) == data


def test_valid_names_keep_files_inside_their_directory():
    for name in ("cuda_toolkit", "gpu-node-01.lab", "pytorch2"):
        assert valid_name(name), name
    for name in ("", ".hidden", "../etc/passwd", "a/b", "name with space"):
        assert not valid_name(name), name
