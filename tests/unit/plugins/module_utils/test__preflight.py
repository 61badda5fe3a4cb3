# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The disk a run needs: layers installed already (a result recorded) count for nothing."""

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._preflight import disk_needed

ESTIMATES = {"nvidia_driver": 1024, "cuda_toolkit": "6144", "pytorch2": 6144, "acceptance": 512}


def test_a_fresh_host_needs_every_layer(tmp_path):
    need = disk_needed(ESTIMATES, str(tmp_path))
    assert need == {"required_mib": 13824, "installed": [],
                    "counted": ["nvidia_driver", "cuda_toolkit", "pytorch2", "acceptance"]}


def test_a_converged_host_needs_nothing_new_for_what_is_installed(tmp_path):
    for layer in ("nvidia_driver", "cuda_toolkit", "pytorch2"):
        (tmp_path / (layer + ".json")).write_text("{}")
    need = disk_needed(ESTIMATES, str(tmp_path))
    assert need == {"required_mib": 512, "counted": ["acceptance"],
                    "installed": ["nvidia_driver", "cuda_toolkit", "pytorch2"]}


def test_without_a_results_directory_every_layer_counts(tmp_path):
    (tmp_path / "nvidia_driver.json").write_text("{}")
    assert disk_needed({"nvidia_driver": 1024}, None)["required_mib"] == 1024


def test_an_estimate_that_is_not_a_number_names_its_layer():
    with pytest.raises(ValueError, match="the disk estimate of layer cudnn is 'lots'"):
        disk_needed({"cudnn": "lots"})
