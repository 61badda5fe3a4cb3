# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters of plugins/filter/compat.py as Jinja2 calls them, and their documentation."""

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.filter.compat import FilterModule
from ansible_collections.gpulab.pytorch_stack.plugins.filter.conda import FilterModule as CondaFilters
from ansible_collections.gpulab.pytorch_stack.plugins.filter.fabric import (
    FilterModule as FabricFilterModule,
)
from ansible_collections.gpulab.pytorch_stack.plugins.filter.keys import (
    FilterModule as KeysFilterModule,
)
from ansible_collections.gpulab.pytorch_stack.plugins.filter.packages import (
    FilterModule as PackagesFilterModule,
)
from ansible_collections.gpulab.pytorch_stack.plugins.filter.report import (
    FilterModule as ReportFilterModule,
)
from ansible_collections.gpulab.pytorch_stack.plugins.filter.torch_checks import (
    FilterModule as TorchChecksFilterModule,
)
from ansible_collections.gpulab.pytorch_stack.plugins.filter.wheels import (
    FilterModule as WheelsFilterModule,
)

COMPAT_FILTERS = FilterModule().filters()
# Every filter of the collection has its doc file (report.py: report_table, slowest_steps;
# conda.py: condarc): the documentation tests below cover them all.
FILTERS = dict(COMPAT_FILTERS, **ReportFilterModule().filters())
FILTERS.update(CondaFilters().filters())
# fabric.py: fabric_manager_wanted, fabric_manager_packages, fabric_gate_message.
FILTERS.update(FabricFilterModule().filters())
# keys.py: gpg_primary_fingerprints; wheels.py: wheel_platform_tags.
FILTERS.update(KeysFilterModule().filters())
FILTERS.update(PackagesFilterModule().filters())
FILTERS.update(TorchChecksFilterModule().filters())
FILTERS.update(WheelsFilterModule().filters())
REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
FILTER_DIR = os.path.join(REPO, "plugins", "filter")


@pytest.mark.parametrize("name, args, kwargs, expected", [
    ("cuda_min_driver", ["12.8"], {}, "570.26"),
    ("cuda_min_driver", ["13.0.2"], {}, "580.65.06"),
    ("driver_supports_cuda", ["535.261.03", "12.4"], {}, False),
    ("driver_supports_cuda", ["535.261.03", "12.4"], {"minor_version_compat": True}, True),
    ("driver_supports_cuda", ["580.95.05", "13.0"], {}, True),
    ("cuda_supports_arch", ["11.8", "12.0"], {}, False),
    ("cuda_supports_arch", ["13.0", "7.0"], {}, False),
    ("cuda_supports_arch", ["13.0", "6.1"], {}, False),
    ("cuda_supports_arch", ["12.8", "10.0"], {}, True),
    ("cuda_variant", ["12.8"], {}, "cu128"),
    ("cudnn_supports_cuda", ["9.1.0", "12.4"], {}, True),
    ("cudnn_supports_cuda", ["8.9.7", "13.0"], {}, False),
    ("sm_targets", [["9.0", "8.0", "10.0"]], {}, ["sm_80", "sm_90", "sm_100"]),
    ("cuda_arch_list", [["9.0", "8.0", "8.0"]], {}, "8.0;9.0"),
    ("cuda_arch_list", [["10.0", 9.0]], {"ptx": True}, "9.0;10.0+PTX"),
    ("torch_index_url", ["12.8"], {}, "https://download.pytorch.org/whl/cu128"),
    ("torch_index_url", ["cu128"], {}, "https://download.pytorch.org/whl/cu128"),
    ("torch_index_url", ["cpu"], {}, "https://download.pytorch.org/whl/cpu"),
    ("torch_index_url", ["cu130", "2.14.1"], {}, "https://download.pytorch.org/whl/cu130"),
    ("torch_variants", ["2.14"], {}, ["cu126", "cu130", "cu132", "cpu"]),
    ("torch_variants", ["2.14"], {"experimental": False}, ["cu126", "cu130", "cu132", "cpu"]),
    ("torch_variant_published", ["2.14", "cu128"], {}, False),
    ("torch_variant_published", ["2.12", "cu132"], {"experimental": False}, False),
    ("torch_arch_list", ["2.14", "cu126"], {}, ["5.0", "6.0", "7.0", "7.5", "8.0", "8.6", "9.0"]),
    ("torch_variant_supports_arch", ["2.14", "cu130", "7.0"], {}, False),
    ("torch_variant_supports_arch", ["2.14", "cu126", "7.0"], {}, True),
    ("torch_variant_supports_arch", ["2.14", "cu130", "12.1"], {}, True),
    ("torchvision_for_torch", ["2.14"], {}, "0.29"),
    ("cuda_extension_problem", ["2.0.1", "pypi", "11.8"], {}, ""),
    ("cuda_extension_problem", ["2.14.1", "cu130", "13.2"], {}, ""),
    ("cuda_extension_problem", ["2.14.1", "cpu", "11.8"], {}, ""),
    ("cuda_extension_problem", ["2.14.1", "cu130", ""], {}, ""),
    ("cuda_extension_problem", ["2.14.1", "pypi", "11.8"], {},
     "torch 2.14.1's pypi build is for CUDA 13.0, the toolkit is CUDA 11.8: "
     "torch.utils.cpp_extension refuses to build CUDA extensions with a toolkit of another "
     "CUDA major than the torch build's"),
    ("torchvision_for_torch", ["2.13.0"], {}, "0.28"),
    ("gpu_architecture", ["0x2330"], {}, "hopper"),
    ("gpu_architecture", ["10de:2901"], {}, "blackwell"),
    ("gpu_architecture", ["0x0fc6"], {}, None),
    ("nvidia_pci_device", ["0x20b2"], {}, {"name": "NVIDIA A100-SXM4-80GB",
                                           "architecture": "ampere", "compute_capability": "8.0"}),
    ("nvidia_open_kernel_supported", ["0x1db4"], {}, False),
    ("nvidia_open_kernel_supported", ["0x1eb8"], {}, True),
    ("nvidia_open_kernel_required", ["0x2330"], {}, False),
    ("nvidia_open_kernel_required", ["0x2901"], {}, True),
    ("nvidia_open_kernel_required", ["blackwell"], {}, True),
])
def test_filter(name, args, kwargs, expected):
    assert FILTERS[name](*args, **kwargs) == expected


@pytest.mark.parametrize("name, args, message", [
    ("cuda_min_driver", ["12.7"], "gpulab.pytorch_stack.cuda_min_driver: CUDA 12.7 is not in the "
                                  "driver table (known: 11.7, 11.8,"),
    ("cuda_min_driver", [None], "gpulab.pytorch_stack.cuda_min_driver: CUDA version is missing"),
    ("driver_supports_cuda", ["latest", "12.8"], "driver version 'latest' is not a dotted version"),
    ("cuda_supports_arch", ["12.8"], "gpulab.pytorch_stack.cuda_supports_arch: wrong arguments "
                                     "(missing a required argument: 'capability'); see "
                                     "ansible-doc -t filter gpulab.pytorch_stack.cuda_supports_arch"),
    ("cuda_supports_arch", ["13.0", "9.5"], "compute capability 9.5 is not in the compatibility data"),
    ("cuda_arch_list", [[]], "no compute capability given"),
    ("torch_index_url", ["cu127"], "PyTorch publishes no 'cu127' wheel index; published variants: "),
    ("torch_index_url", ["cu128", "2.14"], "torch 2.14 is not published for cu128; variants for "
                                           "2.14: cu126, cu130, cu132, cpu"),
    ("torch_variant_supports_arch", ["2.10", "cu128", "9.0"],
     "no architecture list for torch 2.10 cu128 (recorded: 2.0 cu117, 2.0 cu118, 2.8 cu126"),
    ("torchvision_for_torch", ["3.0"], "torch 3.0 is not in the compatibility data"),
    ("nvidia_open_kernel_supported", ["ampere-ish"], "PCI device id 'ampere-ish' is not hexadecimal"),
])
def test_filter_errors_are_actionable(name, args, message):
    with pytest.raises(AnsibleFilterError) as raised:
        FILTERS[name](*args)
    assert message in str(raised.value)


def _docs():
    docs = {}
    for entry in sorted(os.listdir(FILTER_DIR)):
        if entry.endswith(".yml"):
            with open(os.path.join(FILTER_DIR, entry)) as handle:
                docs[entry[:-4]] = yaml.safe_load(handle)
    return docs


DOCS = _docs()


def test_one_doc_file_per_filter():
    assert sorted(DOCS) == sorted(FILTERS)


@pytest.mark.parametrize("name", sorted(FILTERS))
def test_doc_file(name):
    doc = DOCS[name]
    assert doc["DOCUMENTATION"]["name"] == name
    assert doc["DOCUMENTATION"]["short_description"]
    assert "_input" in doc["DOCUMENTATION"]["options"]
    assert "gpulab.pytorch_stack.%s" % name in doc["EXAMPLES"]
    assert doc["RETURN"]["_value"]["type"]
    # the documented options are the function's parameters (after the piped-in _input)
    code = getattr(FILTERS[name], "__wrapped__", FILTERS[name]).__code__
    params = list(code.co_varnames[1:code.co_argcount])
    assert sorted(doc["DOCUMENTATION"]["options"]) == sorted(["_input"] + params)


def test_ansible_doc_renders_every_filter(ansible_bin, collections_root):
    """ansible-doc finds each filter's sidecar documentation and shows its examples."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="0",
               ANSIBLE_COLLECTIONS_PATH=collections_root)
    ansible_doc = ansible_bin("ansible-doc")

    def render(name):
        return name, subprocess.run([ansible_doc, "-t", "filter", "gpulab.pytorch_stack." + name],
                                    capture_output=True, text=True, env=env, cwd=REPO,
                                    timeout=120, check=False)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = dict(pool.map(render, sorted(FILTERS)))
    for name, done in results.items():
        assert done.returncode == 0, (name, done.stderr)
        assert "EXAMPLES:" in done.stdout, name
        assert "RETURN VALUES:" in done.stdout, name
        assert "WARNING" not in done.stderr and "ERROR" not in done.stderr, (name, done.stderr)
