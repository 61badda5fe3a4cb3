# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""--check --diff and --diff for the files the roles write with ansible.builtin.copy (a layer's
result JSON, the system .condarc), written as the roles' tasks write them: the old and new
content are shown, check mode writes nothing, and an unchanged file shows no diff."""

import json

import yaml

# roles/*/tasks/verify.yml
RESULT_TASK = """
    - name: result
      ansible.builtin.copy:
        content: "{{ result | ansible.builtin.to_nice_json(indent=2) }}\\n"
        dest: "{{ dir }}/cudnn.json"
        mode: "0644"
"""

# roles/conda_env/tasks/preflight.yml and configure.yml
CONDARC_TASK = """
    - name: condarc
      ansible.builtin.copy:
        content: |-
          # Managed by gpulab.pytorch_stack (conda_env role); local changes are replaced.
          {{ channels | gpulab.pytorch_stack.condarc(custom_channels={'conda-forge': 'https://conda-mirror.lab.example/'})
             | ansible.builtin.to_nice_yaml(indent=2) }}
        dest: "{{ prefix }}/.condarc"
        mode: "0644"
"""


def _diff(done):
    diff = done["diff"]
    return diff[0] if isinstance(diff, list) else diff


def test_result_diff_under_check_writes_nothing(localhost_play, tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    done = localhost_play(RESULT_TASK, {"dir": str(out), "result": {"summary": "cuDNN 9"}},
                          check=True, diff=True)["result"]
    assert done["changed"] is True
    assert _diff(done)["before"] == "" and '"summary": "cuDNN 9"' in _diff(done)["after"]
    assert not (out / "cudnn.json").exists()


def test_result_diff_shows_old_and_new_and_nothing_when_unchanged(localhost_play, tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    localhost_play(RESULT_TASK, {"dir": str(out), "result": {"summary": "cuDNN 9.1"}})
    done = localhost_play(RESULT_TASK, {"dir": str(out), "result": {"summary": "cuDNN 9.2"}},
                          diff=True)["result"]
    assert done["changed"] is True
    assert "9.1" in _diff(done)["before"] and "9.2" not in _diff(done)["before"]
    assert "9.2" in _diff(done)["after"]
    text = (out / "cudnn.json").read_text()
    # The same bytes the run_result module wrote (sorted keys, 2 spaces, one final newline), so
    # a host converged before the module was retired sees no change.
    assert text == json.dumps({"summary": "cuDNN 9.2"}, indent=2, sort_keys=True) + "\n"
    assert oct((out / "cudnn.json").stat().st_mode & 0o7777) == "0o644"
    again = localhost_play(RESULT_TASK, {"dir": str(out), "result": {"summary": "cuDNN 9.2"}},
                           diff=True)["result"]
    assert again["changed"] is False
    assert "summary" not in json.dumps(again.get("diff", {}))    # no content shown


def test_condarc_diff_under_check_writes_nothing(localhost_play, tmp_path):
    (tmp_path / ".condarc").write_text("channels:\n  - defaults\n")
    done = localhost_play(CONDARC_TASK, {"prefix": str(tmp_path), "channels": ["conda-forge"]},
                          check=True, diff=True)["condarc"]
    assert done["changed"] is True
    assert _diff(done)["before"] == "channels:\n  - defaults\n"
    after = _diff(done)["after"]
    assert yaml.safe_load(after) == {"auto_update_conda": False, "channels": ["conda-forge"],
                                     "custom_channels": {
                                         "conda-forge": "https://conda-mirror.lab.example/"}}
    assert (tmp_path / ".condarc").read_text() == "channels:\n  - defaults\n"


def test_condarc_refuses_the_defaults_channel_before_writing(localhost_play, tmp_path):
    done = localhost_play(CONDARC_TASK, {"prefix": str(tmp_path),
                                         "channels": ["conda-forge", "defaults"]})["condarc"]
    assert done.get("failed") is True
    assert "conda_env_allow_defaults" in done["msg"]
    assert not (tmp_path / ".condarc").exists()


# roles/pytorch2/tasks/install_wheelhouse.yml
WHEELHOUSE_TASK = """
    - name: wheelhouse
      gpulab.pytorch_stack.wheelhouse_push:
        path: "{{ dir }}"
        manifest: "{{ manifest }}"
"""


def _wheelhouse(tmp_path):
    import hashlib
    house = tmp_path / "wheelhouse"
    house.mkdir()
    name = "demo-1.0-py3-none-any.whl"
    (house / name).write_bytes(b"not really a wheel")
    (house / "old-0.9-py3-none-any.whl").write_bytes(b"left from an older set")
    entry = {"sha256": hashlib.sha256(b"not really a wheel").hexdigest(), "size": 18,
             "requirement": "demo==1.0"}
    return house, {"wheels": {name: entry}}


def test_wheelhouse_diff_under_check_shows_the_files_and_the_pruned_wheel_and_writes_nothing(
        localhost_play, tmp_path):
    house, manifest = _wheelhouse(tmp_path)
    done = localhost_play(WHEELHOUSE_TASK, {"dir": str(house), "manifest": manifest},
                          check=True, diff=True)["wheelhouse"]
    assert done["changed"] is True and done["pruned"] == ["old-0.9-py3-none-any.whl"]
    shown = {d["after_header"]: d for d in done["diff"]}
    assert shown[str(house)]["before"] == "old-0.9-py3-none-any.whl\n"
    requirements = shown[str(house / "requirements.txt")]
    assert requirements["before"] == "" and "demo==1.0 --hash=sha256:" in requirements["after"]
    left = sorted(p.name for p in house.iterdir())
    assert left == ["demo-1.0-py3-none-any.whl", "old-0.9-py3-none-any.whl"]


def test_wheelhouse_unchanged_shows_no_diff(localhost_play, tmp_path):
    house, manifest = _wheelhouse(tmp_path)
    localhost_play(WHEELHOUSE_TASK, {"dir": str(house), "manifest": manifest})
    again = localhost_play(WHEELHOUSE_TASK, {"dir": str(house), "manifest": manifest},
                           diff=True)["wheelhouse"]
    assert again["changed"] is False and again["diff"] == []
    assert (house / "requirements.txt").is_file() and not (house / "old-0.9-py3-none-any.whl").exists()
