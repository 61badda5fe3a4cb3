# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Strict checks of the settings of a whole-stack run, decided before any layer changes anything.

Each check returns sentences that name the variable, what is wrong and the fix; an empty list
means the setting is good. ``check_settings`` applies them all to the effective settings (role
defaults with the inventory on top) of the chosen layers and sorts them into errors and warnings.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import math
import posixpath
import re

LAYERS = ("nvidia_driver", "cuda_toolkit", "cudnn", "conda_env", "pytorch2", "acceptance")
# Prefixes of the variables the collection reads: one per role, and gpulab_ for the playbooks.
PREFIXES = LAYERS + ("preflight", "gpulab")

# gpulab_* variables that the playbooks read (they have no role argument spec to be listed in).
GPULAB_VARIABLES = (
    "gpulab_hosts", "gpulab_layers", "gpulab_controller_cache", "gpulab_report_dir",
    "gpulab_strict_settings", "gpulab_upgrade_serial", "gpulab_upgrade_max_fail_percentage",
    "gpulab_upgrade_ledger_dir", "gpulab_upgrade_acceptance", "gpulab_network_retries",
    "gpulab_upgrade_busy", "gpulab_upgrade_busy_timeout", "gpulab_upgrade_drain",
    "gpulab_upgrade_drain_timeout", "gpulab_upgrade_inactive", "gpulab_upgrade_poll_interval",
    "gpulab_upgrade_slurm_node",
    # The lab wheel mirror: where hosts fetch wheels (site.yml), and the web server that
    # playbooks/wheel_mirror.yml sets up and fills.
    "gpulab_wheel_mirror_url", "gpulab_wheel_mirror_hosts", "gpulab_wheel_mirror_root",
    "gpulab_wheel_mirror_port", "gpulab_wheel_mirror_sets",
    # Read by the test scenarios (molecule/): the NVML test double's profile, a package mirror.
    "gpulab_nvml_profile", "gpulab_mirror_dir",
)

# Path settings that name a file or folder on the controller (Ansible expands a leading ~ there),
# in addition to the options of type path in the argument specs (those name host paths unless
# listed here).
CONTROLLER_PATHS = frozenset((
    "gpulab_controller_cache", "gpulab_report_dir", "gpulab_upgrade_ledger_dir",
    "acceptance_controller_cache", "acceptance_cifar10_controller_path", "acceptance_report_dir",
    "conda_env_controller_cache", "cudnn_tarball_src", "pytorch2_wheelhouse_cache",
    "pytorch2_wheelhouse_src",
))
# Path settings whose empty value means "not used" (their defaults are "").
OPTIONAL_PATHS = frozenset((
    "acceptance_cifar10_controller_path", "acceptance_cifar10_path", "cudnn_tarball_src",
    "pytorch2_wheelhouse_src",
))
# Settings that hold an http(s) URL, or "" for none.
URL_SETTINGS = ("gpulab_wheel_mirror_url",)
_URL = re.compile(r"^https?://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)"
                  r"(:(?P<port>[0-9]{1,5}))?(?P<path>/[^\s?#]*)?$")
# Settings that hold a path although their argument spec says str.
STR_PATHS = frozenset(("conda_env_controller_cache", "pytorch2_wheelhouse_cache",
                       "pytorch2_wheelhouse_src"))

# Versions that name one release exactly: major.minor.patch (PyTorch's wheels are published per
# full version, https://download.pytorch.org/whl/torch/); True: "" leaves that package out
# (torchvision and torchaudio are optional: torch 2.15.0 has neither yet).
FULL_VERSIONS = {
    "pytorch2_torch_version": (3, False),
    "pytorch2_torchvision_version": (3, True),
    "pytorch2_torchaudio_version": (3, True),
}

# CUDA_VISIBLE_DEVICES takes a comma-separated sequence of integer indices, GPU UUIDs as
# nvidia-smi -L prints them (GPU-8932f937-d72c-4106-c12f-20bd9faed9f6, or enough of its leading
# characters to be unique) and MIG ids (MIG-<uuid>, or MIG-GPU-<uuid>/<gi>/<ci> before R470);
# an empty string hides every GPU (CUDA Programming Guide, 5.2.1.1 CUDA_VISIBLE_DEVICES,
# https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/environment-variables.html).
_INDEX = re.compile(r"^[0-9]+$")
_GPU_UUID = re.compile(r"^GPU-[0-9a-fA-F]{1,8}(-[0-9a-fA-F]{1,4}){0,3}(-[0-9a-fA-F]{1,12})?$")
_MIG = re.compile(r"^MIG-(GPU-[0-9a-fA-F-]{36}/[0-9]+/[0-9]+|[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})$")
DEVICE_SETTINGS = ("pytorch2_visible_devices",)

# torch.compile's modes (torch.compile's docstring, torch 2.0 to 2.15:
# https://docs.pytorch.org/docs/stable/generated/torch.compile.html).
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")

# acceptance_device: a torch device string the trainer accepts.
_TORCH_DEVICE = re.compile(r"^(cpu|cuda(:[0-9]+)?)$")


class DeviceListError(ValueError):
    """A device list that CUDA would misread."""


def closest(name, known):
    """The known name nearest to ``name`` (difflib ratio >= 0.8: the names share long prefixes), or None."""
    matches = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.8)
    return matches[0] if matches else None


def parse_devices(value):
    """The entries of a CUDA_VISIBLE_DEVICES value (a comma-separated string or a list), in order.

    Raises DeviceListError for an empty entry, an entry that is no index, GPU UUID or MIG id,
    a negative index (CUDA stops enumerating there) or an entry given twice.
    """
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        entries = [str(entry).strip() for entry in value]
    else:
        text = str(value).strip()
        if not text:
            return []
        entries = [entry.strip() for entry in text.split(",")]
    seen = set()
    for position, entry in enumerate(entries, 1):
        if not entry:
            raise DeviceListError("entry %d is empty" % position)
        if not (_INDEX.match(entry) or _GPU_UUID.match(entry) or _MIG.match(entry)):
            raise DeviceListError(
                "entry %d (%r) is not a GPU index (0, 1, ...), a GPU UUID (GPU-8932f937-...) or a "
                "MIG id (MIG-<uuid>)" % (position, entry))
        key = str(int(entry)) if _INDEX.match(entry) else entry.lower()
        if key in seen:
            raise DeviceListError("entry %d (%r) is given twice" % (position, entry))
        seen.add(key)
    return entries


def path_problems(name, value, controller=False, optional=False):
    """Why ``value`` is no absolute, normalised path for ``name`` (empty list: it is one)."""
    if value is None or value == "":
        return [] if optional else ["%s is empty: set it to an absolute path" % name]
    if not isinstance(value, str):
        return ["%s must be a path (a string), got %r" % (name, value)]
    path = value
    if controller and (path == "~" or path.startswith("~/")):
        path = "/" + path[1:].lstrip("/")
    if not path.startswith("/"):
        return ["%s %r is a relative path: give an absolute one (it is used as it is, not below "
                "the current directory), e.g. %r" % (name, value, "/" + value.lstrip("./"))]
    parts = path.split("/")
    if ".." in parts or "." in parts:
        return ["%s %r contains '.' or '..': give the normalised path %r" % (
            name, value, posixpath.normpath(path))]
    if path != "/" and posixpath.normpath(path) != path.rstrip("/"):
        return ["%s %r is not normalised: give %r" % (name, value, posixpath.normpath(path))]
    if path.rstrip("/") == "":
        return ["%s is the root directory /: give a directory below it" % name]
    return []


def url_problems(name, value):
    """Why ``value`` is no http(s) URL of a directory for ``name`` ("" means none: no problem)."""
    if value is None or value == "":
        return []
    if not isinstance(value, str):
        return ["%s must be a URL (a string), got %r" % (name, value)]
    match = _URL.match(value)
    if not match:
        return ["%s %r is not an http:// or https:// URL of a directory (no spaces, user, query "
                "or fragment), e.g. 'http://wheels.lab.example:8081'" % (name, value)]
    if match.group("port") and not 0 < int(match.group("port")) < 65536:
        return ["%s %r names port %s, which does not exist (1-65535)"
                % (name, value, match.group("port"))]
    return []


def version_problems(name, value, parts=3, optional=False):
    """Why ``value`` is not a full major.minor.patch version (with ``parts`` numbers)."""
    text = "" if value is None else str(value)
    if text == "" and optional:
        return []
    if re.match(r"^[0-9]+(\.[0-9]+){%d}$" % (parts - 1), text):
        return []
    return ["%s %r is not a full version: give all %d numbers, e.g. %r (quote it in YAML)" % (
        name, text, parts, ".".join(["2", "14", "1"][:parts]) if parts == 3 else "x.y")]


def device_problems(name, value):
    """Why ``value`` is no CUDA_VISIBLE_DEVICES list for ``name``."""
    try:
        parse_devices(value)
    except DeviceListError as err:
        return ["%s %r: %s. Give a comma-separated list of distinct GPU indices, GPU UUIDs or MIG "
                "ids (\"0,1\"), or \"\" for every GPU" % (name, value, err)]
    return []


def acceptance_problems(settings):
    """Why the acceptance run's settings cannot give a meaningful result."""
    problems = []

    def number(key):
        value = settings.get(key)
        if isinstance(value, bool):
            return None
        try:
            return float(value)
        except (TypeError, ValueError):
            return None

    if "acceptance_min_accuracy" in settings:
        accuracy = number("acceptance_min_accuracy")
        if accuracy is None or not 0.0 <= accuracy <= 1.0:
            problems.append("acceptance_min_accuracy %r must be a fraction from 0 to 1 (0.35 is 35 %% "
                            "test accuracy)" % (settings.get("acceptance_min_accuracy"),))
    for key, low, what in (("acceptance_batch_size", 1, "a positive number of images"),
                           ("acceptance_timeout_s", 1, "a positive number of seconds"),
                           ("acceptance_max_epoch_seconds", 0, "0 (no limit) or a positive number of seconds")):
        if key in settings:
            value = number(key)
            if value is None or value < low or (key == "acceptance_batch_size" and value != int(value)):
                problems.append("%s %r must be %s" % (key, settings.get(key), what))
    if settings.get("acceptance_min_busbw_gbps") is not None:
        busbw = number("acceptance_min_busbw_gbps")
        if busbw is None or math.isnan(busbw) or busbw <= 0 or math.isinf(busbw):
            problems.append("acceptance_min_busbw_gbps %r must be a positive number of GB/s (e.g. 100), "
                            "or null for no minimum" % (settings.get("acceptance_min_busbw_gbps"),))
    if "acceptance_compile_mode" in settings and settings.get("acceptance_compile_mode") not in COMPILE_MODES:
        problems.append("acceptance_compile_mode %r is not a torch.compile mode: choose one of %s"
                        % (settings.get("acceptance_compile_mode"), ", ".join(COMPILE_MODES)))
    if "acceptance_device" in settings:
        device = settings.get("acceptance_device")
        if not isinstance(device, str) or not _TORCH_DEVICE.match(device):
            problems.append("acceptance_device %r must be cuda, cuda:<index> or cpu" % (device,))
    return problems


def layer_problems(layers, known=LAYERS):
    """Why ``layers`` (gpulab_layers) does not name a set of layers of this stack."""
    if not isinstance(layers, (list, tuple)):
        return ["gpulab_layers %r must be a list of layers out of %s ([] runs the read-only "
                "preflight only)" % (layers, ", ".join(known))]
    problems = []
    for layer in layers:
        if layer not in known:
            near = closest(str(layer), known)
            problems.append("gpulab_layers names %r, which is no layer%s; the layers are %s" % (
                layer, " (did you mean %r?)" % near if near else "", ", ".join(known)))
    repeated = sorted(set(layer for layer in layers if list(layers).count(layer) > 1))
    if repeated:
        problems.append("gpulab_layers names %s more than once" % ", ".join(map(str, repeated)))
    return problems


def unknown_names(names, known, prefixes=PREFIXES):
    """[(name, closest known name or None)] for the names with one of ``prefixes`` (followed by
    '_') that the collection does not read."""
    known = set(known)
    unknown = []
    for name in sorted(set(names)):
        if name in known:
            continue
        if any(name.startswith(prefix + "_") for prefix in prefixes):
            unknown.append((name, closest(name, known)))
    return unknown


def known_names(specs):
    """Every variable the collection reads: the options of every entry point of every role's
    argument spec (``specs`` is {role: argument_specs dict}), each role's <role>_result, and
    GPULAB_VARIABLES."""
    known = set(GPULAB_VARIABLES)
    for role, entry_points in (specs or {}).items():
        known.add("%s_result" % role)
        for entry in (entry_points or {}).values():
            known.update(((entry or {}).get("options") or {}).keys())
    return known


def path_options(specs):
    """Names of the options of type path in ``specs`` plus STR_PATHS."""
    names = set(STR_PATHS)
    for entry_points in (specs or {}).values():
        for entry in (entry_points or {}).values():
            for option, spec in ((entry or {}).get("options") or {}).items():
                if (spec or {}).get("type") == "path":
                    names.add(option)
    return names


def check_settings(settings, specs, layers, names=(), strict=False):
    """(errors, warnings) for a run of ``layers``.

    ``settings`` holds the effective values of the variables to check ({name: value}; a name
    that is absent is not checked), ``specs`` the roles' argument specs ({role: {entry point:
    spec}}), ``names`` every variable name set for the host (checked for misspellings).
    Unknown names are warnings, errors when ``strict``.
    """
    errors = []
    layer_errors = layer_problems(layers)
    errors.extend(layer_errors)
    chosen = set(layers) if not layer_errors else set(layer for layer in layers or () if layer in LAYERS)
    scope = tuple(chosen) + ("preflight", "gpulab")

    def in_scope(name):
        return any(name.startswith(prefix + "_") for prefix in scope)

    paths = path_options(specs) | set(name for name in CONTROLLER_PATHS if name.startswith("gpulab_"))
    for name in sorted(paths):
        if name in settings and in_scope(name):
            errors.extend(path_problems(name, settings[name], controller=name in CONTROLLER_PATHS,
                                        optional=name in OPTIONAL_PATHS))
    for name, (parts, optional) in sorted(FULL_VERSIONS.items()):
        if name in settings and in_scope(name):
            errors.extend(version_problems(name, settings[name], parts, optional))
    for name in DEVICE_SETTINGS:
        if name in settings and in_scope(name):
            errors.extend(device_problems(name, settings[name]))
    for name in URL_SETTINGS:
        if name in settings:
            errors.extend(url_problems(name, settings[name]))
    if "acceptance" in chosen:
        errors.extend(acceptance_problems(settings))

    unknown = []
    for name, near in unknown_names(names, known_names(specs)):
        unknown.append("%s is not a setting of gpulab.pytorch_stack and is ignored%s" % (
            name, " (did you mean %s?)" % near if near else ""))
    if strict:
        errors.extend("%s; gpulab_strict_settings is true" % text for text in unknown)
        return errors, []
    return errors, unknown
