"""Verify a real Miniforge install and conda environment (needs the installer and conda-forge)."""

import json

PREFIX = "/opt/miniforge3"
ENV = PREFIX + "/envs/pytorch2"


def test_miniforge_is_installed_and_recorded(host):
    assert host.file(PREFIX + "/bin/conda").exists
    record = json.loads(host.file(PREFIX + "/.gpulab-installer.json").content_string)
    assert len(record["sha256"]) == 64
    assert not host.file("/var/cache/gpulab/conda_env").listdir()


def test_condarc_lists_conda_forge_and_no_defaults(host):
    out = host.check_output(PREFIX + "/bin/conda config --show channels --json")
    assert json.loads(out)["channels"] == ["conda-forge"]
    assert "defaults" not in host.file(PREFIX + "/.condarc").content_string


def test_environment_has_the_requested_python(host):
    out = host.check_output(ENV + "/bin/python -c 'import sys; print(\"%d.%d\" % sys.version_info[:2])'")
    assert out == "3.11"
    assert json.loads(host.file(ENV + "/.gpulab-spec.json").content_string)["manager"] == "conda"


def test_prefix_is_closed_to_users_outside_the_group(host):
    prefix = host.file(PREFIX)
    assert prefix.user == "root" and prefix.group == "gpulab" and prefix.mode == 0o750
    assert host.check_output("find %s -xdev -perm -0002 -not -type l -print -quit" % PREFIX) == ""
