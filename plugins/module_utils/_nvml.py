# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Read the NVIDIA driver and GPUs through NVML, with NVIDIA's binding nvidia-ml-py.

nvidia-ml-py installs the module ``pynvml`` (the separate, deprecated ``pynvml`` PyPI package
is not needed and should not be installed). It loads ``libnvidia-ml.so.1``, which the NVIDIA
driver installs, on the first ``nvmlInit``. Importing this file never fails: without the binding
:data:`HAS_PYNVML` is False and :func:`query` reports the state ``library_not_found``.

Nothing here writes anything; :func:`query` initializes NVML, reads, and shuts it down.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import os
import re
import sys
import traceback

# Where the nvidia_driver role unpacks nvidia-ml-py on hosts (nvidia_driver_nvml_py_dir): a
# root-owned directory, used only when the interpreter itself has no pynvml.
BINDING_DIR = "/usr/local/lib/gpulab/python"


def _import_pynvml():
    try:
        import pynvml as module
        return module, None
    except ImportError:
        first_error = traceback.format_exc()
    if not os.path.isdir(BINDING_DIR) or BINDING_DIR in sys.path:
        return None, first_error
    sys.path.append(BINDING_DIR)
    try:
        import pynvml as module
        return module, None
    except ImportError:
        sys.path.remove(BINDING_DIR)
        return None, first_error


pynvml, PYNVML_IMPORT_ERROR = _import_pynvml()

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._compat import (
    cuda_version_from_nvml,
)

HAS_PYNVML = pynvml is not None

STATE_OK = "ok"
STATE_LIBRARY_NOT_FOUND = "library_not_found"
STATE_DRIVER_NOT_LOADED = "driver_not_loaded"
STATE_MISMATCH = "driver_library_mismatch"
STATE_NO_PERMISSION = "no_permission"
STATE_ERROR = "error"
STATES = (STATE_OK, STATE_LIBRARY_NOT_FOUND, STATE_DRIVER_NOT_LOADED, STATE_MISMATCH,
          STATE_NO_PERMISSION, STATE_ERROR)

# NVML return codes (nvml.h) this file acts on.
NVML_ERROR_NOT_SUPPORTED = 3
NVML_ERROR_NO_PERMISSION = 4
NVML_ERROR_NOT_FOUND = 6
NVML_ERROR_DRIVER_NOT_LOADED = 9
NVML_ERROR_LIBRARY_NOT_FOUND = 12
NVML_ERROR_FUNCTION_NOT_FOUND = 13
NVML_ERROR_LIB_RM_VERSION_MISMATCH = 18
NVML_ERROR_ARGUMENT_VERSION_MISMATCH = 25

INIT_ERROR_STATES = {
    NVML_ERROR_LIBRARY_NOT_FOUND: STATE_LIBRARY_NOT_FOUND,
    NVML_ERROR_DRIVER_NOT_LOADED: STATE_DRIVER_NOT_LOADED,
    NVML_ERROR_LIB_RM_VERSION_MISMATCH: STATE_MISMATCH,
    NVML_ERROR_NO_PERMISSION: STATE_NO_PERMISSION,
}

# Keys of one GPU, in the order the modules document them; a value NVML cannot give is None.
# ``usable`` is false when NVML gives no handle for the GPU (lost, no permission; ``error``
# says why); ``mig_devices`` lists the MIG instances of a GPU in MIG mode.
GPU_FIELDS = ("index", "name", "uuid", "pci_bus_id", "pci_device_id", "compute_capability",
              "memory_total_mib", "memory_used_mib", "temperature_c", "power_draw_w",
              "utilization_gpu_pct", "persistence_mode", "mig_mode", "mig_mode_pending",
              "ecc_errors_uncorrected", "usable", "error", "mig_devices", "fabric_state",
              "fabric_status")
# ``fabric_state`` is the NVSwitch fabric's state for the GPU (nvmlDeviceGetGpuFabricInfoV):
# ``not_supported`` (no fabric: PCIe GPUs, no NVSwitch), ``not_started``, ``in_progress`` or
# ``completed``, None where NVML cannot tell (an older driver without the call);
# ``fabric_status`` NVML's return code of the fabric's set-up, meaningful once ``completed``
# (0: success). States: nvml.h nvmlGpuFabricState_t (nvidia-ml-py 13.615.71 has the same
# constants, NVML_GPU_FABRIC_STATE_*); the fabric is ready at COMPLETED with NVML_SUCCESS.
FABRIC_STATE_NAMES = {0: "not_supported", 1: "not_started", 2: "in_progress", 3: "completed"}
# Keys of one MIG instance.
MIG_FIELDS = ("index", "uuid", "name", "memory_total_mib")

MIB = 1024 * 1024
NVML_LIBRARY = "libnvidia-ml.so.1"
REMEDY_RELOAD = ("reboot the host (ansible.builtin.reboot), or stop every process using the GPU "
                 "and reload the modules: rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia; "
                 "modprobe nvidia")


def binding_version():
    """Version of the installed nvidia-ml-py distribution; ``"pynvml <version>"`` when the
    ``pynvml`` module comes from the deprecated ``pynvml`` package alone; None without one."""
    if not HAS_PYNVML:
        return None
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:  # Python < 3.8
        return None
    for distribution, label in (("nvidia-ml-py", "%s"), ("pynvml", "pynvml %s")):
        try:
            return label % version(distribution)
        except PackageNotFoundError:
            continue
    return None


def _read_text(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError, UnicodeDecodeError):
        return None


def kernel_module_info(sysfs_root="/sys", proc_root="/proc"):
    """The loaded ``nvidia`` kernel module: ``{"version", "flavor"}``, None where unknown.

    ``version`` from ``<sysfs_root>/module/nvidia/version``, else the ``NVRM version`` line of
    ``<proc_root>/driver/nvidia/version``; ``flavor`` is ``open`` or ``proprietary`` from that
    line (it says ``Open Kernel Module`` for the open modules)."""
    version = (_read_text(os.path.join(sysfs_root, "module", "nvidia", "version")) or "").strip()
    nvrm = _read_text(os.path.join(proc_root, "driver", "nvidia", "version")) or ""
    flavor = None
    for line in nvrm.splitlines():
        if line.startswith("NVRM version:"):
            flavor = "open" if "Open Kernel Module" in line else "proprietary"
            match = re.search(r"Kernel Module(?: for \S+)?\s+(\d+(?:\.\d+)+)", line)
            if match and not version:
                version = match.group(1)
            break
    return {"version": version or None, "flavor": flavor}


def loaded_library_path(maps_path="/proc/self/maps"):
    """Path of the libnvidia-ml this process has loaded (from its memory map), or None."""
    for line in (_read_text(maps_path) or "").splitlines():
        fields = line.split(None, 5)
        if len(fields) == 6 and os.path.basename(fields[5]).startswith("libnvidia-ml.so"):
            return fields[5].strip()
    return None


def library_version(path):
    """``/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1`` -> the driver version in the name of
    the file the link resolves to (``libnvidia-ml.so.535.261.03``), or None."""
    if not path:
        return None
    match = re.search(r"libnvidia-ml\.so\.(\d+\.\d+(?:\.\d+)?)$", os.path.realpath(path))
    return match.group(1) if match else None


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def _describe(err):
    return "%s (NVML error %s)" % (str(err).rstrip("."), getattr(err, "value", "?"))


def _bus_id(value):
    """NVML's ``00000000:3B:00.0`` -> sysfs's ``0000:3b:00.0``; other text lower-cased."""
    text = (_text(value) or "").strip().lower()
    match = re.match(r"^([0-9a-f]+):([0-9a-f]{2}:[0-9a-f]{2}\.[0-7])$", text)
    if not match:
        return text or None
    return "%04x:%s" % (int(match.group(1), 16), match.group(2))


class _Reader(object):
    """Calls NVML, turning per-call failures into None and, unless unsupported, a warning."""

    def __init__(self):
        self.warnings = []

    def call(self, what, function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except pynvml.NVMLError as err:
            if getattr(err, "value", None) != NVML_ERROR_NOT_SUPPORTED:
                self.warnings.append("%s: %s" % (what, _describe(err)))
            return None

    def memory(self, what, handle):
        """(total, used) bytes: the v2 query (used excludes driver-reserved memory), else v1."""
        version = getattr(pynvml, "nvmlMemory_v2", None)
        if version is not None:
            try:
                info = pynvml.nvmlDeviceGetMemoryInfo(handle, version=version)
                return info.total, info.used
            except TypeError:
                pass  # an nvidia-ml-py without the version argument
            except pynvml.NVMLError as err:
                if getattr(err, "value", None) not in (NVML_ERROR_FUNCTION_NOT_FOUND,
                                                       NVML_ERROR_ARGUMENT_VERSION_MISMATCH,
                                                       NVML_ERROR_NOT_SUPPORTED):
                    self.warnings.append("%s: %s" % (what, _describe(err)))
                    return None, None
        info = self.call(what, pynvml.nvmlDeviceGetMemoryInfo, handle)
        return (info.total, info.used) if info is not None else (None, None)

    def mig_devices(self, label, handle):
        """The MIG instances of a GPU in MIG mode: every slot up to the maximum, empty slots
        (NVML_ERROR_NOT_FOUND) left out (NVML API reference, nvmlDeviceGetMigDeviceHandleByIndex)."""
        found = []
        count = self.call(label + " MIG device count", pynvml.nvmlDeviceGetMaxMigDeviceCount,
                          handle)
        for slot in range(count or 0):
            try:
                mig = pynvml.nvmlDeviceGetMigDeviceHandleByIndex(handle, slot)
            except pynvml.NVMLError as err:
                if getattr(err, "value", None) != NVML_ERROR_NOT_FOUND:
                    self.warnings.append("%s MIG device %d: %s" % (label, slot, _describe(err)))
                continue
            what = "%s MIG device %d" % (label, slot)
            entry = dict.fromkeys(MIG_FIELDS)
            entry["index"] = slot
            entry["uuid"] = _text(self.call(what + " uuid", pynvml.nvmlDeviceGetUUID, mig))
            entry["name"] = _text(self.call(what + " name", pynvml.nvmlDeviceGetName, mig))
            total = self.memory(what + " memory", mig)[0]
            entry["memory_total_mib"] = total // MIB if total is not None else None
            found.append(entry)
        return found

    def fabric(self, label, handle):
        """(state name, status code) of the GPU's NVSwitch fabric; (None, None) where NVML
        cannot tell. NVML API reference, nvmlDeviceGetGpuFabricInfoV: the v2 struct carries a
        version word; ``status`` is valid once ``state`` is COMPLETED."""
        structure = getattr(pynvml, "c_nvmlGpuFabricInfoV_t", None)
        function = getattr(pynvml, "nvmlDeviceGetGpuFabricInfoV", None)
        if structure is None or function is None:
            return None, None
        info = structure()
        try:
            function(handle, ctypes.byref(info))
        except pynvml.NVMLError as err:
            code = getattr(err, "value", None)
            if code == NVML_ERROR_NOT_SUPPORTED:
                return "not_supported", None
            if code != NVML_ERROR_FUNCTION_NOT_FOUND:
                self.warnings.append("%s fabric info: %s" % (label, _describe(err)))
            return None, None
        state = FABRIC_STATE_NAMES.get(info.state, "unknown_%d" % info.state)
        return state, (int(info.status) if state == "completed" else None)

    def device(self, index):
        gpu = dict.fromkeys(GPU_FIELDS)
        gpu["index"] = index
        gpu["mig_devices"] = []
        label = "GPU %d" % index
        try:
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
        except pynvml.NVMLError as err:  # a lost GPU, no permission: NVML counts it, no use
            gpu["usable"], gpu["error"] = False, _describe(err)
            self.warnings.append("%s: %s" % (label, gpu["error"]))
            return gpu
        gpu["usable"] = True
        gpu["name"] = _text(self.call(label + " name", pynvml.nvmlDeviceGetName, handle))
        gpu["uuid"] = _text(self.call(label + " uuid", pynvml.nvmlDeviceGetUUID, handle))
        pci = self.call(label + " PCI info", pynvml.nvmlDeviceGetPciInfo, handle)
        if pci is not None:
            gpu["pci_bus_id"] = _bus_id(pci.busId)
            gpu["pci_device_id"] = "0x%04x" % ((pci.pciDeviceId >> 16) & 0xFFFF)
        capability = self.call(label + " compute capability",
                               pynvml.nvmlDeviceGetCudaComputeCapability, handle)
        if capability is not None:
            gpu["compute_capability"] = "%d.%d" % tuple(capability)
        total, used = self.memory(label + " memory", handle)
        if total is not None:
            gpu["memory_total_mib"] = total // MIB
            gpu["memory_used_mib"] = used // MIB
        gpu["temperature_c"] = self.call(label + " temperature", pynvml.nvmlDeviceGetTemperature,
                                         handle, pynvml.NVML_TEMPERATURE_GPU)
        milliwatts = self.call(label + " power", pynvml.nvmlDeviceGetPowerUsage, handle)
        if milliwatts is not None:
            gpu["power_draw_w"] = round(milliwatts / 1000.0, 1)
        rates = self.call(label + " utilization", pynvml.nvmlDeviceGetUtilizationRates, handle)
        if rates is not None:
            gpu["utilization_gpu_pct"] = rates.gpu
        persistence = self.call(label + " persistence mode", pynvml.nvmlDeviceGetPersistenceMode,
                                handle)
        if persistence is not None:
            gpu["persistence_mode"] = persistence == pynvml.NVML_FEATURE_ENABLED
        mig = self.call(label + " MIG mode", pynvml.nvmlDeviceGetMigMode, handle)
        if mig is not None:
            gpu["mig_mode"] = mig[0] == pynvml.NVML_DEVICE_MIG_ENABLE
            gpu["mig_mode_pending"] = mig[1] == pynvml.NVML_DEVICE_MIG_ENABLE
        if gpu["mig_mode"]:
            gpu["mig_devices"] = self.mig_devices(label, handle)
        gpu["ecc_errors_uncorrected"] = self.call(
            label + " ECC errors", pynvml.nvmlDeviceGetTotalEccErrors, handle,
            pynvml.NVML_MEMORY_ERROR_TYPE_UNCORRECTED, pynvml.NVML_VOLATILE_ECC)
        gpu["fabric_state"], gpu["fabric_status"] = self.fabric(label, handle)
        return gpu


def _failure_message(state, err, report):
    described = _describe(err)
    if state == STATE_LIBRARY_NOT_FOUND:
        return ("%s could not be loaded (%s): the NVIDIA driver's user-space libraries are not "
                "installed, or not on the loader path. Install the NVIDIA driver (the "
                "gpulab.pytorch_stack nvidia_driver role); in a container, run it with the NVIDIA "
                "container runtime." % (NVML_LIBRARY, described))
    if state == STATE_DRIVER_NOT_LOADED:
        return ("The NVIDIA kernel module is not loaded (%s). Load it (modprobe nvidia) or reboot "
                "after installing the driver; check Secure Boot if the module is unsigned; in a "
                "container, start it with the GPUs passed in (--gpus / CDI)." % described)
    if state == STATE_MISMATCH:
        library = report["library_version"] or "in %s" % (report["library_path"] or NVML_LIBRARY)
        module = report["kernel_module_version"] or "unknown (not readable)"
        return ("Driver/library version mismatch (%s): the NVML library %s does not match the "
                "loaded nvidia kernel module, version %s. The driver was upgraded without "
                "reloading the kernel module: %s." % (described, library, module, REMEDY_RELOAD))
    if state == STATE_NO_PERMISSION:
        return ("NVML was refused access to the GPU devices (%s). Run the task with become: true, "
                "or give the user access to /dev/nvidiactl and /dev/nvidia* (usually the 'video' "
                "group)." % described)
    return "NVML failed: %s." % described


def _missing_binding_message():
    detail = (PYNVML_IMPORT_ERROR or "").strip().splitlines()
    return ("The Python binding for NVML is missing: 'import pynvml' failed for %s (%s). Install "
            "nvidia-ml-py for that interpreter (pip install nvidia-ml-py; not the deprecated "
            "'pynvml' package) or into %s (the nvidia_driver role does); it also needs the "
            "NVIDIA driver's %s."
            % (sys.executable, detail[-1] if detail else "ImportError", BINDING_DIR, NVML_LIBRARY))


def query(sysfs_root="/sys", proc_root="/proc"):
    """Read NVML once. Returns ``{"nvml": {...}, "gpus": [...], "warnings": [...]}``.

    ``nvml`` has ``state`` (one of :data:`STATES`), ``message``, ``error_code`` (NVML's code
    when a state other than ``ok`` came from NVML), ``driver_version``, ``cuda_driver_version``
    (``"12.4"``), ``nvml_version``, ``kernel_module_version``, ``kernel_module_flavor``,
    ``library_path``, ``library_version`` and ``python_binding`` (the nvidia-ml-py version).
    ``gpus`` has one dict per device with :data:`GPU_FIELDS`; ``warnings`` lists NVML calls that
    failed for a reason other than "not supported" (their fields are None).
    """
    module = kernel_module_info(sysfs_root, proc_root)
    nvml = {"state": STATE_OK, "message": None, "error_code": None, "driver_version": None,
            "cuda_driver_version": None, "nvml_version": None,
            "kernel_module_version": module["version"], "kernel_module_flavor": module["flavor"],
            "library_path": None, "library_version": None, "python_binding": binding_version()}
    result = {"nvml": nvml, "gpus": [], "warnings": []}
    if not HAS_PYNVML:
        nvml["state"] = STATE_LIBRARY_NOT_FOUND
        nvml["message"] = _missing_binding_message()
        return result
    try:
        pynvml.nvmlInit()
    except pynvml.NVMLError as err:
        code = getattr(err, "value", None)
        nvml["library_path"] = loaded_library_path()
        nvml["library_version"] = library_version(nvml["library_path"])
        nvml["state"] = INIT_ERROR_STATES.get(code, STATE_ERROR)
        nvml["error_code"] = code
        nvml["message"] = _failure_message(nvml["state"], err, nvml)
        return result
    try:
        _read_initialized(nvml, result)
    finally:
        try:
            pynvml.nvmlShutdown()
        except pynvml.NVMLError:
            pass
    return result


def _read_initialized(nvml, result):
    reader = _Reader()
    nvml["library_path"] = loaded_library_path()
    nvml["library_version"] = library_version(nvml["library_path"])
    nvml["driver_version"] = _text(reader.call("driver version",
                                               pynvml.nvmlSystemGetDriverVersion))
    nvml["nvml_version"] = _text(reader.call("NVML version", pynvml.nvmlSystemGetNVMLVersion))
    cuda = getattr(pynvml, "nvmlSystemGetCudaDriverVersion_v2",
                   pynvml.nvmlSystemGetCudaDriverVersion)
    nvml["cuda_driver_version"] = cuda_version_from_nvml(reader.call("CUDA driver version", cuda))
    try:
        count = pynvml.nvmlDeviceGetCount()
    except pynvml.NVMLError as err:
        nvml["state"] = STATE_ERROR
        nvml["error_code"] = getattr(err, "value", None)
        nvml["message"] = "NVML initialized but could not count the GPUs: %s." % _describe(err)
        result["warnings"] = reader.warnings
        return
    result["gpus"] = [reader.device(index) for index in range(count)]
    result["warnings"] = reader.warnings
    nvml["message"] = "NVML %s, driver %s (CUDA %s), %d GPU%s." % (
        nvml["nvml_version"], nvml["driver_version"], nvml["cuda_driver_version"], count,
        "" if count == 1 else "s")
