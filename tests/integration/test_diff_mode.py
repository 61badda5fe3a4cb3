# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""--check --diff and --diff for the files the collection's own modules write (run_result's
result JSON, condarc's .condarc): the old and new content are shown, check mode writes nothing,
and an unchanged file shows no diff."""

RESULT_TASK = """
    - name: result
      gpulab.pytorch_stack.run_result:
        name: cudnn
        dir: "{{ dir }}"
        result: "{{ result }}"
"""

CONDARC_TASK = """
    - name: condarc
      gpulab.pytorch_stack.condarc:
        prefix: "{{ prefix }}"
        channels: "{{ channels }}"
        custom_channels:
          conda-forge: https://conda-mirror.lab.example/
"""


def test_run_result_diff_under_check_writes_nothing(localhost_play, tmp_path):
    out = tmp_path / "results"
    out.mkdir()
    done = localhost_play(RESULT_TASK, {"dir": str(out), "result": {"summary": "cuDNN 9"}},
                          check=True, diff=True)["result"]
    assert done["changed"] is True
    assert done["diff"]["before"] == "" and '"summary": "cuDNN 9"' in done["diff"]["after"]
    assert done["diff"]["after_header"] == str(out / "cudnn.json")
    assert not (out / "cudnn.json").exists()


def test_run_result_diff_shows_old_and_new_and_nothing_when_unchanged(localhost_play, tmp_path):
    out = tmp_path / "results"
    localhost_play(RESULT_TASK, {"dir": str(out), "result": {"summary": "cuDNN 9.1"}})
    done = localhost_play(RESULT_TASK, {"dir": str(out), "result": {"summary": "cuDNN 9.2"}},
                          diff=True)["result"]
    assert done["changed"] is True
    assert "9.1" in done["diff"]["before"] and "9.2" not in done["diff"]["before"]
    assert "9.2" in done["diff"]["after"]
    assert (out / "cudnn.json").read_text() == done["diff"]["after"]
    again = localhost_play(RESULT_TASK, {"dir": str(out), "result": {"summary": "cuDNN 9.2"}},
                           diff=True)["result"]
    assert again["changed"] is False and "diff" not in again


def test_condarc_diff_under_check_writes_nothing(localhost_play, tmp_path):
    (tmp_path / ".condarc").write_text("channels:\n  - defaults\n")
    done = localhost_play(CONDARC_TASK, {"prefix": str(tmp_path), "channels": ["conda-forge"]},
                          check=True, diff=True)["condarc"]
    assert done["changed"] is True
    assert done["diff"]["before"] == "channels:\n  - defaults\n"
    assert "conda-forge" in done["diff"]["after"] and "conda-mirror.lab.example" in done["diff"]["after"]
    assert (tmp_path / ".condarc").read_text() == "channels:\n  - defaults\n"
