# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._links import LinkError, apply, plan

LINKS = {"bin": "wheels/nvidia/cu13/bin", "lib64": "lib", "lib": "wheels/nvidia/cu13/lib"}


def test_missing_links_are_created_then_left_alone(tmp_path):
    root = str(tmp_path)
    todo = plan(root, LINKS)
    assert sorted((os.path.basename(p), w) for p, _t, w in todo) == [
        ("bin", "create"), ("lib", "create"), ("lib64", "create")]
    apply(todo)
    assert {name: os.readlink(os.path.join(root, name)) for name in LINKS} == LINKS
    assert plan(root, LINKS) == []
    assert sorted(os.listdir(root)) == ["bin", "lib", "lib64"]


def test_wrong_links_and_plain_files_are_replaced(tmp_path):
    root = str(tmp_path)
    os.symlink("somewhere/else", os.path.join(root, "bin"))
    (tmp_path / "lib64").write_text("not a link")
    todo = plan(root, LINKS)
    assert {os.path.basename(p): w for p, _t, w in todo} == {
        "bin": "replace", "lib64": "replace", "lib": "create"}
    apply(todo)
    assert os.readlink(os.path.join(root, "bin")) == LINKS["bin"]
    assert os.readlink(os.path.join(root, "lib64")) == "lib"


def test_a_real_directory_is_never_replaced(tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "nvcc").write_text("")
    with pytest.raises(LinkError, match="is a directory"):
        plan(str(tmp_path), LINKS)
    assert (tmp_path / "bin" / "nvcc").exists()


@pytest.mark.parametrize("name", ["../escape", "/etc/passwd", "a/../../b", "", "."])
def test_names_outside_the_root_are_refused(tmp_path, name):
    with pytest.raises(LinkError):
        plan(str(tmp_path / "prefix"), {name: "target"})


def test_nested_names_get_their_directories(tmp_path):
    root = str(tmp_path)
    apply(plan(root, {"lib/stubs": "../wheels/stubs"}))
    assert os.readlink(os.path.join(root, "lib", "stubs")) == "../wheels/stubs"
