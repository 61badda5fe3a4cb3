# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_gpu: how gpu_info / gpu_facts combine NVML, the PCI bus and the compatibility data.

NVML is replaced by canned reports here; tests/integration runs the real path.
"""

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _gpu, _nvml


def report(state="ok", gpus=(), message="NVML 13.580.95.05, driver 580.95.05 (CUDA 13.0)."):
    nvml = dict.fromkeys(_gpu.NVML_KEYS)
    nvml.update(state=state, message=message,
                driver_version="580.95.05" if state == "ok" else None)
    return {"nvml": nvml, "gpus": [dict(dict.fromkeys(_nvml.GPU_FIELDS), index=i, **g)
                                   for i, g in enumerate(gpus)], "warnings": []}


@pytest.fixture
def nvml(monkeypatch):
    def use(canned):
        monkeypatch.setattr(_nvml, "query", lambda sysfs_root, proc_root: canned)
    return use


def test_facts_from_nvml(nvml, make_sysfs):
    nvml(report(gpus=[{"name": "NVIDIA B200", "compute_capability": "10.0"},
                      {"name": "Tesla P4", "compute_capability": "6.1"},
                      {"name": "NVIDIA B200", "compute_capability": "10.0"}]))
    facts, warnings = _gpu.gpu_facts(make_sysfs([]))
    assert warnings == []
    assert facts["count"] == 3
    assert facts["models"] == ["NVIDIA B200", "Tesla P4"]
    assert facts["architectures"] == ["blackwell", "pascal"]
    assert facts["compute_capabilities"] == ["6.1", "10.0"]
    assert facts["capabilities_source"] == "nvml"
    assert facts["torch_cuda_arch_list"] == "6.1;10.0"
    assert facts["sm_targets"] == ["sm_61", "sm_100"]
    assert [d["architecture"] for d in facts["devices"]] == ["blackwell", "pascal", "blackwell"]
    assert facts["pci_devices"] == []
    assert set(_gpu.NVML_KEYS) <= set(facts)


def test_facts_from_pci_when_the_driver_is_not_loaded(nvml, make_sysfs, hgx):
    nvml(report(state="driver_not_loaded", message="The NVIDIA kernel module is not loaded."))
    facts = _gpu.gpu_facts(make_sysfs(hgx("0x2330", count=4)))[0]
    assert (facts["state"], facts["count"]) == ("driver_not_loaded", 0)
    assert facts["capabilities_source"] == "pci"
    assert facts["compute_capabilities"] == ["9.0"]
    assert facts["torch_cuda_arch_list"] == "9.0"
    assert facts["models"] == ["NVIDIA H100 80GB HBM3"]
    assert facts["architectures"] == ["hopper"]
    assert len(facts["pci_devices"]) == 4
    assert facts["pci_devices"][0] == {
        "pci_bus_id": "0000:07:00.0", "vendor_id": "0x10de", "device_id": "0x2330",
        "class": "0x030200", "driver": None, "name": "NVIDIA H100 80GB HBM3",
        "architecture": "hopper", "compute_capability": "9.0"}


def test_unknown_pci_devices(nvml, make_sysfs):
    nvml(report(state="library_not_found"))
    sysfs = make_sysfs([("0000:01:00.0", "0x10de", "0x2c02", "0x030000", None),
                        ("0000:02:00.0", "0x10de", "0xzzzz", "0x030000", None)])
    facts = _gpu.gpu_facts(sysfs)[0]
    assert facts["capabilities_source"] == "none"
    assert facts["compute_capabilities"] == [] and facts["torch_cuda_arch_list"] is None
    assert facts["models"] == []
    assert facts["architectures"] == ["blackwell"]
    assert [(d["name"], d["architecture"], d["compute_capability"])
            for d in facts["pci_devices"]] == [(None, "blackwell", None), (None, None, None)]


@pytest.mark.parametrize("state, gpus, devices, expected", [
    ("ok", [{"name": "NVIDIA L4", "compute_capability": "8.9"}], [], None),
    ("ok", [], [], "No usable GPU: NVML works (driver 580.95.05) but reports no GPU. Check that "
                   "the GPUs are visible"),
    ("driver_library_mismatch", [], [("0000:07:00.0", "0x10de", "0x20b2", "0x030200", None)],
     "No usable GPU: NVML state is 'driver_library_mismatch'. MSG The PCI bus shows 1 NVIDIA "
     "GPU (NVIDIA A100-SXM4-80GB)."),
    ("driver_not_loaded", [], [], "No usable GPU: NVML state is 'driver_not_loaded'. MSG The PCI "
                                  "bus shows no NVIDIA GPU under the sysfs root either."),
])
def test_require_gpu_failure(nvml, make_sysfs, state, gpus, devices, expected):
    nvml(report(state=state, gpus=gpus, message="MSG"))
    message = _gpu.require_gpu_failure(_gpu.gpu_info(make_sysfs(devices)))
    if expected is None:
        assert message is None
    else:
        assert message.startswith(expected)
