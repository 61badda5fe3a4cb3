# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_compat answers, and the internal consistency of the data in _compat_data."""

import re

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat_data as data
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._compat import CompatError

V = _compat.parse_version


# ---- answers ---------------------------------------------------------------------------------

@pytest.mark.parametrize("cuda, driver", [
    ("11.8", "520.61.05"), ("12.2", "535.54.03"), ("12.4", "550.54.14"), ("12.8", "570.26"),
    ("12.8.1", "570.26"), (12.8, "570.26"), ("13.0", "580.65.06"), ("13.2", "595.45.04"),
])
def test_cuda_min_driver(cuda, driver):
    assert _compat.cuda_min_driver(cuda) == driver


@pytest.mark.parametrize("cuda, message", [
    ("12.7", "CUDA 12.7 is not in the driver table (known: 11.7, 11.8, 12.0"),
    ("12", "needs a major and a minor version"),
    ("twelve", "is not a dotted version number"),
    (None, "CUDA version is missing"),
])
def test_cuda_min_driver_errors(cuda, message):
    with pytest.raises(CompatError, match=re.escape(message)):
        _compat.cuda_min_driver(cuda)


@pytest.mark.parametrize("driver, cuda, compat, expected", [
    ("535.261.03", "12.2", False, True),
    ("535.261.03", "12.4", False, False),
    ("535.261.03", "12.4", True, True),       # 12.x floor 525.60.13
    ("525.60.13", "12.9", True, True),
    ("525.60.12", "12.0", True, False),
    ("570.26", "12.8", False, True),
    ("570.25.99", "12.8", False, False),
    ("580.65.06", "13.0", False, True),
    ("575.51.03", "13.0", True, False),       # 13.x floor 580
    ("580.95.05", "13.2", True, True),
    ("580.95.05", "13.2", False, False),
    ("470.256.02", "11.8", True, True),
])
def test_driver_supports_cuda(driver, cuda, compat, expected):
    assert _compat.driver_supports_cuda(driver, cuda, minor_version_compat=compat) is expected


def test_driver_supports_cuda_unknown_major():
    with pytest.raises(CompatError, match="CUDA major 10 has no minor-version-compatibility"):
        _compat.driver_supports_cuda("450.80.02", "10.2", minor_version_compat=True)


@pytest.mark.parametrize("cuda, capability, expected", [
    ("11.8", "9.0", True), ("11.8", "8.9", True), ("11.8", "12.0", False),
    ("11.8", "10.0", False), ("12.8", "10.0", True), ("12.8", "12.0", True),
    ("12.8", "10.3", False), ("13.0", "10.3", True), ("13.0", "12.1", True),
    ("12.9", "10.3", True), ("12.9", "12.1", True), ("12.8", "12.1", False),  # 12.9 notes
    ("12.9", "5.0", True), ("12.9", "7.0", True),
    ("13.0", "5.0", False), ("13.0", "5.2", False), ("13.0", "6.1", False), ("13.0", "7.0", False),
    ("13.0", "7.5", True), ("13.2", "sm_80", True), ("11.0", "8.6", False), ("11.1", 8.6, True),
])
def test_cuda_supports_arch(cuda, capability, expected):
    assert _compat.cuda_supports_arch(cuda, capability) is expected


def test_cuda_supports_arch_unknown_capability():
    with pytest.raises(CompatError, match=r"compute capability 9\.5 is not in the compat"):
        _compat.cuda_supports_arch("13.0", "9.5")


@pytest.mark.parametrize("value, expected", [
    ("9.0", "9.0"), (9.0, "9.0"), (10.0, "10.0"), (12.1, "12.1"), (9, "9.0"), ("sm_90", "9.0"),
    ("SM_100", "10.0"), ("compute_75", "7.5"), ("90", "9.0"), ("121", "12.1"), ((8, 6), "8.6"),
    (" 8.0 ", "8.0"), ("sm120", "12.0"),
])
def test_compute_capability(value, expected):
    assert _compat.compute_capability(value) == expected


@pytest.mark.parametrize("value", ["9", "sm_9", "9.00", "hopper", "", None, True, "9.0a"])
def test_compute_capability_rejects(value):
    with pytest.raises(CompatError):
        _compat.compute_capability(value)


@pytest.mark.parametrize("values, ptx, expected", [
    (["9.0", "8.0", "8.0"], False, "8.0;9.0"),
    (["10.0", "9.0", "6.1"], False, "6.1;9.0;10.0"),    # numeric, not string, order
    (["12.0", "sm_100", 8.6], True, "8.6;10.0;12.0+PTX"),
    (["7.5"], True, "7.5+PTX"),
])
def test_cuda_arch_list(values, ptx, expected):
    assert _compat.cuda_arch_list(values, ptx=ptx) == expected


@pytest.mark.parametrize("values, message", [
    ([], "no compute capability given"),
    ("8.0;9.0", "expected a list of compute capabilities"),
    (["8.0", "eight"], "compute capability 'eight' is not like"),
])
def test_cuda_arch_list_errors(values, message):
    with pytest.raises(CompatError, match=message):
        _compat.cuda_arch_list(values)


def test_sm_targets():
    assert _compat.sm_targets(["10.0", "6.1", "10.0", "12.1"]) == ["sm_61", "sm_100", "sm_121"]
    assert _compat.sm_targets([]) == []


@pytest.mark.parametrize("cuda, variant", [
    ("12.8", "cu128"), ("12.8.1", "cu128"), ("13.0", "cu130"), ("11.8", "cu118"), (12.6, "cu126"),
])
def test_cuda_variant(cuda, variant):
    assert _compat.cuda_variant(cuda) == variant


@pytest.mark.parametrize("value, torch, url", [
    ("12.8", None, "https://download.pytorch.org/whl/cu128"),
    ("cu130", None, "https://download.pytorch.org/whl/cu130"),
    ("CU126", "2.14.1", "https://download.pytorch.org/whl/cu126"),
    ("cpu", "2.0", "https://download.pytorch.org/whl/cpu"),
    ("13.2", "2.12", "https://download.pytorch.org/whl/cu132"),   # experimental counts
])
def test_torch_index_url(value, torch, url):
    assert _compat.torch_index_url(value, torch) == url


@pytest.mark.parametrize("value, torch, message", [
    ("12.7", None, "PyTorch publishes no 'cu127' wheel index; published variants: cu117, cu118, cu121"),
    ("cu999", None, "PyTorch publishes no 'cu999' wheel index"),
    ("rocm6.2", None, "is not like 'cu128'"),
    ("cu130", "2.8", "torch 2.8 is not published for cu130; variants for 2.8: cu126, cu128, cu129, cpu"),
    ("cu128", "2.99", "torch 2.99 is not in the compatibility data (it knows 2.0 to 2.15)"),
])
def test_torch_index_url_errors(value, torch, message):
    with pytest.raises(CompatError, match=re.escape(message)):
        _compat.torch_index_url(value, torch)


@pytest.mark.parametrize("torch, experimental, expected", [
    ("2.14", True, ["cu126", "cu130", "cu132", "cpu"]),
    ("2.13", False, ["cu126", "cu130", "cpu"]),
    ("2.8", True, ["cu126", "cu128", "cu129", "cpu"]),
    ("2.8.0+cu128", False, ["cu126", "cu128", "cpu"]),
    ("2.0", True, ["cu117", "cu118", "cpu"]),
    ("2.5.1", True, ["cu118", "cu121", "cu124", "cpu"]),
])
def test_torch_variants(torch, experimental, expected):
    assert _compat.torch_variants(torch, experimental=experimental) == expected


@pytest.mark.parametrize("torch, variant, experimental, expected", [
    ("2.14", "cu130", True, True), ("2.14", "cu128", True, False), ("2.11", "12.8", True, True),
    ("2.9", "cu130", True, True), ("2.9", "cu130", False, False), ("2.7", "cu118", False, True),
    ("2.14.0a0", "cpu", True, True),
])
def test_torch_variant_published(torch, variant, experimental, expected):
    assert _compat.torch_variant_published(torch, variant, experimental) is expected


@pytest.mark.parametrize("torch, variant, capability, expected", [
    ("2.14", "cu130", "7.0", False),      # V100: cu130 starts at sm_75
    ("2.14", "cu126", "7.0", True),
    ("2.14", "cu126", "10.0", False),     # no Blackwell in cu126 and no PTX
    ("2.14", "cu130", "10.0", True),
    ("2.14", "cu130", "10.3", True),      # sm_100 SASS runs on 10.3
    ("2.14", "cu130", "12.1", True),      # sm_120 SASS runs on 12.1
    ("2.14", "cu130", "8.9", True),       # sm_86 SASS runs on 8.9
    ("2.14", "cu126", "6.1", True),       # sm_60 SASS runs on 6.1
    ("2.14", "cu130", "13.0", False),     # the real 2.14.1+cu130 wheel has no compute_120
    ("2.13", "cu130", "13.0", True),      # PTX of 12.0 JIT-compiles for a newer GPU
    ("2.8", "cu128", "13.0", False),      # no PTX in the 2.8 cu128 build
    ("2.8", "cu129", "13.0", True),
    ("2.8", "cu128", "6.1", False),       # 2.8 dropped Pascal from cu128
    ("2.8", "cu128", "sm_70", True),
    ("2.14", "cpu", "9.0", False),
])
def test_torch_variant_supports_arch(torch, variant, capability, expected):
    assert _compat.torch_variant_supports_arch(torch, variant, capability) is expected


def test_torch_arch_list_unknown_combination():
    with pytest.raises(CompatError, match="no architecture list for torch 2.10 cu128"):
        _compat.torch_variant_supports_arch("2.10", "cu128", "9.0")


def test_torch_arch_list():
    assert _compat.torch_arch_list("2.13.0", "13.0") == ["7.5", "8.0", "8.6", "9.0", "10.0",
                                                         "12.0+PTX"]


@pytest.mark.parametrize("torch, vision", [
    ("2.14", "0.29"), ("2.13", "0.28"), ("2.14.1+cu130", "0.29"), ("2.0.1", "0.15"),
])
def test_torchvision_for_torch(torch, vision):
    assert _compat.torchvision_for_torch(torch) == vision


@pytest.mark.parametrize("torch", ["2.15", "1.13", "latest"])
def test_torchvision_for_unknown_torch(torch):
    with pytest.raises(CompatError):
        _compat.torchvision_for_torch(torch)


@pytest.mark.parametrize("cudnn, cuda, expected", [
    ("9", "12.8", True), ("9.1.0.70", "11.8", True), ("9.13.0", "13.0", True),
    ("8.9.7", "12.4", True), ("8.9.7", "13.0", False), ("8.6.0", "11.8", True),
])
def test_cudnn_supports_cuda(cudnn, cuda, expected):
    assert _compat.cudnn_supports_cuda(cudnn, cuda) is expected


def test_cudnn_unknown_major():
    with pytest.raises(CompatError, match="cuDNN 7 is not in the compatibility data"):
        _compat.cudnn_supports_cuda("7.6.5", "10.2")


@pytest.mark.parametrize("value, expected", [
    ("0x2330", "0x2330"), ("2330", "0x2330"), ("10de:2330", "0x2330"), (0x2330, "0x2330"),
    ("0x233010DE", "0x2330"), (0x233010DE, "0x2330"), ("0X1DB4", "0x1db4"),
])
def test_pci_device_id(value, expected):
    assert _compat.pci_device_id(value) == expected


@pytest.mark.parametrize("value", ["zz", "0x123456789", None, ""])
def test_pci_device_id_rejects(value):
    with pytest.raises(CompatError):
        _compat.pci_device_id(value)


@pytest.mark.parametrize("device, architecture", [
    ("0x13f2", "maxwell"), ("0x17fd", "maxwell"), ("0x15f8", "pascal"), ("0x1bb3", "pascal"),
    ("0x1db4", "volta"), ("0x1eb8", "turing"), ("0x2182", "turing"), ("0x20b2", "ampere"),
    ("0x2236", "ampere"), ("0x25b6", "ampere"), ("0x2330", "hopper"), ("0x2342", "hopper"),
    ("0x26b9", "ada"), ("0x27b8", "ada"), ("0x2901", "blackwell"), ("0x2b85", "blackwell"),
    ("0x2bb5", "blackwell"), ("0x3182", "blackwell"), ("0x0fc6", None), ("0x22a3", None),
    ("0x3300", None),
])
def test_gpu_architecture(device, architecture):
    assert _compat.gpu_architecture(device) == architecture


@pytest.mark.parametrize("device, expected", [
    ("0x2330", {"name": "NVIDIA H100 80GB HBM3", "architecture": "hopper",
                "compute_capability": "9.0"}),
    ("0x2339", {"name": None, "architecture": "hopper", "compute_capability": "9.0"}),
    ("0x1eb0", {"name": None, "architecture": "turing", "compute_capability": "7.5"}),
    # Ampere has 8.0 and 8.6, Blackwell four capabilities: unknown ids get no capability
    ("0x2489", {"name": None, "architecture": "ampere", "compute_capability": None}),
    ("0x2c02", {"name": None, "architecture": "blackwell", "compute_capability": None}),
    ("0x0fc6", {"name": None, "architecture": None, "compute_capability": None}),
])
def test_pci_device_info(device, expected):
    assert _compat.pci_device_info(device) == expected


@pytest.mark.parametrize("value, supported, required", [
    ("0x1db4", False, False),    # V100
    ("0x1bb3", False, False),    # P4
    ("0x1eb8", True, False),     # T4
    ("0x20b2", True, False),     # A100
    ("0x2330", True, False),     # H100
    ("0x2901", True, True),      # B200
    ("0x2b85", True, True),      # RTX 5090
    ("0x3300", True, True),      # beyond the data: judged by the id rule
    ("0x2a10", True, True),
    ("0x1e5f", True, False),
    ("volta", False, False), ("Turing", True, False), ("blackwell", True, True),
])
def test_open_kernel(value, supported, required):
    assert _compat.nvidia_open_kernel_supported(value) is supported
    assert _compat.nvidia_open_kernel_required(value) is required


@pytest.mark.parametrize("value, expected", [(12040, "12.4"), (13000, "13.0"), (12080, "12.8"),
                                             (11080, "11.8"), (None, None)])
def test_cuda_version_from_nvml(value, expected):
    assert _compat.cuda_version_from_nvml(value) == expected


# ---- internal consistency of _compat_data ------------------------------------------------------

def test_versions_parse():
    for cuda, driver in data.CUDA_MIN_DRIVER.items():
        assert len(V(cuda)) == 2 and len(V(driver)) >= 2
    for major, floor in data.CUDA_MINOR_COMPAT_FLOOR.items():
        assert major.isdigit() and V(floor)
    for release in data.TORCH_VERSIONS:
        assert len(V(release)) == 2


def test_driver_minimum_grows_with_cuda():
    ordered = sorted(data.CUDA_MIN_DRIVER, key=V)
    drivers = [V(data.CUDA_MIN_DRIVER[cuda]) for cuda in ordered]
    assert drivers == sorted(drivers)


def test_every_cuda_major_has_a_floor_below_its_minimums():
    for cuda, driver in data.CUDA_MIN_DRIVER.items():
        floor = data.CUDA_MINOR_COMPAT_FLOOR[str(V(cuda)[0])]
        assert V(floor) <= V(driver), cuda


def test_torch_versions_sorted_and_unique():
    assert sorted(set(data.TORCH_VERSIONS), key=V) == data.TORCH_VERSIONS


@pytest.mark.parametrize("variant", sorted(data.TORCH_VARIANTS))
def test_variant_maps_to_a_cuda_release_in_the_driver_table(variant):
    entry = data.TORCH_VARIANTS[variant]
    if variant == "cpu":
        assert entry["cuda"] is None
        assert entry["stable"] == data.TORCH_VERSIONS
        return
    assert entry["cuda"] in data.CUDA_MIN_DRIVER
    assert _compat.cuda_variant(entry["cuda"]) == variant
    assert not set(entry["stable"]) & set(entry["experimental"])
    for release in entry["stable"] + entry["experimental"]:
        assert release in data.TORCH_VERSIONS


def test_every_torch_release_has_a_cuda_variant():
    for release in data.TORCH_VERSIONS:
        assert [v for v in _compat.torch_variants(release) if v != "cpu"], release


@pytest.mark.parametrize("entry", data.TORCH_ARCH_LISTS,
                         ids=lambda e: "%s-%s" % ("/".join(e["torch"]), e["variant"]))
def test_arch_lists(entry):
    variant = data.TORCH_VARIANTS[entry["variant"]]
    for release in entry["torch"]:
        assert _compat.torch_variant_published(release, entry["variant"]), release
    items = entry["arch_list"].split(";")
    plain = [item.replace("+PTX", "") for item in items]
    assert [_compat.compute_capability(cc) for cc in plain] == plain
    assert plain == _compat.sort_capabilities(plain), "sorted and unique"
    assert all("+PTX" not in item for item in items[:-1]), "only the last may carry PTX"
    for cc in plain:   # the variant's toolkit can compile for every listed capability
        assert _compat.cuda_supports_arch(variant["cuda"], cc), cc


def test_arch_list_combinations_unique():
    seen = set()
    for entry in data.TORCH_ARCH_LISTS:
        for release in entry["torch"]:
            assert (release, entry["variant"]) not in seen
            seen.add((release, entry["variant"]))


def test_capability_tables_agree():
    assert set(data.COMPUTE_CAPABILITIES) == set(data.ARCH_CUDA_SUPPORT)
    for cc, entry in data.COMPUTE_CAPABILITIES.items():
        assert _compat.compute_capability(cc) == cc
        assert entry["architecture"] in data.ARCHITECTURES
    for support in data.ARCH_CUDA_SUPPORT.values():
        if support["removed"] is not None:
            assert V(support["first"]) < V(support["removed"])
            assert support["removed"] in data.CUDA_MIN_DRIVER


def test_every_architecture_has_a_capability():
    used = set(entry["architecture"] for entry in data.COMPUTE_CAPABILITIES.values())
    assert used == set(data.ARCHITECTURES)
    for entry in data.ARCHITECTURES.values():
        assert entry["open_kernel"] in ("unsupported", "supported", "required")


def test_pci_ranges_sorted_disjoint_and_known():
    previous_high = -1
    for low, high, architecture in data.PCI_ID_RANGES:
        low, high = int(low, 16), int(high, 16)
        assert previous_high < low <= high <= 0xFFFF
        assert architecture in data.ARCHITECTURES
        previous_high = high


def test_pci_ranges_agree_with_the_open_kernel_id_rules():
    supported_from = int(data.OPEN_KERNEL_MIN_DEVICE_ID, 16)
    required_from = int(data.OPEN_KERNEL_REQUIRED_MIN_DEVICE_ID, 16)
    for low, high, architecture in data.PCI_ID_RANGES:
        flag = data.ARCHITECTURES[architecture]["open_kernel"]
        for end in (int(low, 16), int(high, 16)):
            assert (end >= supported_from) == (flag != "unsupported"), (low, high)
            assert (end >= required_from) == (flag == "required"), (low, high)


@pytest.mark.parametrize("device", sorted(data.PCI_DEVICES))
def test_known_devices_agree_with_ranges(device):
    entry = data.PCI_DEVICES[device]
    assert re.match(r"^0x[0-9a-f]{4}$", device)
    assert entry["compute_capability"] in data.COMPUTE_CAPABILITIES
    by_capability = data.COMPUTE_CAPABILITIES[entry["compute_capability"]]["architecture"]
    number = int(device, 16)
    by_range = [a for low, high, a in data.PCI_ID_RANGES if int(low, 16) <= number <= int(high, 16)]
    assert by_range == [by_capability]


def test_torchvision_pairing_follows_the_pattern():
    with_torchvision = [v for v in data.TORCH_VERSIONS
                        if any(data.TORCH_RELEASES[r]["torchvision"] for r in data.TORCH_RELEASES
                               if _compat.torch_release(r) == v)]
    assert list(data.TORCHVISION_FOR_TORCH) == with_torchvision
    assert with_torchvision == data.TORCH_VERSIONS[:-1]  # 2.15 has no torchvision yet
    for torch, vision in data.TORCHVISION_FOR_TORCH.items():
        assert V(vision) == (0, V(torch)[1] + 15)


def test_cudnn_majors():
    for cudnn, cuda_majors in data.CUDNN_CUDA_MAJORS.items():
        assert cudnn.isdigit()
        assert all(major.isdigit() for major in cuda_majors)


def test_index_base():
    assert data.TORCH_INDEX_BASE.startswith("https://") and data.TORCH_INDEX_BASE.endswith("/")
