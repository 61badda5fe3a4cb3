# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""What works with what: the one compatibility table of the collection.

Plain Python data (literals, no functions), so modules can ship it through AnsiballZ. It is
read only by ``_compat.py``; roles reach it through the ``gpulab.pytorch_stack.*`` filters.
Every table names its source; where a value is not from the cited primary source it says so.
Facts were collected 2026-11 (the team's notes of that month, which cite the same sources);
update a table and its source together, and run
tests/unit/plugins/module_utils/test__compat.py, which checks the tables against each other.

Versions are strings ("12.8", "570.26"); compute capabilities are "major.minor" strings ("9.0").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Minimum Linux x86_64 driver for each CUDA toolkit release (the GA release of that minor).
# Source: CUDA Toolkit release notes, Table 3 "CUDA Toolkit and Corresponding Driver Versions"
# (docs.nvidia.com/cuda/cuda-toolkit-release-notes). 12.3 and 12.5 are from the same table but
# were not re-checked for the 2026-11 notes. 11.7 (GA 515.43.04; 11.7 Update 1 needs 515.65.01) is
# from the same table, added 2026-12 for torch 2.0's cu117 builds (issue #19).
CUDA_MIN_DRIVER = {
    "11.7": "515.43.04",
    "11.8": "520.61.05",
    "12.0": "525.60.13",
    "12.1": "530.30.02",
    "12.2": "535.54.03",
    "12.3": "545.23.06",
    "12.4": "550.54.14",
    "12.5": "555.42.02",
    "12.6": "560.28.03",
    "12.8": "570.26",
    "12.9": "575.51.03",
    "13.0": "580.65.06",
    "13.1": "590.44.01",
    "13.2": "595.45.04",
}

# Minor-version compatibility: an application built with any CUDA X.y runs (with reduced
# features: no PTX JIT of newer PTX, some APIs missing) on a driver at or above the floor of X.
# Source: CUDA Compatibility guide, "Minor Version Compatibility" (docs.nvidia.com/deploy/
# cuda-compatibility). The guide gives 11.x >= 450.80.02 and 12.x >= 525.60.13; for 13.x the
# collection's notes only record ">= 580".
CUDA_MINOR_COMPAT_FLOOR = {
    "11": "450.80.02",
    "12": "525.60.13",
    "13": "580",
}

# Compute capabilities the collection knows, with their architecture and example GPUs.
# Source: developer.nvidia.com/cuda-gpus (CC per GPU); Jetson-only capabilities (5.3, 6.2, 7.2,
# 8.7, 11.0) are left out: this collection provisions PCIe/SXM servers and workstations.
COMPUTE_CAPABILITIES = {
    "5.0": {"architecture": "maxwell", "gpus": ["GTX 750 Ti", "Quadro K2200"]},
    "5.2": {"architecture": "maxwell", "gpus": ["Tesla M40", "Tesla M60", "GTX 980"]},
    "6.0": {"architecture": "pascal", "gpus": ["Tesla P100"]},
    "6.1": {"architecture": "pascal", "gpus": ["Tesla P4", "Tesla P40", "GTX 1080"]},
    "7.0": {"architecture": "volta", "gpus": ["V100"]},
    "7.5": {"architecture": "turing", "gpus": ["T4", "RTX 20xx"]},
    "8.0": {"architecture": "ampere", "gpus": ["A100", "A30"]},
    "8.6": {"architecture": "ampere", "gpus": ["A10", "A40", "RTX 3090"]},
    "8.9": {"architecture": "ada", "gpus": ["L4", "L40S", "RTX 4090"]},
    "9.0": {"architecture": "hopper", "gpus": ["H100", "H200", "GH200"]},
    "10.0": {"architecture": "blackwell", "gpus": ["B200", "GB200"]},
    "10.3": {"architecture": "blackwell", "gpus": ["B300"]},
    "12.0": {"architecture": "blackwell", "gpus": ["RTX 5090", "RTX PRO 6000 Blackwell"]},
    "12.1": {"architecture": "blackwell", "gpus": ["GB10"]},
}

# First CUDA toolkit that can compile for a compute capability, and the first that no longer
# can (None: still supported by the newest toolkit in CUDA_MIN_DRIVER).
# Sources: CUDA release notes of each version; sm_90 and sm_89 arrived in 11.8, sm_100 and sm_120
# in 12.8 (third-party summary, unverified against NVIDIA's notes); sm_103 (B300) and sm_121
# (GB10) in 12.9 (CUDA 12.9 release notes, "new features": support for compute capability 10.3
# and 12.1; 13.0 is not the first, as an earlier summary had it); CUDA 13.0 removed offline
# compilation for Maxwell, Pascal and Volta (13.0 release notes). Earlier first versions (6.0 for sm_50 ... 11.1 for sm_86) are
# from the respective release notes and matter only for "< 11.8" questions.
ARCH_CUDA_SUPPORT = {
    "5.0": {"first": "6.0", "removed": "13.0"},
    "5.2": {"first": "6.5", "removed": "13.0"},
    "6.0": {"first": "8.0", "removed": "13.0"},
    "6.1": {"first": "8.0", "removed": "13.0"},
    "7.0": {"first": "9.0", "removed": "13.0"},
    "7.5": {"first": "10.0", "removed": None},
    "8.0": {"first": "11.0", "removed": None},
    "8.6": {"first": "11.1", "removed": None},
    "8.9": {"first": "11.8", "removed": None},
    "9.0": {"first": "11.8", "removed": None},
    "10.0": {"first": "12.8", "removed": None},
    "10.3": {"first": "12.9", "removed": None},
    "12.0": {"first": "12.8", "removed": None},
    "12.1": {"first": "12.9", "removed": None},
}

# GPU architectures: kernel-module flavours and driver branch support.
# open_kernel: "unsupported" (proprietary modules only), "supported", or "required".
# Source: NVIDIA driver installation guide, kernel modules page (open modules work only on
# Turing and newer, are the default from branch 560, and Blackwell requires them);
# NVIDIA/open-gpu-kernel-modules README "Compatible GPUs" (every listed id is Turing or newer).
# last_branch: the last driver branch that supports the architecture (None: still supported).
# Source: NVIDIA/ansible-role-nvidia-driver issue #89 (R580 is the last branch for Maxwell,
# Pascal and Volta).
ARCHITECTURES = {
    "maxwell": {"open_kernel": "unsupported", "last_branch": "580"},
    "pascal": {"open_kernel": "unsupported", "last_branch": "580"},
    "volta": {"open_kernel": "unsupported", "last_branch": "580"},
    "turing": {"open_kernel": "supported", "last_branch": None},
    "ampere": {"open_kernel": "supported", "last_branch": None},
    "ada": {"open_kernel": "supported", "last_branch": None},
    "hopper": {"open_kernel": "supported", "last_branch": None},
    "blackwell": {"open_kernel": "required", "last_branch": None},
}

# NVIDIA (vendor 0x10de) PCI device-id ranges per architecture, inclusive, as "0x" strings.
# Source: the PCI ID Repository (pci-ids.ucw.cz, pciutils/pciids `pci.ids`): NVIDIA allocates
# device ids per chip in blocks (GM107 0x138x, GP104 0x1b8x, GV100 0x1dbx, TU102 0x1e0x,
# GA100 0x20bx, GH100 0x233x, AD102 0x268x, GB100 0x290x, GB202 0x2b8x, GB110 0x318x, ...).
# The blocks below are the chips' blocks merged; ids between blocks are unknown here.
PCI_ID_RANGES = [
    ("0x1340", "0x15ef", "maxwell"),       # GM107/GM108/GM200/GM204/GM206
    ("0x15f0", "0x15ff", "pascal"),        # GP100
    ("0x1600", "0x17ff", "maxwell"),       # GM20x mobile and GM200 (0x17c2 TITAN X, 0x17fd M40)
    ("0x1b00", "0x1d7f", "pascal"),        # GP102/GP104/GP106/GP107/GP108
    ("0x1d80", "0x1dff", "volta"),         # GV100
    ("0x1e00", "0x1fff", "turing"),        # TU102/TU104/TU106/TU117
    ("0x2080", "0x20ff", "ampere"),        # GA100
    ("0x2180", "0x21ff", "turing"),        # TU116
    ("0x2200", "0x223f", "ampere"),        # GA102
    ("0x2300", "0x23ff", "hopper"),        # GH100
    ("0x2400", "0x25ff", "ampere"),        # GA103/GA104/GA106/GA107
    ("0x2680", "0x28ff", "ada"),           # AD102/AD103/AD104/AD106/AD107
    ("0x2900", "0x29ff", "blackwell"),     # GB100/GB102 (B200, GB200, B100)
    ("0x2b00", "0x2fff", "blackwell"),     # GB10B/GB202/GB203/GB205/GB206/GB207
    ("0x3100", "0x31ff", "blackwell"),     # GB110 (B300)
]

# Where a device id is in no range above: every id at or above this one is Turing or newer (the
# lowest id in the open-gpu-kernel-modules "Compatible GPUs" table is 0x1E02, TITAN RTX, and no
# pre-Turing chip was allocated above it), so the open kernel modules support it ...
OPEN_KERNEL_MIN_DEVICE_ID = "0x1e00"
# ... and every id at or above this one is Blackwell or newer (Hopper and Ada blocks all lie
# below GB100's 0x2900), so the open kernel modules are required.
OPEN_KERNEL_REQUIRED_MIN_DEVICE_ID = "0x2900"

# Known devices: the name NVML reports for them and their compute capability.
# Sources: device ids from pci.ids (PCI ID Repository), names as nvidia-smi / NVML print them,
# capability from developer.nvidia.com/cuda-gpus. Datacenter parts and a few workstation cards.
PCI_DEVICES = {
    "0x13f2": {"name": "Tesla M60", "compute_capability": "5.2"},
    "0x17fd": {"name": "Tesla M40", "compute_capability": "5.2"},
    "0x15f7": {"name": "Tesla P100-PCIE-12GB", "compute_capability": "6.0"},
    "0x15f8": {"name": "Tesla P100-PCIE-16GB", "compute_capability": "6.0"},
    "0x15f9": {"name": "Tesla P100-SXM2-16GB", "compute_capability": "6.0"},
    "0x1b38": {"name": "Tesla P40", "compute_capability": "6.1"},
    "0x1bb3": {"name": "Tesla P4", "compute_capability": "6.1"},
    "0x1db1": {"name": "Tesla V100-SXM2-16GB", "compute_capability": "7.0"},
    "0x1db4": {"name": "Tesla V100-PCIE-16GB", "compute_capability": "7.0"},
    "0x1db5": {"name": "Tesla V100-SXM2-32GB", "compute_capability": "7.0"},
    "0x1db6": {"name": "Tesla V100-PCIE-32GB", "compute_capability": "7.0"},
    "0x1df6": {"name": "Tesla V100S-PCIE-32GB", "compute_capability": "7.0"},
    "0x1eb8": {"name": "Tesla T4", "compute_capability": "7.5"},
    "0x20b0": {"name": "NVIDIA A100-SXM4-40GB", "compute_capability": "8.0"},
    "0x20b2": {"name": "NVIDIA A100-SXM4-80GB", "compute_capability": "8.0"},
    "0x20b5": {"name": "NVIDIA A100 80GB PCIe", "compute_capability": "8.0"},
    "0x20b7": {"name": "NVIDIA A30", "compute_capability": "8.0"},
    "0x20f1": {"name": "NVIDIA A100-PCIE-40GB", "compute_capability": "8.0"},
    "0x2204": {"name": "NVIDIA GeForce RTX 3090", "compute_capability": "8.6"},
    "0x2230": {"name": "NVIDIA RTX A6000", "compute_capability": "8.6"},
    "0x2235": {"name": "NVIDIA A40", "compute_capability": "8.6"},
    "0x2236": {"name": "NVIDIA A10", "compute_capability": "8.6"},
    "0x2237": {"name": "NVIDIA A10G", "compute_capability": "8.6"},
    "0x2330": {"name": "NVIDIA H100 80GB HBM3", "compute_capability": "9.0"},
    "0x2331": {"name": "NVIDIA H100 PCIe", "compute_capability": "9.0"},
    "0x2335": {"name": "NVIDIA H200", "compute_capability": "9.0"},
    "0x2684": {"name": "NVIDIA GeForce RTX 4090", "compute_capability": "8.9"},
    "0x26b5": {"name": "NVIDIA L40", "compute_capability": "8.9"},
    "0x26b9": {"name": "NVIDIA L40S", "compute_capability": "8.9"},
    "0x27b8": {"name": "NVIDIA L4", "compute_capability": "8.9"},
    "0x2901": {"name": "NVIDIA B200", "compute_capability": "10.0"},
    "0x2941": {"name": "NVIDIA GB200", "compute_capability": "10.0"},
    "0x2b85": {"name": "NVIDIA GeForce RTX 5090", "compute_capability": "12.0"},
    "0x2bb5": {"name": "NVIDIA RTX PRO 6000 Blackwell Server Edition",
               "compute_capability": "12.0"},
    "0x3182": {"name": "NVIDIA B300 SXM6 AC", "compute_capability": "10.3"},
}

# PyTorch wheel indexes: https://download.pytorch.org/whl/<variant>.
TORCH_INDEX_BASE = "https://download.pytorch.org/whl/"

# Torch releases the tables below know, oldest first.
TORCH_VERSIONS = ["2.0", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7", "2.8", "2.9",
                  "2.10", "2.11", "2.12", "2.13", "2.14", "2.15"]

# Which torch releases each variant index publishes. "stable": published as a supported
# build; "experimental": published, marked experimental in the release matrix.
# Source: PyTorch RELEASE.md release compatibility matrix (pytorch/pytorch), as recorded
# 2026-11. "cpu" is published for every release. cu117 (2.0 stable, cu118 its experimental build):
# the same matrix and PyTorch's "Deprecation of CUDA 11.6 and Python 3.7 Support" post (2.0
# targets CUDA 11.7 stable, 11.8 experimental). 2.15: only its PyPI default build (cu132, read
# from PyPI 2026-12-01) is recorded; its other indexes were not re-checked (download.pytorch.org
# is not reachable from where the data was collected).
TORCH_VARIANTS = {
    "cu117": {"cuda": "11.7", "stable": ["2.0"], "experimental": []},
    "cu118": {"cuda": "11.8", "stable": ["2.1", "2.2", "2.3", "2.4", "2.5", "2.6", "2.7"],
              "experimental": ["2.0"]},
    "cu121": {"cuda": "12.1", "stable": ["2.4", "2.5"], "experimental": ["2.1", "2.2", "2.3"]},
    "cu124": {"cuda": "12.4", "stable": ["2.5", "2.6"], "experimental": ["2.4"]},
    "cu126": {"cuda": "12.6",
              "stable": ["2.7", "2.8", "2.9", "2.10", "2.11", "2.12", "2.13", "2.14"],
              "experimental": ["2.6"]},
    "cu128": {"cuda": "12.8", "stable": ["2.8", "2.9", "2.10", "2.11"], "experimental": ["2.7"]},
    "cu129": {"cuda": "12.9", "stable": [], "experimental": ["2.8"]},
    "cu130": {"cuda": "13.0", "stable": ["2.11", "2.12", "2.13", "2.14"],
              "experimental": ["2.9", "2.10"]},
    "cu132": {"cuda": "13.2", "stable": ["2.14", "2.15"], "experimental": ["2.12", "2.13"]},
    "cpu": {"cuda": None, "stable": list(TORCH_VERSIONS), "experimental": []},
}

# TORCH_CUDA_ARCH_LIST the official Linux x86_64 wheels were built with, per variant and torch
# release; "+PTX" marks the capability whose plain compute_XX PTX is embedded as well (forward
# compatible; arch-specific compute_90a/compute_100f PTX is not, see _torch_check.arch_coverage).
# Only combinations with a source are recorded; others are unknown to the collection.
# Sources: torch 2.8 - pytorch/pytorch .ci/manywheel/build_cuda.sh at commit 00c7a380 (the 2.8
# cycle, when the wheels were CUDA 12.6/12.8/12.9; 2.8 dropped sm_50-sm_61 from cu128/cu129 and
# kept sm_70, pytorch/pytorch #157517);
# torch 2.12-2.14 - the team's 2026-11 notes on the 2.12-2.14 wheels: cu126 covers sm_50-sm_90,
# cu130/cu132 cover sm_75-sm_90, sm_100, sm_120 and PTX (the exact lists below are those ranges
# written out; pytorch/pytorch #182250: from 2.11 no single wheel covers both V100 and Blackwell);
# torch 2.14 cu130 - torch.cuda.get_arch_list() of PyPI's torch 2.14.1+cu130 (the cu130 build),
# read 2026-12-01: sm_75 sm_80 sm_86 sm_90 sm_100 sm_120 and no compute_120, so no PTX (the
# notes' "+ PTX" is not what that wheel holds; 2.12/2.13 cu130 and cu132 are unchecked).
# torch 2.0 - pytorch/builder manywheel/build_cuda.sh at commit 009ed170 (the 2.0 cycle: CUDA
# 11.7/11.8 only): "3.7;5.0;6.0;7.0" plus "7.5;8.0;8.6" (11.7) or "7.5;8.0;8.6;9.0" (11.8), no PTX.
# 3.7 (Kepler, K80) is left out below: the collection knows no Kepler GPU (COMPUTE_CAPABILITIES),
# and Kepler's last driver branch (R470) is older than CUDA 11.7 builds need.
# Other releases' lists were not recorded: the preflight notes that and the verify step judges
# the installed build's real get_arch_list().
TORCH_ARCH_LISTS = [
    {"torch": ["2.0"], "variant": "cu117", "arch_list": "5.0;6.0;7.0;7.5;8.0;8.6"},
    {"torch": ["2.0"], "variant": "cu118", "arch_list": "5.0;6.0;7.0;7.5;8.0;8.6;9.0"},
    {"torch": ["2.8"], "variant": "cu126", "arch_list": "5.0;6.0;7.0;7.5;8.0;8.6;9.0"},
    {"torch": ["2.8"], "variant": "cu128", "arch_list": "7.0;7.5;8.0;8.6;9.0;10.0;12.0"},
    {"torch": ["2.8"], "variant": "cu129", "arch_list": "7.0;7.5;8.0;8.6;9.0;10.0;12.0+PTX"},
    {"torch": ["2.12", "2.13", "2.14"], "variant": "cu126",
     "arch_list": "5.0;6.0;7.0;7.5;8.0;8.6;9.0"},
    {"torch": ["2.12", "2.13"], "variant": "cu130",
     "arch_list": "7.5;8.0;8.6;9.0;10.0;12.0+PTX"},
    {"torch": ["2.14"], "variant": "cu130", "arch_list": "7.5;8.0;8.6;9.0;10.0;12.0"},
    {"torch": ["2.12", "2.13", "2.14"], "variant": "cu132",
     "arch_list": "7.5;8.0;8.6;9.0;10.0;12.0+PTX"},
]

# torchvision release series paired with each torch release.
# Source: pytorch/vision README compatibility table (pattern: torchvision 0.(m+15) pairs with
# torch 2.m; 0.28 <-> 2.13 and 0.29 <-> 2.14 confirmed 2026-11).
TORCHVISION_FOR_TORCH = {
    "2.0": "0.15", "2.1": "0.16", "2.2": "0.17", "2.3": "0.18", "2.4": "0.19", "2.5": "0.20",
    "2.6": "0.21", "2.7": "0.22", "2.8": "0.23", "2.9": "0.24", "2.10": "0.25", "2.11": "0.26",
    "2.12": "0.27", "2.13": "0.28", "2.14": "0.29",
}
# torch 2.15 has no torchvision release (PyPI's newest is 0.29.2, which needs torch >= 2.14.0 and
# belongs to 2.14); see TORCH_RELEASES for the exact releases that belong together.

# cuDNN major release -> CUDA major versions it is built for.
# Sources: cuDNN 8.9 archives ship `_cuda11` and `_cuda12` builds (cuDNN archive/support
# matrix); cuDNN 9 ships builds for CUDA 11.8 and 12.x (pytorch/builder #660, cuDNN 9.1 for
# cu118/cu121/cu124) and for CUDA 13 (`cudnn9-cuda-13` packages, PyPI `nvidia-cudnn-cu13`).
# Not every cuDNN 9 minor is built for every CUDA major (CUDA 11 builds stopped, CUDA 13 builds
# started, during 9.x): check the exact minor against NVIDIA's cuDNN support matrix.
CUDNN_CUDA_MAJORS = {
    "8": ["11", "12"],
    "9": ["11", "12", "13"],
}

# ---- PyTorch 2 releases on PyPI, one row per release (issue #19) -----------------------------
# Every torch 2.x release PyPI serves (2.0.0 ... 2.15.0, as `pip index versions torch` and the
# simple index listed them on 2026-12-01), oldest first:
#   pypi_variant: the CUDA build PyPI's plain `torch` wheel for Linux x86_64 is. Source: the
#     wheel's core metadata (Requires-Dist) read from PyPI 2026-12-01 - nvidia-cuda-runtime-cu11
#     ==11.7.* (2.0), -cu12==12.1/12.4/12.6/12.8.* (2.1-2.10), cuda-toolkit[...]==13.0.*
#     (2.11-2.14.1) and ==13.2.2 (2.15.0).
#   python: the CPython versions it installs on: the cp3XX tags of its Linux x86_64 wheels on
#     PyPI (GIL builds; free-threaded cp3XXt wheels are not counted), read 2026-12-01.
#   torchvision / torchaudio: the companion releases whose Requires-Dist pins this torch
#     (torchvision "torch==X", torchaudio "torch==X"), read from their wheels' metadata on PyPI
#     2026-12-01. Yanked releases are left out (torchvision 0.15.0, torchaudio 2.0.0: "Contains
#     an incorrect torch dependency"). Exceptions to the exact pin, recorded as read:
#     torchaudio 2.0.1 pins torch 2.0.0 and 2.0.2 pins 2.0.1; torchvision 0.29.1 and 0.29.2 ask
#     torch>=2.14.0 and are counted for 2.14.0 and 2.14.1 (not for 2.15.0: that is another
#     minor); torchaudio 2.11.0 names no torch and 2.11.1 asks torch>=2.11: both are counted for
#     2.11.0. No torchaudio exists for 2.12 and later, no torchvision for 2.15.0 (empty lists).
TORCH_RELEASES = {
    "2.0.0": {"pypi_variant": "cu117", "python": ["3.8", "3.9", "3.10", "3.11"],
              "torchvision": ["0.15.1"], "torchaudio": ["2.0.1"]},
    "2.0.1": {"pypi_variant": "cu117", "python": ["3.8", "3.9", "3.10", "3.11"],
              "torchvision": ["0.15.2"], "torchaudio": ["2.0.2"]},
    "2.1.0": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11"],
              "torchvision": ["0.16.0"], "torchaudio": ["2.1.0"]},
    "2.1.1": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11"],
              "torchvision": ["0.16.1"], "torchaudio": ["2.1.1"]},
    "2.1.2": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11"],
              "torchvision": ["0.16.2"], "torchaudio": ["2.1.2"]},
    "2.2.0": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11", "3.12"],
              "torchvision": ["0.17.0"], "torchaudio": ["2.2.0"]},
    "2.2.1": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11", "3.12"],
              "torchvision": ["0.17.1"], "torchaudio": ["2.2.1"]},
    "2.2.2": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11", "3.12"],
              "torchvision": ["0.17.2"], "torchaudio": ["2.2.2"]},
    "2.3.0": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11", "3.12"],
              "torchvision": ["0.18.0"], "torchaudio": ["2.3.0"]},
    "2.3.1": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11", "3.12"],
              "torchvision": ["0.18.1"], "torchaudio": ["2.3.1"]},
    "2.4.0": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11", "3.12"],
              "torchvision": ["0.19.0"], "torchaudio": ["2.4.0"]},
    "2.4.1": {"pypi_variant": "cu121", "python": ["3.8", "3.9", "3.10", "3.11", "3.12"],
              "torchvision": ["0.19.1"], "torchaudio": ["2.4.1"]},
    "2.5.0": {"pypi_variant": "cu124", "python": ["3.9", "3.10", "3.11", "3.12", "3.13"],
              "torchvision": ["0.20.0"], "torchaudio": ["2.5.0"]},
    "2.5.1": {"pypi_variant": "cu124", "python": ["3.9", "3.10", "3.11", "3.12", "3.13"],
              "torchvision": ["0.20.1"], "torchaudio": ["2.5.1"]},
    "2.6.0": {"pypi_variant": "cu124", "python": ["3.9", "3.10", "3.11", "3.12", "3.13"],
              "torchvision": ["0.21.0"], "torchaudio": ["2.6.0"]},
    "2.7.0": {"pypi_variant": "cu126", "python": ["3.9", "3.10", "3.11", "3.12", "3.13"],
              "torchvision": ["0.22.0"], "torchaudio": ["2.7.0"]},
    "2.7.1": {"pypi_variant": "cu126", "python": ["3.9", "3.10", "3.11", "3.12", "3.13"],
              "torchvision": ["0.22.1"], "torchaudio": ["2.7.1"]},
    "2.8.0": {"pypi_variant": "cu128", "python": ["3.9", "3.10", "3.11", "3.12", "3.13"],
              "torchvision": ["0.23.0"], "torchaudio": ["2.8.0"]},
    "2.9.0": {"pypi_variant": "cu128", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
              "torchvision": ["0.24.0"], "torchaudio": ["2.9.0"]},
    "2.9.1": {"pypi_variant": "cu128", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
              "torchvision": ["0.24.1"], "torchaudio": ["2.9.1"]},
    "2.10.0": {"pypi_variant": "cu128", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "torchvision": ["0.25.0"], "torchaudio": ["2.10.0"]},
    "2.11.0": {"pypi_variant": "cu130", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "torchvision": ["0.26.0"], "torchaudio": ["2.11.0", "2.11.1"]},
    "2.12.0": {"pypi_variant": "cu130", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "torchvision": ["0.27.0"], "torchaudio": []},
    "2.12.1": {"pypi_variant": "cu130", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "torchvision": ["0.27.1"], "torchaudio": []},
    "2.13.0": {"pypi_variant": "cu130", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "torchvision": ["0.28.0"], "torchaudio": []},
    "2.14.0": {"pypi_variant": "cu130", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "torchvision": ["0.29.0", "0.29.1", "0.29.2"], "torchaudio": []},
    "2.14.1": {"pypi_variant": "cu130", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "torchvision": ["0.29.1", "0.29.2"], "torchaudio": []},
    "2.15.0": {"pypi_variant": "cu132", "python": ["3.11", "3.12", "3.13", "3.14", "3.15"],
               "torchvision": [], "torchaudio": []},
}

# Python versions torch.compile (TorchDynamo) runs on, per torch release: every Python the
# release installs on that is below "below". Source: check_if_dynamo_supported() in
# torch/_dynamo/eval_frame.py of the release's own cp311 Linux x86_64 wheel, read from PyPI
# 2026-12-01 (the last patch of each minor was read; the other patches were not re-checked). It
# raises "Python 3.X+ not yet supported for torch.compile" from that version on: 2.0 from 3.11,
# 2.1-2.3 from 3.12, 2.4-2.5 from 3.13, 2.6-2.9 from 3.14, 2.10-2.14 from 3.15, 2.15 from 3.16.
# (Free-threaded builds have further limits there; the environments this collection makes are
# GIL builds.)
TORCH_COMPILE_PYTHON_BELOW = {
    "2.0": "3.11", "2.1": "3.12", "2.2": "3.12", "2.3": "3.12", "2.4": "3.13", "2.5": "3.13",
    "2.6": "3.14", "2.7": "3.14", "2.8": "3.14", "2.9": "3.14", "2.10": "3.15", "2.11": "3.15",
    "2.12": "3.15", "2.13": "3.15", "2.14": "3.15", "2.15": "3.16",
}

# Releases built against NumPy 1.x: with NumPy 2 installed, `import torch` warns that "a module
# that was compiled using NumPy 1.x cannot be run in NumPy 2" and .numpy()/from_numpy() fail.
# The pytorch2 role adds "numpy<2" to the wheel set of these releases (torchvision asks for an
# unpinned numpy, which would otherwise be NumPy 2). Source: pytorch/pytorch #132179 (rgommers,
# 2024-07-31: "PyTorch 2.3.0 is the first version that supports NumPy 2.0", see #107302).
TORCH_NUMPY_BELOW = {"2.0": "2", "2.1": "2", "2.2": "2"}

# Releases whose torch.utils.cpp_extension imports `from pkg_resources import packaging`, which
# setuptools 70.0.0 removed (and setuptools 81 all of pkg_resources): every extension build then
# fails with "No module named 'pkg_resources'" or "cannot import name 'packaging'". The pytorch2
# role adds "setuptools<70" to the wheel set of these releases. Sources: torch 2.0.1's wheel,
# torch/utils/cpp_extension.py line 25 (read 2026-12-01; with setuptools 84.2.1 the extension
# check failed so in molecule pytorch2_releases); ROCm/pytorch #1422 (2024-05-23: "Removed in
# setuptools 70.0.0", cherry-picking pytorch commit 71ca427, which landed after 2.3.0). 2.1-2.3:
# unverified here (no wheel read), inferred from that fix landing after their release.
TORCH_SETUPTOOLS_BELOW = {"2.0": "70", "2.1": "70", "2.2": "70", "2.3": "70"}

# ---- Multi-GPU servers with NVSwitch (HGX/DGX): issue #18, facts collected 2026-12-01 ---------
# "unverified" marks a value the team could not check against NVIDIA's own page here (NVIDIA's
# servers are unreachable from the build machines); the source it comes from is named.

# NVSwitch PCI functions: the nvidia driver claims vendor 0x10de devices of PCI class 0x0680
# ("other bridge") as NVSwitches. Source: NVIDIA/open-gpu-kernel-modules, nvswitch_pci_table
# (src/common/nvswitch/kernel/nvswitch.c); device-id ranges, inclusive, from the same driver's
# device-id headers. Gen-2 (LimeRock, HGX A100) and gen-3 (Laguna Seca, HGX H100/H200); the
# gen-3 functions 0x22A8-0x22AF are the chip's bridge functions, counted with it.
NVSWITCH_PCI_CLASS = "0x0680"
NVSWITCH_PCI_ID_RANGES = [
    ("0x1ae8", "0x1ae8", 2),
    ("0x1af0", "0x1aff", 2),
    ("0x22a0", "0x22a7", 3),
    ("0x22a8", "0x22af", 3),
]
# Gen-4 NVSwitches (HGX B200/B100) do not show as class-0x0680 functions with a known id (no id
# found: unverified). NVIDIA's gpu-driver-container recognises them by the switch-management
# InfiniBand device: "SW_MNG" in /sys/class/infiniband/*/device/vpd (NVIDIA/gpu-driver-container
# nvidia-driver script; gpu-operator #2781). The collection uses the same method.
NVSWITCH_GEN4_IB_VPD_MARKER = "SW_MNG"

# Fabric Manager and NVLSM. Sources: NVIDIA Fabric Manager user guide (docs.nvidia.com/datacenter/
# tesla/fabric-manager-user-guide), as quoted in siderolabs/extensions #717, gpu-operator #544,
# gpu-driver-container #735 (version equals the driver's exactly, pin and hold it).
FABRIC_MANAGER_SERVICE = "nvidia-fabricmanager.service"
FABRIC_MANAGER_CONFIG = "/usr/share/nvidia/nvswitch/fabricmanager.cfg"
# Package names in NVIDIA's CUDA repository, per distribution family, before and from branch
# 580: Ubuntu/Debian "nvidia-fabricmanager-<branch>" before 580, "nvidia-fabricmanager" from 580
# (NVIDIA's repository listing as quoted in gpu-driver-container #735; the Debian names were not
# re-checked: unverified). The version string is the driver's, "<version>-1" in NVIDIA's apt
# repository (Debian revision "-1": unverified; the role pins "<version>-*").
# RHEL: "dnf module install nvidia-driver:<stream>/fm" (FM user guide); single RPM names disagree
# between sources. The dnf names below are both unverified (check with dnf list): the older FM
# guide's "nvidia-fabric-manager-<version>-1" before 580, the apt name from 580.
FABRIC_MANAGER_UNVERSIONED_FROM_BRANCH = "580"
FABRIC_MANAGER_PACKAGES = {
    "apt": {"before": "nvidia-fabricmanager-{branch}", "from": "nvidia-fabricmanager"},
    "dnf": {"before": "nvidia-fabric-manager", "from": "nvidia-fabricmanager"},
}
# Gen-4 boards also need NVLSM (the NVLink subnet manager) and its InfiniBand kernel modules
# (FM user guide as quoted in siderolabs/extensions #717; gpu-operator #2781). Same names on apt
# and dnf (unverified for dnf).
NVLSM_PACKAGES = ["nvlsm", "infiniband-diags", "libnvsdm"]
NVLSM_KERNEL_MODULES = ["mlx5_core", "ib_umad"]

# All-reduce bus bandwidth published for a node type, GB/s, with NCCL's busbw = algbw * 2(n-1)/n
# (nccl-tests doc/PERFORMANCE.md). Keys: (GPU model as NVML names it, GPU count). "ring" at
# large messages; "nvls" with NVLink SHARP (gen-3 NVSwitch and newer) at >= 8 GiB messages.
# Sources: nccl-tests #212 (8x H100 SXM ~370 ring, ~480 NVLS), nccl-tests #149 (8x A100 ~230).
# PCIe systems are far lower and machine-dependent: no figure, no verdict. Community figures,
# not NVIDIA datasheets (unverified against NVIDIA's).
NCCL_BUSBW_REFERENCE_GBPS = {
    ("NVIDIA H100 80GB HBM3", 8): {"ring": 370.0, "nvls": 480.0, "source": "nccl-tests #212"},
    ("NVIDIA A100-SXM4-80GB", 8): {"ring": 230.0, "source": "nccl-tests #149"},
    ("NVIDIA A100-SXM4-40GB", 8): {"ring": 230.0, "source": "nccl-tests #149"},
}
# A measured busbw below this share of the reference is a failed verdict (the collection's
# choice: message size, NCCL version and topology tuning move results by about 10-15 %).
NCCL_BUSBW_MIN_SHARE = 0.8
