# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NVSwitch hosts, run for real on the controller: the acceptance role's fabric gate over the
NVML test double's HGX profiles (gpu_facts through nvidia-ml-py, dpkg-query and systemctl of
this machine, where Fabric Manager is not installed), and the nvidia_driver role's Fabric
Manager preflight refusals, which must stop the run before anything changes."""

import os

import pytest

ROLES = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles"))

SYSFS_TASK = """
    - name: gpu
      gpulab.pytorch_stack.gpu_facts:
        sysfs_root: "{{ sysfs }}"
    - name: gate
      ansible.builtin.include_role:
        name: gpulab.pytorch_stack.acceptance
        tasks_from: fabric.yml
    - name: after
      ansible.builtin.debug:
        msg: reached
"""

PREFLIGHT_TASKS = """
    - name: facts
      ansible.builtin.setup:
        gather_subset: [min]
    - name: preflight facts
      ansible.builtin.set_fact:
        gpu_preflight: "{{ test_gpu_preflight }}"
        cacheable: true
    - name: decide
      ansible.builtin.include_role:
        name: gpulab.pytorch_stack.nvidia_driver
        tasks_from: fabric_manager_preflight.yml
    - name: after
      ansible.builtin.debug:
        msg: "{{ __nvidia_driver_fabric_manager_wanted }}"
"""

GATE = "gpulab.pytorch_stack.acceptance : Fail before training while the fabric is not ready"


@pytest.fixture
def hgx_sysfs(make_sysfs, hgx, nvswitches):
    return make_sysfs(hgx("0x2330", driver="nvidia") + nvswitches(), "580.95.05")


@pytest.mark.parametrize("profile", ["hgx_h100_x8_fabric_not_started"])
def test_acceptance_stops_before_training_with_the_remedy(localhost_play, nvml_env, monkeypatch,
                                                          hgx_sysfs, profile):
    for key, value in nvml_env(profile).items():
        monkeypatch.setenv(key, value)
    results = localhost_play(SYSFS_TASK, {"sysfs": hgx_sysfs})
    assert results["gpu"]["ansible_facts"]["gpu"]["fabric"]["state"] == "not_ready"
    assert results[GATE]["failed"] is True
    message = results[GATE]["msg"]
    assert message.startswith("localhost: the NVSwitch fabric is not ready (0 of 8 GPUs ready: "
                              "GPUs 0, 1, 2, 3, 4, 5, 6, 7: fabric ")
    assert "error 802" in message
    # Fabric Manager is not installed on this machine: the remedy says to install and start it.
    assert "install Fabric Manager of the driver's version (580.95.05)" in message
    assert "systemctl enable --now nvidia-fabricmanager.service" in message
    assert "after" not in results


def test_acceptance_names_the_failed_gpus(localhost_play, nvml_env, monkeypatch, hgx_sysfs):
    for key, value in nvml_env("hgx_h100_x8_fabric_failed").items():
        monkeypatch.setenv(key, value)
    results = localhost_play(SYSFS_TASK, {"sysfs": hgx_sysfs})
    message = results[GATE]["msg"]
    assert "the NVSwitch fabric is failed (6 of 8 GPUs ready" in message
    assert "GPUs 2, 5: fabric completed with NVML error 999)" in message


@pytest.mark.parametrize("profile, switches", [("hgx_h100_x8_fabric_completed", True),
                                               ("h100_x1", False)])
def test_acceptance_goes_on_when_ready_or_without_fabric(localhost_play, nvml_env, monkeypatch,
                                                         make_sysfs, hgx, nvswitches, profile,
                                                         switches):
    for key, value in nvml_env(profile).items():
        monkeypatch.setenv(key, value)
    devices = hgx("0x2330") + (nvswitches() if switches else [])
    results = localhost_play(SYSFS_TASK, {"sysfs": make_sysfs(devices)})
    assert results["after"]["msg"] == "reached"
    assert GATE not in results or results[GATE].get("skipped")


PREFLIGHT_CASES = {
    "forced on, no NVSwitch": (
        {"nvidia_driver_fabric_manager": "on", "test_gpu_preflight": {"container": False,
                                                                      "nvswitches": {"count": 0}}},
        "nvidia_driver_fabric_manager is 'on' but the host has no NVSwitch"),
    "bare YAML on, no NVSwitch": (
        {"nvidia_driver_fabric_manager": True, "test_gpu_preflight": {"container": False,
                                                                      "nvswitches": {"count": 0}}},
        "nvidia_driver_fabric_manager is 'on' but the host has no NVSwitch"),
    "version differs": (
        {"nvidia_driver_version": "580.95.05", "nvidia_driver_fabric_manager_version": "580.82.07",
         "nvidia_driver_source": "cuda_repo",
         "test_gpu_preflight": {"container": False, "nvswitches": {"count": 4, "generation": 3}}},
        "nvidia_driver_fabric_manager_version is 580.82.07 but the driver is 580.95.05"),
    "distribution archive without Fabric Manager": (
        {"nvidia_driver_source": "distro",
         "test_gpu_preflight": {"container": False, "nvswitches": {"count": 4, "generation": 3}}},
        "Set nvidia_driver_source: cuda_repo"),
}


@pytest.mark.parametrize("case", sorted(PREFLIGHT_CASES))
def test_driver_preflight_refuses_bad_fabric_manager_settings(localhost_play, case):
    variables, expected = PREFLIGHT_CASES[case]
    results = localhost_play(PREFLIGHT_TASKS, variables)
    failed = [r for r in results.values() if r.get("failed")]
    assert len(failed) == 1, results
    assert expected in failed[0]["msg"]
    assert "after" not in results


INSTALL_TASKS = """
    - name: facts
      ansible.builtin.setup:
        gather_subset: [min]
    - name: preflight facts
      ansible.builtin.set_fact:
        gpu_preflight: "{{ test_gpu_preflight }}"
        cacheable: true
    - name: decide
      ansible.builtin.include_role:
        name: gpulab.pytorch_stack.nvidia_driver
        tasks_from: fabric_manager_preflight.yml
        public: true
    - name: transaction
      ansible.builtin.debug:
        msg: "{{ __nvidia_driver_fm_install }}"
    - name: hold
      ansible.builtin.debug:
        msg: "{{ lookup('ansible.builtin.template', pref_template) }}"
      when: __nvidia_driver_fm_install | length > 0
"""


@pytest.mark.parametrize("pkg_mgr, driver, generation, container, expected", [
    ("apt", "535.261.03", 3, False, ["nvidia-fabricmanager-535=535.261.03-*"]),
    ("apt", "580.95.05", 3, False, ["nvidia-fabricmanager=580.95.05-*"]),
    ("apt", "580.95.05", 4, False, ["nvidia-fabricmanager=580.95.05-*", "nvlsm",
                                    "infiniband-diags", "libnvsdm"]),
    ("dnf", "570.195.03", 3, False, ["nvidia-fabric-manager-570.195.03"]),
    ("apt", "580.95.05", 3, True, []),       # a container: the host owns the switches
])
def test_fabric_manager_joins_the_driver_install_transaction(
        localhost_play, pkg_mgr, driver, generation, container, expected):
    """What packages_apt.yml / packages_dnf.yml add to the driver's own install, so a first
    install and a rolling upgrade move Fabric Manager and the driver in one transaction."""
    results = localhost_play(INSTALL_TASKS, {
        "nvidia_driver_source": "cuda_repo", "__nvidia_driver_pkg_manager": pkg_mgr,
        "__nvidia_driver_target_version": driver, "ansible_managed": "managed",
        "pref_template": os.path.join(ROLES, "nvidia_driver", "templates", "fabricmanager.pref.j2"),
        "test_gpu_preflight": {"container": container,
                               "nvswitches": {"count": 4, "generation": generation}}})
    assert results["transaction"]["msg"] == expected
    if expected and pkg_mgr == "apt":
        hold = results["hold"]["msg"]
        name = expected[0].split("=")[0]
        assert "Package: %s\nPin: version %s-*\nPin-Priority: 1001" % (name, driver) in hold
