# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_pci.list_nvidia_gpus over fake sysfs trees."""

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._pci import list_nvidia_gpus


def test_hgx_board(make_sysfs, hgx):
    root = make_sysfs(hgx("0x20b2", driver="nvidia"))
    found = list_nvidia_gpus(root)
    assert [d["pci_bus_id"] for d in found] == [
        "0000:07:00.0", "0000:0f:00.0", "0000:47:00.0", "0000:4e:00.0",
        "0000:87:00.0", "0000:90:00.0", "0000:b7:00.0", "0000:bd:00.0"]
    assert found[0] == {"pci_bus_id": "0000:07:00.0", "vendor_id": "0x10de",
                        "device_id": "0x20b2", "class": "0x030200", "driver": "nvidia"}


@pytest.mark.parametrize("device, expected", [
    (("0000:3b:00.0", "0x10de", "0x1bb3", "0x030200", None), True),      # 3D controller
    (("0000:01:00.0", "0x10de", "0x2684", "0x030000", "nouveau"), True),  # VGA
    (("0000:01:00.1", "0x10de", "0x22ba", "0x040300", None), False),     # its audio function
    (("0000:05:00.0", "0x10de", "0x22a3", "0x068000", None), False),     # NVSwitch bridge
    (("0000:00:02.0", "0x8086", "0x4680", "0x030000", "i915"), False),   # another vendor's GPU
    (("0000:41:00.0", "0x10DE", "0x2901", "0x030200", "vfio-pci"), True),
])
def test_only_nvidia_display_functions(make_sysfs, device, expected):
    found = list_nvidia_gpus(make_sysfs([device]))
    assert len(found) == (1 if expected else 0)
    if expected:
        assert found[0]["driver"] == device[4]
        assert found[0]["device_id"] == device[2].lower()


def test_no_pci_tree(tmp_path):
    assert list_nvidia_gpus(str(tmp_path / "nothing")) == []


def test_unreadable_device_file(make_sysfs, tmp_path):
    root = make_sysfs([("0000:3b:00.0", "0x10de", "0x2330", "0x030200", None)])
    (tmp_path / "sys" / "bus" / "pci" / "devices" / "0000:3b:00.0" / "device").unlink()
    assert list_nvidia_gpus(root) == [{"pci_bus_id": "0000:3b:00.0", "vendor_id": "0x10de",
                                      "device_id": None, "class": "0x030200", "driver": None}]
