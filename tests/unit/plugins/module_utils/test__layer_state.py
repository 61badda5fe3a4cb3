# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import os

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _layer_state as state

Group = collections.namedtuple("Group", "gr_mem gr_gid")
Passwd = collections.namedtuple("Passwd", "pw_gid")


def _layout(tmp_path):
    """A small prefix as the toolkit role leaves it: a file, a link, a big file, a directory."""
    (tmp_path / "prefix" / "wheels" / "bin").mkdir(parents=True)
    (tmp_path / "prefix" / ".gpulab-requirements.txt").write_text("nvcc==13.0 --hash=sha256:ab\n")
    os.symlink("wheels/bin", str(tmp_path / "prefix" / "bin"))
    (tmp_path / "prefix" / "wheels" / "bin" / "nvcc").write_bytes(b"\0" * (state.CONTENT_LIMIT + 1))
    return [str(tmp_path / "prefix"), str(tmp_path / "prefix" / ".gpulab-requirements.txt"),
            str(tmp_path / "prefix" / "bin"), str(tmp_path / "prefix" / "bin" / "nvcc"),
            str(tmp_path / "absent.conf")]


def _recorded(paths, packages=None, inputs=None):
    return state.make_record("cuda_toolkit", state.fingerprint(inputs or {"versions": ["13.0"]}),
                             state.snapshot(paths), packages or {"g++": ["4:12.2.0-3"]},
                             {"summary": "CUDA 13.0"})


def _compare(record, paths, packages=None, inputs=None):
    return state.compare(record, "cuda_toolkit", state.fingerprint(inputs or {"versions": ["13.0"]}),
                         state.snapshot(paths), packages or {"g++": ["4:12.2.0-3"]})


def test_an_unchanged_host_matches_its_record(tmp_path):
    paths = _layout(tmp_path)
    record = _recorded(paths)
    assert _compare(record, paths) == []
    kinds = {os.path.basename(p): s["type"] for p, s in record["paths"].items()}
    assert kinds == {"prefix": "dir", ".gpulab-requirements.txt": "file", "bin": "link",
                     "nvcc": "file", "absent.conf": "absent"}


def test_no_record_means_a_full_run(tmp_path):
    paths = _layout(tmp_path)
    assert _compare(None, paths) == ["no record of a full cuda_toolkit run on this host"]
    assert _compare({"schema": 0}, paths) == [
        "the record is from another schema or layer"]


def test_a_removed_link_a_retargeted_link_and_an_edited_file_are_each_named(tmp_path):
    paths = _layout(tmp_path)
    record = _recorded(paths)
    (tmp_path / "prefix" / ".gpulab-requirements.txt").write_text("edited\n")
    os.unlink(str(tmp_path / "prefix" / "bin"))
    os.symlink("elsewhere", str(tmp_path / "prefix" / "bin"))
    differences = _compare(record, paths)
    assert "%s changed (sha256)" % paths[1] in differences
    assert "%s changed (target)" % paths[2] in differences
    # nvcc now lies behind a dangling link: gone as far as the host is concerned
    assert "%s is gone (was a file)" % paths[3] in differences


def test_mode_and_a_file_that_should_stay_absent(tmp_path):
    paths = _layout(tmp_path)
    record = _recorded(paths)
    os.chmod(paths[0], 0o777)
    (tmp_path / "absent.conf").write_text("stray")
    assert _compare(record, paths) == ["%s appeared (a file)" % paths[4],
                                       "%s changed (mode)" % paths[0]]


def test_a_large_file_is_compared_by_size_and_time_not_content(tmp_path):
    paths = _layout(tmp_path)
    record = _recorded(paths)
    assert "sha256" not in record["paths"][paths[3]]
    with open(paths[3], "ab") as handle:
        handle.write(b"x")
    assert _compare(record, paths) == ["%s changed (mtime_ns, size)" % paths[3]]


def test_other_inputs_other_paths_and_other_packages_are_differences(tmp_path):
    paths = _layout(tmp_path)
    record = _recorded(paths)
    assert _compare(record, paths, inputs={"versions": ["13.2"]}) == [
        "the settings, the collection or what the layer read from the host changed since the "
        "last full run"]
    assert _compare(record, paths[:2]) == ["the layer manages other paths than when it was recorded"]
    assert _compare(record, paths, packages={"g++": []}) == ["package g++ is not installed"]
    assert _compare(record, paths, packages={"g++": ["4:13.1.0-1"]}) == [
        "package g++ is at 4:13.1.0-1, was 4:12.2.0-3"]
    assert _compare(record, paths, packages={"g++": ["4:12.2.0-3"], "make": ["4.3-4.1"]}) == [
        "the layer needs other packages than when it was recorded"]


def test_the_fingerprint_ignores_key_order_only():
    assert state.fingerprint({"a": 1, "b": [1, 2]}) == state.fingerprint({"b": [1, 2], "a": 1})
    assert state.fingerprint({"a": 1, "b": [1, 2]}) != state.fingerprint({"a": 1, "b": [2, 1]})


def test_package_versions_marks_absent_and_unpinned_specs():
    installed = {"g++": {"4:12.2.0-3"}, "bzip2": {"1.0.8-5"}}
    versions = state.package_versions(["g++", "bzip2=1.0.8-4", "xz-utils"], installed,
                                      {"bzip2=1.0.8-4", "xz-utils"},
                                      lambda spec: spec.split("=")[0])
    assert versions == {"g++": ["4:12.2.0-3"], "bzip2=1.0.8-4": [], "xz-utils": []}


def test_groups_must_exist_and_hold_their_members():
    groups = {"gpulab": Group(["alice", "trainer"], 990)}

    def getgrnam(name):
        return groups[name]

    assert state.group_problems({"gpulab": ["alice"]}, getgrnam) == []
    assert state.group_problems({"gpulab": ["alice", "bob", "carol"]}, getgrnam) == [
        "group gpulab lacks bob, carol"]
    assert state.group_problems({"lab": []}, getgrnam) == ["group lab does not exist"]


def test_a_user_whose_primary_group_it_is_counts_as_a_member():
    # The acceptance account is made with the lab group as its primary group: the group's
    # member list does not name it, and it still belongs.
    groups = {"gpulab": Group(["alice"], 990)}
    users = {"gpulab-acceptance": Passwd(990), "bob": Passwd(100)}

    def getgrnam(name):
        return groups[name]

    def getpwnam(name):
        return users[name]

    assert state.group_problems({"gpulab": ["alice", "gpulab-acceptance"]}, getgrnam,
                                getpwnam) == []
    assert state.group_problems({"gpulab": ["bob", "nobody-here"]}, getgrnam, getpwnam) == [
        "group gpulab lacks bob, nobody-here"]


def test_world_writable_entries_are_found_but_links_are_not(tmp_path):
    tree = tmp_path / "env"
    (tree / "lib" / "site-packages").mkdir(parents=True)
    (tree / "lib" / "site-packages" / "mod.py").write_text("x = 1\n")
    os.symlink("/tmp", str(tree / "tmp-link"))  # links are lrwxrwxrwx by nature
    assert state.world_writable(str(tree)) is None
    os.chmod(str(tree / "lib" / "site-packages" / "mod.py"), 0o666)
    assert state.world_writable(str(tree)) == str(tree / "lib" / "site-packages" / "mod.py")
    assert state.world_writable(str(tmp_path / "missing")) is None


def test_records_round_trip_and_garbage_reads_as_no_record(tmp_path):
    path = tmp_path / "cuda_toolkit.json"
    assert state.read_record(str(path)) is None
    path.write_text("{not json")
    assert state.read_record(str(path)) is None
    path.write_text('["a list"]')
    assert state.read_record(str(path)) is None
    path.write_text('{"schema": 1, "layer": "cuda_toolkit"}')
    assert state.read_record(str(path)) == {"schema": 1, "layer": "cuda_toolkit"}


def test_the_code_fingerprint_follows_content_and_names_not_compiled_files_or_docs(tmp_path):
    (tmp_path / "roles" / "r" / "tasks").mkdir(parents=True)
    (tmp_path / "plugins" / "__pycache__").mkdir(parents=True)
    (tmp_path / "roles" / "r" / "tasks" / "main.yml").write_text("---\n")
    before = state.tree_fingerprint(str(tmp_path), ["roles", "plugins"])
    (tmp_path / "plugins" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (tmp_path / "roles" / "r" / "README.md").write_text("# the role's documentation\n")
    assert state.tree_fingerprint(str(tmp_path), ["plugins", "roles"]) == before
    (tmp_path / "roles" / "r" / "tasks" / "main.yml").write_text("---\n# changed\n")
    changed = state.tree_fingerprint(str(tmp_path), ["roles", "plugins"])
    assert changed != before
    os.rename(str(tmp_path / "roles" / "r" / "tasks" / "main.yml"),
              str(tmp_path / "roles" / "r" / "tasks" / "other.yml"))
    assert state.tree_fingerprint(str(tmp_path), ["roles", "plugins"]) not in (before, changed)


def test_drifted_names_the_recorded_paths_that_differ_for_the_role_to_reinstall():
    from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._layer_state import drifted
    record = {"paths": {"/opt/cuda/13.2/bin/nvcc": {"type": "file", "size": 1},
                        "/opt/cuda/13.2": {"type": "dir", "mode": "0755"},
                        "/usr/local/cuda": {"type": "link", "target": "/opt/cuda/13.2"}}}
    now = {"/opt/cuda/13.2/bin/nvcc": {"type": "absent"},
           "/opt/cuda/13.2": {"type": "dir", "mode": "0755"},
           "/usr/local/cuda": {"type": "link", "target": "/opt/cuda/13.0"},
           "/new/path": {"type": "file"}}
    assert drifted(record, now) == ["/opt/cuda/13.2/bin/nvcc", "/usr/local/cuda"]
    assert drifted(None, now) == [] and drifted(record, dict((p, record["paths"][p]) for p in record["paths"])) == []
