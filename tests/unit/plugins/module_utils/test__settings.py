# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The strict settings checks of a whole-stack run (module_utils/_settings.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _settings as s

ROLES = os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "roles")


def specs():
    found = {}
    for role in sorted(os.listdir(ROLES)):
        path = os.path.join(ROLES, role, "meta", "argument_specs.yml")
        if os.path.isfile(path):
            with open(path) as handle:
                found[role] = yaml.safe_load(handle)["argument_specs"]
    return found


ALL = list(s.LAYERS)


@pytest.mark.parametrize("value, entries", [
    ("", []), (None, []), ("0", ["0"]), ("0,1", ["0", "1"]), (" 1 , 0 ", ["1", "0"]),
    ([0, 1], ["0", "1"]),
    ("GPU-8932f937-d72c-4106-c12f-20bd9faed9f6", ["GPU-8932f937-d72c-4106-c12f-20bd9faed9f6"]),
    ("GPU-8932f937", ["GPU-8932f937"]),
    ("MIG-d9a47cfb-d1f2-d08c-b40e-0812b597ae69", ["MIG-d9a47cfb-d1f2-d08c-b40e-0812b597ae69"]),
    ("MIG-GPU-8932f937-d72c-4106-c12f-20bd9faed9f6/1/0",
     ["MIG-GPU-8932f937-d72c-4106-c12f-20bd9faed9f6/1/0"]),
])
def test_device_lists_cuda_reads(value, entries):
    assert s.parse_devices(value) == entries


@pytest.mark.parametrize("value, why", [
    ("all,,1", "not a GPU index"), ("0,,1", "entry 2 is empty"), ("0,", "entry 2 is empty"), ("1,1", "given twice"),
    ("0,00", "given twice"), ("all", "not a GPU index"), ("-1", "not a GPU index"),
    ("cuda:0", "not a GPU index"), ("GPU-zz", "not a GPU index"), ("MIG-1/2", "not a GPU index"),
    ("GPU-8932f937,GPU-8932F937", "given twice"), ("gpu-8932f937", "not a GPU index"),
])
def test_device_lists_cuda_would_misread(value, why):
    with pytest.raises(s.DeviceListError, match=why):
        s.parse_devices(value)


@pytest.mark.parametrize("value, why", [
    ("opt/cuda", "relative path"), ("./opt", "relative path"), ("/opt/../etc", "'..'"),
    ("/opt/./cuda", "'.'"), ("/opt//cuda", "not normalised"), ("/", "root directory"),
    ("", "is empty"), (5, "must be a path"), ("~/cache", "relative path"),
])
def test_host_paths_must_be_absolute_and_normalised(value, why):
    problems = s.path_problems("cuda_toolkit_pip_prefix", value)
    assert len(problems) == 1 and why in problems[0] and "cuda_toolkit_pip_prefix" in problems[0]


def test_good_paths_pass():
    assert s.path_problems("cuda_toolkit_pip_prefix", "/opt/cuda") == []
    assert s.path_problems("cuda_toolkit_pip_prefix", "/opt/cuda/") == []
    assert s.path_problems("gpulab_controller_cache", "~/.cache/gpulab", controller=True) == []
    assert s.path_problems("cudnn_tarball_src", "", optional=True) == []
    assert "'..'" in s.path_problems("gpulab_controller_cache", "~/../x", controller=True)[0]


def test_relative_path_message_gives_the_fix():
    assert "'/opt/cuda'" in s.path_problems("cuda_toolkit_pip_prefix", "opt/cuda")[0]
    assert "'/etc'" in s.path_problems("conda_env_prefix", "/opt/../etc")[0]


@pytest.mark.parametrize("value, ok", [
    ("2.14.1", True), ("2.14", False), ("2", False), ("2.14.1.0", False), ("2.14.x", False),
    (2.14, False), ("", False),
])
def test_full_versions(value, ok):
    assert (s.version_problems("pytorch2_torch_version", value) == []) is ok


def test_optional_full_version_may_be_empty():
    assert s.version_problems("pytorch2_torchaudio_version", "", optional=True) == []
    assert s.version_problems("pytorch2_torchaudio_version", "2.14", optional=True)


@pytest.mark.parametrize("settings, name", [
    ({"acceptance_min_accuracy": 1.5}, "acceptance_min_accuracy"),
    ({"acceptance_min_accuracy": -0.1}, "acceptance_min_accuracy"),
    ({"acceptance_min_accuracy": "high"}, "acceptance_min_accuracy"),
    ({"acceptance_batch_size": -64}, "acceptance_batch_size"),
    ({"acceptance_batch_size": 0}, "acceptance_batch_size"),
    ({"acceptance_batch_size": 6.5}, "acceptance_batch_size"),
    ({"acceptance_timeout_s": 0}, "acceptance_timeout_s"),
    ({"acceptance_max_epoch_seconds": -1}, "acceptance_max_epoch_seconds"),
    ({"acceptance_device": "gpu"}, "acceptance_device"),
    ({"acceptance_device": "cuda:x"}, "acceptance_device"),
    ({"acceptance_batch_size": True}, "acceptance_batch_size"),
    ({"acceptance_min_busbw_gbps": 0}, "acceptance_min_busbw_gbps"),
    ({"acceptance_min_busbw_gbps": -100}, "acceptance_min_busbw_gbps"),
    ({"acceptance_min_busbw_gbps": "fast"}, "acceptance_min_busbw_gbps"),
    ({"acceptance_min_busbw_gbps": "nan"}, "acceptance_min_busbw_gbps"),
    ({"acceptance_min_busbw_gbps": True}, "acceptance_min_busbw_gbps"),
    ({"acceptance_compile_mode": "fast"}, "acceptance_compile_mode"),
    ({"acceptance_compile_mode": "max_autotune"}, "acceptance_compile_mode"),
])
def test_acceptance_settings_that_cannot_give_a_result(settings, name):
    problems = s.acceptance_problems(settings)
    assert len(problems) == 1 and problems[0].startswith(name)


def test_acceptance_defaults_pass():
    assert s.acceptance_problems({"acceptance_min_accuracy": 0.35, "acceptance_batch_size": 64,
                                  "acceptance_timeout_s": 1800, "acceptance_max_epoch_seconds": 0,
                                  "acceptance_device": "cuda"}) == []
    assert s.acceptance_problems({"acceptance_device": "cuda:1", "acceptance_min_accuracy": 1}) == []
    assert s.acceptance_problems({"acceptance_min_busbw_gbps": None, "acceptance_compile_mode": "default"}) == []
    assert s.acceptance_problems({"acceptance_min_busbw_gbps": "150.5",
                                  "acceptance_compile_mode": "max-autotune-no-cudagraphs"}) == []


def test_unknown_layers_are_refused_with_the_closest_name():
    problems = s.layer_problems(["cuda_tolkit"])
    assert problems == ["gpulab_layers names 'cuda_tolkit', which is no layer (did you mean "
                        "'cuda_toolkit'?); the layers are " + ", ".join(s.LAYERS)]
    assert "more than once" in s.layer_problems(["cudnn", "cudnn"])[0]
    assert "must be a list" in s.layer_problems("cudnn")[0]
    assert s.layer_problems([]) == [] and s.layer_problems(ALL) == []


def test_misspelt_settings_name_the_closest_known_one():
    known = s.known_names(specs())
    found = dict(s.unknown_names(["cuda_toolkit_verisons", "cudnn_verison", "gpulab_layer",
                                  "cuda_toolkit_versions", "other_thing", "pytorch2_result",
                                  "acceptance_zzz_qqq"], known))
    assert found == {"cuda_toolkit_verisons": "cuda_toolkit_versions",
                     "cudnn_verison": "cudnn_version", "gpulab_layer": "gpulab_layers",
                     "acceptance_zzz_qqq": None}


def test_every_default_of_every_role_passes():
    # The shipped defaults (plain values only; templated ones are checked through site.yml).
    settings = {}
    for role in s.PREFIXES:
        path = os.path.join(ROLES, role, "defaults", "main.yml")
        if os.path.isfile(path):
            with open(path) as handle:
                for name, value in (yaml.safe_load(handle) or {}).items():
                    if not (isinstance(value, str) and "{{" in value):
                        settings[name] = value
    errors, warnings = s.check_settings(settings, specs(), ALL, names=settings)
    assert errors == [] and warnings == []


def test_torchvision_and_torchaudio_may_be_left_out():
    # torch 2.15.0 has no torchvision or torchaudio release yet: "" leaves them out.
    settings = {"pytorch2_torch_version": "2.15.0", "pytorch2_torchvision_version": "",
                "pytorch2_torchaudio_version": ""}
    assert s.check_settings(settings, specs(), ALL, names=settings) == ([], [])
    settings["pytorch2_torchvision_version"] = "0.30"
    errors = s.check_settings(settings, specs(), ALL, names=settings)[0]
    assert [e.split(" ")[0] for e in errors] == ["pytorch2_torchvision_version"]


def test_check_settings_sorts_errors_and_warnings():
    settings = {"cuda_toolkit_pip_prefix": "opt/cuda", "pytorch2_torch_version": "2.14",
                "pytorch2_visible_devices": "all,,1", "acceptance_min_accuracy": 1.5}
    names = list(settings) + ["cuda_toolkit_verisons"]
    errors, warnings = s.check_settings(settings, specs(), ALL, names)
    assert [e.split(" ")[0] for e in errors] == [
        "cuda_toolkit_pip_prefix", "pytorch2_torch_version", "pytorch2_visible_devices",
        "acceptance_min_accuracy"]
    assert warnings == ["cuda_toolkit_verisons is not a setting of gpulab.pytorch_stack and is "
                        "ignored (did you mean cuda_toolkit_versions?)"]
    strict_errors, strict_warnings = s.check_settings(settings, specs(), ALL, names, strict=True)
    assert strict_warnings == [] and len(strict_errors) == 5
    assert "gpulab_strict_settings" in strict_errors[-1]


def test_only_the_chosen_layers_are_checked():
    settings = {"cuda_toolkit_pip_prefix": "opt/cuda", "acceptance_min_accuracy": 1.5}
    assert s.check_settings(settings, specs(), ["pytorch2"])[0] == []
    errors = s.check_settings(settings, specs(), ["cuda_toolkit", "cuda_tolkit"])[0]
    assert len(errors) == 2 and "cuda_tolkit" in errors[0] and "opt/cuda" in errors[1]


@pytest.mark.parametrize("url", ["", None, "http://wheels.lab.example:8081", "https://192.0.2.5/gpulab/",
                                 "http://[fd00::5]:8081/wheels", "http://mirror"])
def test_a_mirror_url_that_is_a_url_is_accepted(url):
    assert s.url_problems("gpulab_wheel_mirror_url", url) == []


@pytest.mark.parametrize("url, says", [
    ("wheels.lab.example:8081", "is not an http:// or https:// URL"),
    ("ftp://wheels.lab.example", "is not an http:// or https:// URL"),
    ("http://user:secret@wheels.lab.example", "is not an http:// or https:// URL"),
    ("http://wheels.lab.example/?set=1", "is not an http:// or https:// URL"),
    ("http://wheels lab", "is not an http:// or https:// URL"),
    ("http://wheels.lab.example:99999", "names port 99999"),
    (8081, "must be a URL (a string)"),
])
def test_a_mirror_url_that_is_no_url_is_refused_naming_the_setting(url, says):
    problems = s.url_problems("gpulab_wheel_mirror_url", url)
    assert len(problems) == 1 and problems[0].startswith("gpulab_wheel_mirror_url ") and says in problems[0]


def test_the_mirror_url_is_checked_and_known_in_a_whole_stack_check():
    errors, warnings = s.check_settings({"gpulab_wheel_mirror_url": "mirror:8081"}, {}, ["pytorch2"],
                                        names=["gpulab_wheel_mirror_url", "gpulab_wheel_mirror_root"])
    assert [e for e in errors if e.startswith("gpulab_wheel_mirror_url 'mirror:8081'")], errors
    assert warnings == []   # both names are the collection's
