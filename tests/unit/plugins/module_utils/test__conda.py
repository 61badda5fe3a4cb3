# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._conda import (
    CondaError,
    channels,
    condarc_data,
    create_argvs,
    env_prefix,
    plan,
    python_version,
    spec,
    spec_text,
)


def test_condarc_holds_channels_mirrors_and_alias():
    data = condarc_data(["conda-forge", "nvidia"], "https://conda.lab.example",
                        {"conda-forge": "https://mirror.lab.example/conda"}, [], False,
                        {"channel_priority": "strict"})
    assert data == {
        "auto_update_conda": False,
        "channel_alias": "https://conda.lab.example",
        "channel_priority": "strict",
        "channels": ["conda-forge", "nvidia"],
        "custom_channels": {"conda-forge": "https://mirror.lab.example/conda"},
    }


def test_condarc_has_no_defaults_channel_unless_asked():
    data = condarc_data(["conda-forge"])
    assert data["channels"] == ["conda-forge"]
    assert "default_channels" not in data
    with pytest.raises(CondaError, match="conda_env_allow_defaults"):
        condarc_data(["conda-forge", "defaults"])
    allowed = condarc_data(["defaults"], default_channels=["https://m/main"], allow_defaults=True)
    assert allowed["channels"] == ["defaults"]
    assert allowed["default_channels"] == ["https://m/main"]


@pytest.mark.parametrize("kwargs, message", [
    ({"channel_list": []}, "at least one channel"),
    ({"channel_list": "conda-forge"}, "must be a list"),
    ({"channel_list": ["conda forge"]}, "neither a channel name"),
    ({"channel_list": ["conda-forge"], "channel_alias": "ftp://x"}, "not an http"),
    ({"channel_list": ["conda-forge"], "custom_channels": {"c": "mirror"}}, "not an http"),
    ({"channel_list": ["conda-forge"], "settings": {"channels": ["x"]}}, "must not set channels"),
])
def test_condarc_refuses_bad_values(kwargs, message):
    with pytest.raises(CondaError, match=message):
        condarc_data(**kwargs)


def test_channels_keep_order_and_drop_duplicates():
    assert channels(["nvidia", "conda-forge", "nvidia", "https://m/x"]) == [
        "nvidia", "conda-forge", "https://m/x"]


def test_conda_create_command_names_the_env_prefix_and_python():
    desired = spec("conda", "3.11", ["numpy"], ["conda-forge"])
    assert create_argvs(desired, "/opt/miniforge3", "pytorch2") == [[
        "/opt/miniforge3/bin/conda", "create", "--yes", "--quiet", "--prefix",
        "/opt/miniforge3/envs/pytorch2", "python=3.11", "numpy"]]


def test_venv_create_command_and_pip_for_extra_packages():
    assert create_argvs(spec("venv", "3.11"), "/opt/miniforge3", "pytorch2") == [
        ["/usr/bin/python3", "-m", "venv", "/opt/miniforge3/envs/pytorch2"]]
    argvs = create_argvs(spec("venv", "3.11", ["rich"]), "/opt/m", "e", "/usr/bin/python3.11")
    assert argvs[0][0] == "/usr/bin/python3.11"
    assert argvs[1][:4] == ["/opt/m/envs/e/bin/python", "-m", "pip", "install"]
    assert argvs[1][-1] == "rich"


@pytest.mark.parametrize("value", ["3", "3.11.2", "python3.11", "2.7x", ""])
def test_python_version_must_be_major_minor(value):
    with pytest.raises(CondaError):
        python_version(value)


@pytest.mark.parametrize("name", ["../etc", "a b", "", ".."])
def test_env_names_cannot_escape_the_prefix(name):
    with pytest.raises(CondaError):
        env_prefix("/opt/miniforge3", name)


def test_venv_spec_ignores_channels_conda_spec_keeps_them():
    assert spec("venv", "3.11", [], ["conda-forge"])["channels"] == []
    assert spec("conda", "3.11", [], ["conda-forge"])["channels"] == ["conda-forge"]
    with pytest.raises(CondaError):
        spec("mamba", "3.11")


def test_plan_keeps_creates_and_rebuilds():
    desired = spec("venv", "3.11")
    assert plan(desired, None, False) == "create"
    assert plan(desired, spec_text(desired), True) == "keep"
    assert plan(desired, spec_text(spec("venv", "3.12")), True) == "rebuild"
    assert plan(desired, spec_text(desired), False) == "rebuild"
    assert plan(desired, None, True) == "rebuild"
    assert plan(desired, "{not json", True) == "rebuild"
    assert json.loads(spec_text(desired)) == desired
