# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures shared by unit and integration tests: the NVML test double and fake sysfs trees.

nvidia-ml-py loads libnvidia-ml.so.1 once per process, so everything that goes through the
double runs in a fresh process started with LD_LIBRARY_PATH and GPULAB_NVML_PROFILE set
(``nvml_env``).
"""

import importlib.util
import os
import shutil
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOUBLE_DIR = os.path.join(REPO, "tests", "nvml_double")
PROFILE_DIR = os.path.join(DOUBLE_DIR, "profiles")


def _collections_root():
    """The directory holding ``ansible_collections/`` that this process imports the collection
    from (``.collections`` under plain pytest, ansible-test's copy under ansible-test units)."""
    spec = importlib.util.find_spec("ansible_collections.gpulab.pytorch_stack")
    location = list(spec.submodule_search_locations)[0]
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(location))))


COLLECTIONS = _collections_root()


@pytest.fixture(scope="session")
def collections_root():
    """Directory to put on ANSIBLE_COLLECTIONS_PATH / PYTHONPATH for child processes."""
    return COLLECTIONS


@pytest.fixture(scope="session")
def ansible_bin():
    """``ansible_bin(name)`` -> path of an Ansible command line tool: next to this interpreter
    (the project's .venv), else on PATH (ansible-test puts its own there)."""
    def find(name):
        sibling = os.path.join(os.path.dirname(sys.executable), name)
        found = sibling if os.access(sibling, os.X_OK) else shutil.which(name)
        assert found, "%s is neither next to %s nor on PATH" % (name, sys.executable)
        return found
    return find


@pytest.fixture(scope="session")
def nvml_double(tmp_path_factory):
    """Directory holding the freshly built libnvidia-ml.so.1 double (built once per session)."""
    out = tmp_path_factory.mktemp("nvml_double")
    subprocess.run([os.path.join(DOUBLE_DIR, "build.sh"), str(out)], check=True)
    return str(out)


@pytest.fixture(scope="session")
def nvml_env(nvml_double):
    """``nvml_env(profile)`` -> environment for a child process that loads the double with that
    profile (a name from tests/nvml_double/profiles or a path); ``profile=None`` leaves the double
    off the loader path ("no library")."""
    def make(profile, **extra):
        env = dict(os.environ)
        env.pop("LD_LIBRARY_PATH", None)
        env.pop("GPULAB_NVML_PROFILE", None)
        env["PYTHONPATH"] = COLLECTIONS
        if profile is not None:
            path = profile if os.sep in profile else os.path.join(PROFILE_DIR, profile + ".profile")
            env["LD_LIBRARY_PATH"] = nvml_double
            env["GPULAB_NVML_PROFILE"] = path
        env.update(extra)
        return env
    return make


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def build_sysfs(root, devices, kernel_module_version=None):
    """Write a fake sysfs tree at ``root`` (a pathlib.Path) and return its path as a string.

    ``devices``: ``(bus_id, vendor, device, class, driver_or_None)`` tuples, written as
    ``bus/pci/devices/<bus_id>/{vendor,device,class}`` with a ``driver`` symlink;
    ``kernel_module_version`` goes to ``module/nvidia/version``."""
    base = root / "bus" / "pci" / "devices"
    base.mkdir(parents=True)
    drivers = root / "bus" / "pci" / "drivers"
    for bus_id, vendor, device, pci_class, driver in devices:
        for key, value in (("vendor", vendor), ("device", device), ("class", pci_class)):
            _write(base / bus_id / key, value + "\n")
        if driver:
            (drivers / driver).mkdir(parents=True, exist_ok=True)
            (base / bus_id / "driver").symlink_to(drivers / driver)
    if kernel_module_version:
        _write(root / "module" / "nvidia" / "version", kernel_module_version + "\n")
    return str(root)


@pytest.fixture
def make_sysfs(tmp_path):
    """``make_sysfs(devices, kernel_module_version=None, name="sys")`` -> a fake sysfs tree in
    this test's tmp_path (see :func:`build_sysfs`)."""
    def make(devices, kernel_module_version=None, name="sys"):
        return build_sysfs(tmp_path / name, devices, kernel_module_version)
    return make


@pytest.fixture(scope="session")
def session_sysfs(tmp_path_factory):
    """Like ``make_sysfs``, for session- and module-scoped fixtures."""
    def make(devices, kernel_module_version=None, name="sys"):
        return build_sysfs(tmp_path_factory.mktemp(name), devices, kernel_module_version)
    return make


def hgx_devices(device_id, count=8, driver=None):
    """PCI functions of an HGX board: ``count`` GPUs plus an NVIDIA audio-class function that
    must not count as a GPU."""
    buses = ["07", "0f", "47", "4e", "87", "90", "b7", "bd"]
    gpus = [("0000:%s:00.0" % bus, "0x10de", device_id, "0x030200", driver)
            for bus in buses[:count]]
    return gpus + [("0000:00:1f.3", "0x8086", "0x7a50", "0x040300", None),
                   ("0000:07:00.1", "0x10de", "0x22ba", "0x040300", None)]


@pytest.fixture
def hgx():
    return hgx_devices


def nvswitch_devices(device_id="0x22a3", count=4, driver="nvidia-nvswitch"):
    """The NVSwitch functions of an HGX board (PCI class 0x0680): four gen-3 switches
    (0x22a3, HGX H100) by default, as ``build_sysfs`` device tuples."""
    return [("0000:%02x:00.0" % bus, "0x10de", device_id, "0x068000", driver)
            for bus in (0x05, 0x06, 0x85, 0x86)[:count]]


@pytest.fixture(scope="session")
def nvswitches():
    return nvswitch_devices
