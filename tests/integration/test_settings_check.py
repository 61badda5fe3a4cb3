# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpulab.pytorch_stack.settings_check through a real ansible-playbook: the task the preflight
role runs first, on the controller, with the effective settings of the chosen layers."""

TASK = """
    - name: Check
      gpulab.pytorch_stack.settings_check:
        layers: "{{ layers }}"
        names: "{{ __names }}"
        settings: "{{ dict(__names | zip(query('ansible.builtin.vars', *__names))) }}"
        strict: "{{ strict | default(false) }}"
      vars:
        __names: "{{ query('ansible.builtin.varnames', '^(gpulab|cuda_toolkit|pytorch2|acceptance)_') }}"
"""


def test_good_settings_pass_and_a_misspelt_name_is_a_warning(localhost_play):
    result = localhost_play(TASK, {"layers": ["cuda_toolkit", "pytorch2"],
                                   "cuda_toolkit_pip_prefix": "/opt/cuda",
                                   "cuda_toolkit_verisons": ["13.1"],
                                   "pytorch2_visible_devices": "0,1"})["Check"]
    assert not result.get("failed"), result
    assert result["changed"] is False and result["errors"] == []
    assert result["warnings"] == ["cuda_toolkit_verisons is not a setting of gpulab.pytorch_stack "
                                  "and is ignored (did you mean cuda_toolkit_versions?)"]


def test_bad_settings_fail_with_one_sentence_each(localhost_play):
    result = localhost_play(TASK, {"layers": ["cuda_toolkit", "pytorch2", "acceptance"],
                                   "cuda_toolkit_pip_prefix": "opt/cuda",
                                   "pytorch2_torch_version": "2.14",
                                   "acceptance_min_accuracy": 1.5})["Check"]
    assert result["failed"] is True
    assert [error.split(" ")[0] for error in result["errors"]] == [
        "cuda_toolkit_pip_prefix", "pytorch2_torch_version", "acceptance_min_accuracy"]
    assert result["msg"].startswith("localhost: cuda_toolkit_pip_prefix 'opt/cuda' is a relative path")


def test_strict_makes_a_misspelt_name_an_error_and_unknown_layers_are_refused(localhost_play):
    result = localhost_play(TASK, {"layers": ["cuda_tolkit"], "strict": True,
                                   "gpulab_layer": ["cudnn"]})["Check"]
    assert result["failed"] is True
    assert "did you mean 'cuda_toolkit'?" in result["errors"][0]
    assert "gpulab_layer is not a setting" in result["errors"][1]
    assert "did you mean gpulab_layers?" in result["errors"][1]
