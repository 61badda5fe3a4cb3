# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""layer_state and the code_fingerprint lookup through ansible-playbook on this machine: a real
directory tree, the real package database, records written and compared as the roles do."""

import os
import shutil

import pytest

STATE = """
    - name: check
      gpulab.pytorch_stack.layer_state:
        name: demo
        inputs: "{{ inputs }}"
        paths: "{{ paths }}"
        packages: "{{ packages }}"
        groups: "{{ groups_wanted | default({}) }}"
        trees: "{{ trees | default([]) }}"
        dir: "{{ dir }}"
      check_mode: false

    - name: record
      gpulab.pytorch_stack.layer_state:
        name: demo
        state: record
        inputs: "{{ inputs }}"
        paths: "{{ paths }}"
        packages: "{{ packages }}"
        dir: "{{ dir }}"
        result: {summary: demo layer}
      when: do_record | default(false)
"""

FINGERPRINT = """
    - name: code
      ansible.builtin.debug:
        msg: "{{ lookup('gpulab.pytorch_stack.code_fingerprint') }}"
"""

PRESENT = "libc6" if shutil.which("dpkg-query") else "glibc"
needs_a_package_database = pytest.mark.skipif(
    not (shutil.which("dpkg-query") or shutil.which("rpm")),
    reason="needs dpkg-query or rpm on the machine running the tests")


def _variables(tmp_path, **more):
    prefix = tmp_path / "prefix"
    if not prefix.exists():
        prefix.mkdir()
        (prefix / "profile.sh").write_text("export CUDA_HOME=/opt/cuda/13.0\n")
        os.symlink("/opt/cuda/13.0", str(prefix / "cuda"))
    variables = {"inputs": {"versions": ["13.0"]}, "dir": str(tmp_path / "state"),
                 "paths": [str(prefix), str(prefix / "profile.sh"), str(prefix / "cuda")],
                 "packages": [PRESENT]}
    variables.update(more)
    return variables


@needs_a_package_database
def test_a_record_makes_the_next_check_converged_until_something_drifts(localhost_play, tmp_path):
    first = localhost_play(STATE, _variables(tmp_path, do_record=True))
    assert first["check"]["converged"] is False
    assert first["check"]["differences"] == ["no record of a full demo run on this host"]
    assert first["record"]["changed"] is True
    assert os.path.isfile(str(tmp_path / "state" / "demo.json"))

    again = localhost_play(STATE, _variables(tmp_path, do_record=True))
    assert again["check"]["converged"] is True
    assert again["check"]["differences"] == []
    assert again["check"]["result"] == {"summary": "demo layer"}
    assert again["record"]["changed"] is False

    (tmp_path / "prefix" / "profile.sh").write_text("export CUDA_HOME=/somewhere/else\n")
    os.unlink(str(tmp_path / "prefix" / "cuda"))
    drifted = localhost_play(STATE, _variables(tmp_path))["check"]
    assert drifted["converged"] is False
    assert drifted["differences"] == [
        "%s is gone (was a link)" % (tmp_path / "prefix" / "cuda"),
        "%s changed (sha256)" % (tmp_path / "prefix" / "profile.sh")]

    other = localhost_play(STATE, _variables(tmp_path, inputs={"versions": ["13.2"]}))["check"]
    assert other["differences"][0].startswith("the settings, the collection")


@needs_a_package_database
def test_check_mode_records_nothing(localhost_play, tmp_path):
    result = localhost_play(STATE, _variables(tmp_path, do_record=True), check=True)
    assert result["record"]["changed"] is True
    assert not os.path.exists(str(tmp_path / "state" / "demo.json"))


@needs_a_package_database
def test_groups_and_world_writable_trees_are_checked_on_every_run(localhost_play, tmp_path):
    localhost_play(STATE, _variables(tmp_path, do_record=True))
    os.chmod(str(tmp_path / "prefix" / "profile.sh"), 0o666)
    result = localhost_play(STATE, _variables(tmp_path, trees=[str(tmp_path / "prefix")],
                                              groups_wanted={"gpulab-no-such-group": []}))["check"]
    assert result["converged"] is False
    assert "%s is world-writable" % (tmp_path / "prefix" / "profile.sh") in result["differences"]
    assert "group gpulab-no-such-group does not exist" in result["differences"]


def test_a_pattern_is_refused_before_anything_is_read(localhost_play, tmp_path):
    result = localhost_play(STATE, _variables(tmp_path, packages=["python3-*"]))["check"]
    assert result["failed"] is True
    assert "python3-*" in result["msg"]


def test_the_code_fingerprint_is_one_stable_sha256(localhost_play):
    first = localhost_play(FINGERPRINT)["code"]["msg"]
    assert len(first) == 64 and int(first, 16) >= 0
    assert localhost_play(FINGERPRINT)["code"]["msg"] == first


@needs_a_package_database
def test_record_diff_shows_old_and_new_and_check_mode_writes_nothing(localhost_play, tmp_path):
    shown = localhost_play(STATE, _variables(tmp_path, do_record=True), check=True,
                           diff=True)["record"]
    assert shown["changed"] is True
    assert shown["diff"]["before"] == "" and '"layer": "demo"' in shown["diff"]["after"]
    assert shown["diff"]["after_header"] == str(tmp_path / "state" / "demo.json")
    assert not (tmp_path / "state").exists()

    localhost_play(STATE, _variables(tmp_path, do_record=True))
    record = (tmp_path / "state" / "demo.json").read_text()
    (tmp_path / "prefix" / "profile.sh").write_text("export CUDA_HOME=/opt/cuda/13.2\n")
    changed = localhost_play(STATE, _variables(tmp_path, do_record=True), check=True,
                             diff=True)["record"]
    assert changed["changed"] is True
    assert changed["diff"]["before"] == record and changed["diff"]["after"] != record
    assert (tmp_path / "state" / "demo.json").read_text() == record
    same = localhost_play(STATE, _variables(tmp_path, do_record=True), diff=True)["record"]
    assert same["changed"] is True
    again = localhost_play(STATE, _variables(tmp_path, do_record=True), diff=True)["record"]
    assert again["changed"] is False and "diff" not in again
