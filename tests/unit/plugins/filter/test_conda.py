# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The condarc filter as the conda_env role calls it: its result written with Ansible's
to_nice_yaml, read back as YAML the way conda reads its .condarc."""

import pytest
import yaml
from ansible.errors import AnsibleFilterError
from ansible.plugins.filter.core import to_nice_yaml

from ansible_collections.gpulab.pytorch_stack.plugins.filter.conda import FilterModule

HEADER = "# Managed by gpulab.pytorch_stack (conda_env role); local changes are replaced.\n"
CONDARC = FilterModule().filters()["condarc"]

DEFAULTS = {"conda_env_channels": ["conda-forge"], "conda_env_channel_alias": "",
            "conda_env_custom_channels": {}, "conda_env_default_channels": [],
            "conda_env_allow_defaults": False, "conda_env_condarc_settings": {}}


def render(**overrides):
    """What roles/conda_env/tasks/preflight.yml and configure.yml write, from the role's vars."""
    v = dict(DEFAULTS, **overrides)
    data = CONDARC(v["conda_env_channels"], channel_alias=v["conda_env_channel_alias"],
                   custom_channels=v["conda_env_custom_channels"],
                   default_channels=v["conda_env_default_channels"],
                   allow_defaults=v["conda_env_allow_defaults"],
                   settings=v["conda_env_condarc_settings"])
    return HEADER + to_nice_yaml(data, indent=2)


def test_the_role_defaults_make_a_condarc_with_conda_forge_only():
    text = render()
    assert text.startswith("# Managed by gpulab.pytorch_stack")
    assert yaml.safe_load(text) == {"auto_update_conda": False, "channels": ["conda-forge"]}
    assert "defaults" not in text


def test_mirrors_alias_and_settings_reach_the_file():
    text = render(conda_env_channels=["conda-forge", "nvidia"],
                  conda_env_channel_alias="https://conda.lab.example",
                  conda_env_custom_channels={"nvidia": "https://mirror.lab.example/nvidia"},
                  conda_env_condarc_settings={"channel_priority": "strict"})
    assert yaml.safe_load(text) == {
        "auto_update_conda": False, "channel_alias": "https://conda.lab.example",
        "channel_priority": "strict", "channels": ["conda-forge", "nvidia"],
        "custom_channels": {"nvidia": "https://mirror.lab.example/nvidia"}}
    assert text.endswith("\n") and not text.endswith("\n\n")


@pytest.mark.parametrize("overrides, message", [
    ({"conda_env_channels": ["conda-forge", "defaults"]}, "set conda_env_allow_defaults: true"),
    ({"conda_env_condarc_settings": {"channels": ["x"]}},
     "conda_env_condarc_settings must not set channels"),
    ({"conda_env_channel_alias": "ftp://mirror"}, "not an http"),
])
def test_bad_settings_fail_with_the_variable_to_change(overrides, message):
    with pytest.raises(AnsibleFilterError, match="gpulab.pytorch_stack.condarc: .*" + message):
        render(**overrides)
