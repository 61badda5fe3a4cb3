# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""NVSwitch hosts: detection from fake sysfs boards (_pci.list_nvswitches), Fabric Manager
packages per distribution and branch, the fabric verdict and the busbw verdict (_fabric)."""

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _fabric
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._pci import (
    list_nvidia_gpus,
    list_nvswitches,
    nvswitch_generation,
)


# ---- detection -------------------------------------------------------------------------------

def test_hgx_h100_board_has_four_gen3_switches(make_sysfs, hgx, nvswitches):
    root = make_sysfs(hgx("0x2330", driver="nvidia") + nvswitches())
    found = list_nvswitches(root)
    assert (found["count"], found["generation"], found["ib_switch_managers"]) == (4, 3, [])
    assert found["devices"][0] == {"pci_bus_id": "0000:05:00.0", "device_id": "0x22a3",
                                   "generation": 3, "driver": "nvidia-nvswitch"}
    assert len(list_nvidia_gpus(root)) == 8         # the switches are no GPUs


def test_hgx_a100_board_is_gen2(make_sysfs, hgx, nvswitches):
    found = list_nvswitches(make_sysfs(hgx("0x20b2") + nvswitches("0x1af1", count=4, driver=None)))
    assert (found["count"], found["generation"]) == (4, 2)
    assert found["devices"][0]["driver"] is None


def test_pcie_server_has_none(make_sysfs, hgx):
    found = list_nvswitches(make_sysfs(hgx("0x2331", count=4)))   # 4x H100 PCIe
    assert found == {"count": 0, "generation": None, "devices": [], "ib_switch_managers": []}


def test_no_sysfs_at_all(tmp_path):
    assert list_nvswitches(str(tmp_path / "none"))["count"] == 0


@pytest.mark.parametrize("device_id, generation", [
    ("0x1ae8", 2), ("0x1af0", 2), ("0x1aff", 2), ("0x1ae9", None), ("0x22a0", 3),
    ("0x22a7", 3), ("0x22af", 3), ("0x22b0", None), ("0x2330", None), ("bogus", None),
    (None, None),
])
def test_generation_from_device_id(device_id, generation):
    assert nvswitch_generation(device_id) == generation


def test_unknown_switch_id_is_counted_without_generation(make_sysfs, nvswitches):
    found = list_nvswitches(make_sysfs(nvswitches("0x2901", count=2)))
    assert (found["count"], found["generation"]) == (2, None)


def test_another_vendors_bridge_is_no_switch(make_sysfs):
    found = list_nvswitches(make_sysfs([("0000:05:00.0", "0x15b3", "0x22a3", "0x068000", None)]))
    assert found["count"] == 0


def _ib_device(root, name, vpd):
    path = root / "class" / "infiniband" / name / "device"
    path.mkdir(parents=True)
    (path / "vpd").write_bytes(vpd)


def test_gen4_board_by_switch_management_vpd(make_sysfs, hgx, tmp_path):
    root = make_sysfs(hgx("0x2901"))
    for index in range(2):
        _ib_device(tmp_path / "sys", "mlx5_%d" % index, b"\x82\x10NVIDIA SW_MNG\x90")
    _ib_device(tmp_path / "sys", "mlx5_9", b"\x82\x10ConnectX-7 HCA\x90")   # a network card
    found = list_nvswitches(root)
    assert (found["count"], found["generation"], found["devices"]) == (2, 4, [])
    assert found["ib_switch_managers"] == ["mlx5_0", "mlx5_1"]


# ---- Fabric Manager wanted / version -----------------------------------------------------------

@pytest.mark.parametrize("mode, switches, expected", [
    ("auto", 4, True), ("auto", 0, False), ("on", 4, True), ("off", 4, False), ("off", 0, False),
])
def test_wanted(mode, switches, expected):
    assert _fabric.wanted(mode, switches) is expected


def test_forced_on_without_switches_is_refused_naming_the_variable():
    with pytest.raises(_fabric.FabricError) as err:
        _fabric.wanted("on", 0)
    assert "nvidia_driver_fabric_manager is 'on' but the host has no NVSwitch" in str(err.value)
    assert "Set nvidia_driver_fabric_manager: auto" in str(err.value)


def test_bad_mode_is_refused():
    with pytest.raises(_fabric.FabricError, match="nvidia_driver_fabric_manager must be one of"):
        _fabric.wanted("yes", 4)


def test_version_follows_the_driver_or_must_equal_it():
    assert _fabric.check_version("580.95.05", "") == "580.95.05"
    assert _fabric.check_version("580.95.05", "580.95.05") == "580.95.05"
    with pytest.raises(_fabric.FabricError) as err:
        _fabric.check_version("580.95.05", "580.82.07")
    assert ("nvidia_driver_fabric_manager_version is 580.82.07 but the driver is 580.95.05"
            in str(err.value))


# ---- packages per distribution and branch ----------------------------------------------------

@pytest.mark.parametrize("pkg_mgr, driver, package_version, name, spec", [
    ("apt", "535.261.03", None, "nvidia-fabricmanager-535", "nvidia-fabricmanager-535=535.261.03-*"),
    ("apt", "570.195.03", "570.195.03-1", "nvidia-fabricmanager-570",
     "nvidia-fabricmanager-570=570.195.03-1"),
    ("apt", "580.95.05", None, "nvidia-fabricmanager", "nvidia-fabricmanager=580.95.05-*"),
    ("apt", "590.44.01", None, "nvidia-fabricmanager", "nvidia-fabricmanager=590.44.01-*"),
    ("dnf", "550.163.01", None, "nvidia-fabric-manager", "nvidia-fabric-manager-550.163.01"),
    ("dnf", "580.95.05", "580.95.05-1.el9", "nvidia-fabricmanager",
     "nvidia-fabricmanager-580.95.05-1.el9"),
])
def test_package_per_distribution_and_branch(pkg_mgr, driver, package_version, name, spec):
    chosen = _fabric.packages(pkg_mgr, driver, package_version)
    assert chosen["fabric_manager"] == name
    assert chosen["specs"] == [spec]
    assert chosen["hold"] == [name]
    assert (chosen["nvlsm"], chosen["kernel_modules"]) == ([], [])


def test_gen4_boards_add_nvlsm_and_its_kernel_modules():
    chosen = _fabric.packages("apt", "580.95.05", nvswitch_generation=4)
    assert chosen["specs"] == ["nvidia-fabricmanager=580.95.05-*", "nvlsm", "infiniband-diags",
                               "libnvsdm"]
    assert chosen["kernel_modules"] == ["mlx5_core", "ib_umad"]
    assert _fabric.packages("apt", "580.95.05", nvswitch_generation=3)["nvlsm"] == []


def test_unknown_package_manager_and_bad_version():
    with pytest.raises(_fabric.FabricError, match="no package names for the package manager 'zypper'"):
        _fabric.packages("zypper", "580.95.05")
    with pytest.raises(_fabric.FabricError, match="has no branch"):
        _fabric.packages("apt", "latest")


# ---- fabric summary and gate ------------------------------------------------------------------

def _gpus(states):
    return [{"index": i, "usable": True, "fabric_state": s, "fabric_status": c}
            for i, (s, c) in enumerate(states)]


@pytest.mark.parametrize("states, switches, expected", [
    ([("completed", 0)] * 8, 4, "ready"),
    ([("completed", 0)] * 7 + [("in_progress", None)], 4, "not_ready"),
    ([("not_started", None)] * 8, 4, "not_ready"),
    ([("completed", 0), ("completed", 999)], 4, "failed"),
    ([("not_supported", None)] * 4, 0, "not_applicable"),
    ([(None, None)] * 4, 0, "not_applicable"),
    ([(None, None)] * 8, 4, "unknown"),
    ([("not_supported", None)] * 8, 4, "not_ready"),
])
def test_summary(states, switches, expected):
    assert _fabric.summary(_gpus(states), switches)["state"] == expected


def test_summary_counts_and_names_problem_gpus_and_skips_lost_ones():
    gpus = _gpus([("completed", 0), ("completed", 999), ("in_progress", None)])
    gpus.append({"index": 3, "usable": False, "fabric_state": None, "fabric_status": None})
    found = _fabric.summary(gpus, 4)
    assert (found["gpus_ready"], found["gpus"]) == (1, 3)
    assert found["problems"] == ["GPU 1: fabric completed with NVML error 999",
                                 "GPU 2: fabric in progress"]


def test_gate_passes_a_ready_fabric_and_a_pcie_host():
    assert _fabric.gate_failure(_fabric.summary(_gpus([("completed", 0)] * 8), 4)) is None
    assert _fabric.gate_failure(_fabric.summary(_gpus([("not_supported", None)]), 0)) is None


def test_gate_says_start_fabric_manager_when_it_is_stopped():
    fabric = _fabric.summary(_gpus([("not_started", None)] * 8), 4)
    message = _fabric.gate_failure(fabric, "580.95.05", "580.95.05-1", "inactive", host="gpu01")
    assert message.startswith("gpu01: the NVSwitch fabric is not ready (0 of 8 GPUs ready")
    assert "error 802" in message
    assert "start Fabric Manager (systemctl enable --now nvidia-fabricmanager.service" in message
    assert "(the service is inactive)" in message


def test_gate_names_both_versions_when_they_differ():
    fabric = _fabric.summary(_gpus([("not_started", None)] * 8), 4)
    message = _fabric.gate_failure(fabric, "580.95.05", "1:580.82.07-1", "failed")
    assert "versions differ: driver 580.95.05, Fabric Manager 580.82.07" in message


def test_gate_without_fabric_manager_installed_and_on_failure():
    fabric = _fabric.summary(_gpus([("not_started", None)] * 8), 4)
    assert "install Fabric Manager of the driver's version (580.95.05)" in _fabric.gate_failure(
        fabric, "580.95.05", None, None)
    failed = _fabric.summary(_gpus([("completed", 999)] * 8), 4)
    message = _fabric.gate_failure(failed, "580.95.05", "580.95.05-1", "active")
    assert "the NVSwitch fabric is failed" in message
    assert "journalctl -u nvidia-fabricmanager.service" in message


# ---- busbw ------------------------------------------------------------------------------------

def test_busbw_from_algbw():
    assert _fabric.busbw_from_algbw(100.0, 8) == pytest.approx(175.0)
    assert _fabric.busbw_from_algbw(100.0, 1) == 0.0
    with pytest.raises(_fabric.FabricError):
        _fabric.busbw_from_algbw(1.0, 0)


def test_busbw_verdict_against_the_node_figure():
    good = _fabric.busbw_verdict(355.0, "NVIDIA H100 80GB HBM3", 8)
    assert (good["verdict"], good["reference_gbps"], good["share"]) == ("pass", 370.0, 0.959)
    assert "nccl-tests #212" in good["message"]
    bad = _fabric.busbw_verdict(150.0, "NVIDIA H100 80GB HBM3", 8)
    assert bad["verdict"] == "fail"
    nvls = _fabric.busbw_verdict(400.0, "NVIDIA H100 80GB HBM3", 8, algorithm="nvls")
    assert (nvls["verdict"], nvls["reference_gbps"]) == ("pass", 480.0)
    assert _fabric.busbw_verdict(190.0, "NVIDIA A100-SXM4-80GB", 8)["verdict"] == "pass"


def test_no_figure_is_no_verdict():
    found = _fabric.busbw_verdict(40.0, "NVIDIA H100 PCIe", 4)
    assert (found["verdict"], found["reference_gbps"]) == ("no_reference", None)
    assert _fabric.busbw_verdict(200.0, "NVIDIA A100-SXM4-80GB", 8, "nvls")["verdict"] == \
        "no_reference"


@pytest.mark.parametrize("mode, expected", [(True, True), (False, False)])
def test_bare_yaml_on_off_read_as_booleans(mode, expected):
    assert _fabric.wanted(mode, 4) is expected


def test_wanted_checked_compares_versions_before_anything_resolves():
    switches = {"count": 4, "generation": 3}
    assert _fabric.wanted_checked(switches, "auto") is True
    assert _fabric.wanted_checked({"count": 0}, "auto", "", "580.82.07") is False
    assert _fabric.wanted_checked(switches, "auto", "580.95.05", "580.95.05") is True
    with pytest.raises(_fabric.FabricError, match="versions? .*580.82.07 but the driver is 580.95.05"):
        _fabric.wanted_checked(switches, "auto", "580.95.05", "580.82.07")
    with pytest.raises(_fabric.FabricError, match="nvidia_driver_version is empty"):
        _fabric.wanted_checked(switches, "on", "", "580.82.07")
