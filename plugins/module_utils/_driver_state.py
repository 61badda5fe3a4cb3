# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Is the NVIDIA driver that is installed the one that runs? And what would make it so?

The installed driver is a package version; the running one is the loaded ``nvidia`` kernel
module (``/sys/module/nvidia/version``) and what NVML reports. After an upgrade without a reboot
they differ and NVML fails with "Driver/library version mismatch". :func:`decide` compares them
and answers with one state:

``ok``               the loaded module is the installed version (and NVML agrees)
``reload_possible``  it is not, and no process holds a GPU device: unloading and loading the
                     modules (or a reboot) brings the installed version up
``reboot_required``  it is not, and a reload cannot do it (processes hold the GPUs, or nouveau
                     has the GPU and is only kept away at boot by the blacklist)
``not_installed``    the driver package is not installed
``no_gpu``           a host (not a container) without NVIDIA GPUs on the PCI bus: nothing to load
``userspace_only``   a container whose host kernel has no nvidia module: only the libraries
                     matter here (a container cannot load kernel modules or reboot)

In a container whose host kernel *does* have the module loaded, the same comparison applies to
the host's module; the state then says what the container's host needs.

Nothing here changes anything. The functions take what the module read (or tests give).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os
import re

STATE_OK = "ok"
STATE_RELOAD = "reload_possible"
STATE_REBOOT = "reboot_required"
STATE_NOT_INSTALLED = "not_installed"
STATE_NO_GPU = "no_gpu"
STATE_USERSPACE_ONLY = "userspace_only"
STATES = (STATE_OK, STATE_RELOAD, STATE_REBOOT, STATE_NOT_INSTALLED, STATE_NO_GPU,
          STATE_USERSPACE_ONLY)

# Processes that hold /dev/nvidia* but belong to the driver stack, with the systemd service
# that runs each: the role stops them before a reload, so they do not make the GPU "busy".
# nv-fabricmanager is NVIDIA Fabric Manager (nvidia-fabricmanager.service, FM user guide),
# nv-hostengine is DCGM's host engine (nvidia-dcgm.service, DCGM user guide).
DRIVER_DAEMONS = {
    "nvidia-persistenced": "nvidia-persistenced",
    "nv-fabricmanager": "nvidia-fabricmanager",
    "nv-hostengine": "nvidia-dcgm",
}
# Linux keeps at most TASK_COMM_LEN - 1 = 15 characters of a name in /proc/<pid>/comm
# (proc(5)): nvidia-persistenced reads "nvidia-persiste" there. Names come from the executable.
COMM_LENGTH = 15
# Kernel modules the reload unloads (tasks/reload.yml), dependents first.
RELOAD_MODULES = ("nvidia_uvm", "nvidia_drm", "nvidia_modeset", "nvidia")

# Linux driver versions are "535.261.03" or "570.26" (three-digit branch first).
_DRIVER_VERSION = re.compile(r"^[1-9][0-9]{2}\.[0-9]+(?:\.[0-9]+)?$")
# The upstream part of a package version: optional epoch, upstream, optional -revision.
_PACKAGE_VERSION = re.compile(r"^(?:[0-9]+:)?([1-9][0-9]{2}\.[0-9]+(?:\.[0-9]+)?)(?:[-~+].*)?$")
# DKMS source trees: /usr/src/nvidia-550.54.15, nvidia-current-535.261.03 (Debian),
# nvidia-open-560.35.03, nvidia-srv-550.127.05 (Ubuntu -server).
_DKMS_SOURCE = re.compile(r"^nvidia(?:-[a-z]+)*-([1-9][0-9]{2}\.[0-9]+(?:\.[0-9]+)?)$")


class DriverStateError(ValueError):
    """Raised for input that cannot describe a driver (a message says what to change)."""


def is_driver_version(value):
    """Is ``value`` an upstream driver version like ``535.261.03`` or ``570.26``?"""
    return bool(_DRIVER_VERSION.match(str(value or "")))


def upstream_version(package_version):
    """Driver version inside a package version, or None.

    ``535.261.03-1`` and ``535.216.03-2~bpo12+1`` (Debian), ``550.127.05-0ubuntu0.24.04.1``
    (Ubuntu), ``3:550.54.15-1.el9`` (RPM with epoch) -> the upstream ``major.minor[.patch]``."""
    match = _PACKAGE_VERSION.match(str(package_version or "").strip())
    return match.group(1) if match else None


def branch_of(version):
    """``535.261.03`` -> ``535``; raises DriverStateError for text that is not a version."""
    upstream = upstream_version(version)
    if upstream is None:
        raise DriverStateError("%r is not an NVIDIA driver version like '535.261.03'" % (version,))
    return upstream.split(".")[0]


def _key(version):
    return tuple(int(part) for part in version.split("."))


def parse_apt_madison(output):
    """``apt-cache madison <pkg>`` -> package versions, in the order apt lists them."""
    versions = []
    for line in (output or "").splitlines():
        fields = [field.strip() for field in line.split("|")]
        if len(fields) >= 3 and fields[1] and fields[1] not in versions:
            versions.append(fields[1])
    return versions


def parse_dnf_versions(output):
    """``dnf repoquery --qf '%{epoch}:%{version}-%{release}' <pkg>`` -> versions (epoch 0 left
    out, as rpm and versionlock write them)."""
    versions = []
    for line in (output or "").splitlines():
        text = line.strip()
        if not re.match(r"^[0-9]+:[0-9]", text):
            continue
        if text.startswith("0:"):
            text = text[2:]
        if text not in versions:
            versions.append(text)
    return versions


def select_version(available, branch=None, version=None, source="the package source"):
    """Pick the package version to install from ``available`` (package versions).

    ``version`` (upstream ``535.261.03`` or a full package version) wins over ``branch``
    (``535``): the newest package of that upstream version, or of that branch, is chosen.
    Raises DriverStateError, listing what is available, when nothing matches."""
    if version:
        if not (is_driver_version(version) or upstream_version(version)):
            raise DriverStateError(
                "nvidia_driver_version %r is not a driver version like '535.261.03' (or a package "
                "version like '535.261.03-1')" % (version,))
        if version in available:
            return version
        wanted = upstream_version(version)
        if is_driver_version(version):
            candidates = [v for v in available if upstream_version(v) == wanted]
        else:
            candidates = []
        what = "version %s" % version
    elif branch:
        if not re.match(r"^[1-9][0-9]{2}$", str(branch)):
            raise DriverStateError("nvidia_driver_branch %r is not a driver branch like '550'"
                                   % (branch,))
        candidates = [v for v in available if upstream_version(v)
                      and upstream_version(v).split(".")[0] == str(branch)]
        what = "branch %s" % branch
    else:
        candidates = [v for v in available if upstream_version(v)]
        what = "any version"
    if not candidates:
        offered = sorted({upstream_version(v) for v in available if upstream_version(v)}, key=_key)
        raise DriverStateError(
            "%s does not provide the NVIDIA driver %s; it offers %s. Choose one of those "
            "(nvidia_driver_version / nvidia_driver_branch), or another nvidia_driver_source."
            % (source, what, ", ".join(offered) if offered else "no driver at all"))
    # Newest upstream first; among the same upstream keep the package manager's order (apt and
    # dnf list the preferred build first).
    return sorted(candidates, key=lambda v: _key(upstream_version(v)), reverse=True)[0]


def dkms_source_versions(usr_src="/usr/src"):
    """Driver versions whose DKMS source trees are installed (``/usr/src/nvidia-*-<version>``),
    newest first. In a container this is what a host would build its module from."""
    try:
        names = os.listdir(usr_src)
    except OSError:
        return []
    versions = set()
    for name in names:
        match = _DKMS_SOURCE.match(name)
        if match:
            versions.add(match.group(1))
    return sorted(versions, key=_key, reverse=True)


def _process_name(proc_dir):
    """The program's name: the executable's file name (``/proc/<pid>/exe``), else the first
    word of the command line, else ``comm`` (cut to 15 characters by the kernel); None."""
    try:
        exe = os.readlink(os.path.join(proc_dir, "exe"))
        if exe.endswith(" (deleted)"):  # the binary was replaced by an upgrade
            exe = exe[:-len(" (deleted)")]
        if exe:
            return os.path.basename(exe)
    except OSError:
        pass
    try:
        with open(os.path.join(proc_dir, "cmdline"), "rb") as handle:
            argv0 = handle.read().split(b"\0")[0].decode("utf-8", "replace")
        if argv0:
            return os.path.basename(argv0.split()[0])
    except (IOError, OSError, IndexError):
        pass
    try:
        with open(os.path.join(proc_dir, "comm")) as handle:
            return handle.read().strip() or None
    except (IOError, OSError):
        return None


def daemon_service(name):
    """The service of a driver daemon named ``name`` (a full name, or ``comm``'s 15-character
    cut of one), else None."""
    if not name:
        return None
    for daemon, service in DRIVER_DAEMONS.items():
        if name == daemon or (len(name) == COMM_LENGTH and daemon.startswith(name)):
            return service
    return None


def gpu_processes(proc_root="/proc"):
    """Processes with a ``/dev/nvidia*`` device open:
    ``[{"pid", "name", "daemon", "service", "unreadable"}]``.

    ``daemon`` is true for the driver's own daemons (:data:`DRIVER_DAEMONS`, recognised by
    their executable, not by the truncated ``comm``), which do not count as users of the GPU;
    ``service`` is the systemd service to stop for a reload. A process whose open files cannot
    be read (permission denied) is listed with ``unreadable`` true: it may hold the GPU, so it
    counts as a user. Processes that exit during the walk are skipped."""
    found = []
    try:
        pids = sorted((int(name) for name in os.listdir(proc_root) if name.isdigit()))
    except OSError:
        return found
    for pid in pids:
        proc_dir = os.path.join(proc_root, str(pid))
        fd_dir = os.path.join(proc_dir, "fd")
        unreadable = False
        uses_gpu = False
        try:
            fds = os.listdir(fd_dir)
        except OSError as err:
            if err.errno not in (errno.EACCES, errno.EPERM):
                continue  # gone, or a kernel thread without files
            unreadable, fds = True, []
        for fd in fds:
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError as err:
                if err.errno in (errno.EACCES, errno.EPERM):
                    unreadable = True
                continue
            if target.startswith("/dev/nvidia"):
                uses_gpu = True
                break
        if not (uses_gpu or unreadable):
            continue
        name = _process_name(proc_dir)
        service = daemon_service(name)
        found.append({"pid": pid, "name": name, "daemon": uses_gpu and service is not None,
                      "service": service if uses_gpu else None,
                      "unreadable": unreadable and not uses_gpu})
    return found


def _read_int(path):
    try:
        with open(path) as handle:
            return int(handle.read().strip())
    except (IOError, OSError, ValueError):
        return None


def module_blockers(sysfs_root="/sys"):
    """Why ``rmmod`` of the nvidia modules (:data:`RELOAD_MODULES`) would fail, as sentences.

    From ``<sysfs_root>/module/<m>/holders`` (modules that depend on ``<m>``) and ``refcnt``
    (holders plus open users): a module outside the reload set that holds one of them
    (nvidia_peermem, nvidia_fs, gdrdrv, ...) must go first; nvidia_drm with more references
    than holders is in use by the framebuffer console or a display server through /dev/dri,
    which :func:`gpu_processes` does not see. (The other modules' users open /dev/nvidia*
    and are counted there, daemons included, so their refcnt is not judged here.) Empty when
    none is loaded or nothing holds them."""
    blockers = []
    for module in RELOAD_MODULES:
        base = os.path.join(sysfs_root, "module", module)
        if not os.path.isdir(base):
            continue
        try:
            holders = sorted(os.listdir(os.path.join(base, "holders")))
        except OSError:
            holders = []
        outside = [holder for holder in holders if holder not in RELOAD_MODULES]
        if outside:
            blockers.append("module %s is used by %s, which the reload does not unload (rmmod "
                            "it first)" % (module, ", ".join(outside)))
        refcnt = _read_int(os.path.join(base, "refcnt"))
        if module == "nvidia_drm" and refcnt is not None and refcnt > len(holders):
            blockers.append("module nvidia_drm has %d user(s) besides the modules that depend "
                            "on it (a framebuffer console or display server)"
                            % (refcnt - len(holders)))
    return blockers


def decide(installed, loaded, nvml_state=None, nvml_driver_version=None, container=False,
           gpu_count=None, processes=(), nouveau_loaded=False, loaded_flavor=None,
           wanted_flavor=None, blockers=()):
    """Compare the installed driver with the running one; see the module docstring for states.

    ``installed`` and ``loaded`` are versions (package versions are reduced to the upstream
    version); ``nvml_state``/``nvml_driver_version`` come from NVML when it was asked (None
    otherwise); ``gpu_count`` is the number of NVIDIA GPUs on the PCI bus (None: unknown);
    ``processes`` as from :func:`gpu_processes`; ``loaded_flavor``/``wanted_flavor`` are
    ``open`` or ``proprietary`` (None: unknown / any); ``blockers`` as from
    :func:`module_blockers` (any makes a reload impossible).

    Returns ``{"state", "reason", "installed_version", "loaded_version", "busy_pids"}``."""
    installed_version = upstream_version(installed) if installed else None
    loaded_version = upstream_version(loaded) if loaded else None
    busy = [p["pid"] for p in processes if not p.get("daemon")]
    result = {"installed_version": installed_version, "loaded_version": loaded_version,
              "busy_pids": busy}

    def answer(state, reason):
        result.update(state=state, reason=reason)
        return result

    if installed and not installed_version:
        raise DriverStateError("installed package version %r does not contain a driver version"
                               % (installed,))
    if not installed_version:
        return answer(STATE_NOT_INSTALLED, "the NVIDIA driver package is not installed")
    where = "the container host's" if container else "the loaded"
    if loaded_version is None:
        if container:
            return answer(STATE_USERSPACE_ONLY,
                          "container: the host kernel has no nvidia module loaded; only the "
                          "driver's user-space %s is installed here, and the host must load the "
                          "%s kernel module for it to work" % (installed_version,
                                                               installed_version))
        if gpu_count == 0:
            return answer(STATE_NO_GPU, "no NVIDIA GPU on the PCI bus: there is no module to load")
        if nouveau_loaded:
            return answer(STATE_REBOOT, "nouveau is loaded and holds the GPU; the nvidia module "
                          "%s can load only after a reboot (nouveau is blacklisted at boot)"
                          % installed_version)
        return answer(STATE_RELOAD, "the nvidia kernel module is not loaded; loading it brings "
                      "up the installed %s" % installed_version)
    differences = []
    if loaded_version != installed_version:
        differences.append("%s nvidia module is %s but %s is installed"
                           % (where, loaded_version, installed_version))
    if wanted_flavor and loaded_flavor and wanted_flavor != loaded_flavor:
        differences.append("%s nvidia module is the %s flavour but %s was chosen"
                           % (where, loaded_flavor, wanted_flavor))
    if nvml_state == "driver_library_mismatch":
        differences.append("NVML reports a driver/library version mismatch")
    elif nvml_state == "ok" and nvml_driver_version and \
            upstream_version(nvml_driver_version) != installed_version:
        differences.append("NVML reports driver %s but %s is installed"
                           % (nvml_driver_version, installed_version))
    if not differences:
        return answer(STATE_OK, "%s nvidia module is the installed %s" % (where, installed_version))
    reason = "; ".join(differences)
    unreadable = [p["pid"] for p in processes if p.get("unreadable")]
    if busy:
        return answer(STATE_REBOOT, "%s; processes %s %s, so the modules cannot be "
                      "reloaded" % (reason, ", ".join(str(pid) for pid in busy),
                                    "use the GPU or have open files that could not be read"
                                    if unreadable else "use the GPU"))
    if blockers:
        return answer(STATE_REBOOT, "%s; %s, so the modules cannot be reloaded"
                      % (reason, "; ".join(blockers)))
    return answer(STATE_RELOAD, "%s; no process uses the GPU, so reloading the modules (or a "
                  "reboot) brings up %s" % (reason, installed_version))


# ---- which driver branches a GPU can use --------------------------------------------------

def device_branch_limits(device_id):
    """Driver branches an NVIDIA PCI device can run, from the collection's compatibility data.

    ``{"device_id", "name", "architecture", "compute_capability", "min_branch", "min_driver",
    "last_branch"}``: ``min_driver`` is the minimum driver of the first CUDA release that
    supports the device's compute capability (Blackwell: CUDA 12.8 -> 570.26), None when the
    first such release is the oldest the data knows (no useful lower bound) or the device is
    unknown; ``last_branch`` is the last branch that supports the architecture (None: still
    supported)."""
    from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat

    info = _compat.pci_device_info(device_id)
    limits = {"device_id": _compat.pci_device_id(device_id), "name": info["name"],
              "architecture": info["architecture"],
              "compute_capability": info["compute_capability"], "min_branch": None,
              "min_driver": None, "last_branch": None}
    architecture = _compat.data.ARCHITECTURES.get(info["architecture"] or "")
    if architecture:
        limits["last_branch"] = architecture["last_branch"]
    capability = info["compute_capability"]
    if capability:
        known = sorted(_compat.data.CUDA_MIN_DRIVER, key=_compat.parse_version)
        supporting = [cuda for cuda in known if _compat.cuda_supports_arch(cuda, capability)]
        if supporting and supporting[0] != known[0]:
            limits["min_driver"] = _compat.cuda_min_driver(supporting[0])
            limits["min_branch"] = limits["min_driver"].split(".")[0]
    return limits


def branch_problems(branch, device_ids):
    """Sentences naming each GPU that cannot run driver ``branch`` (empty list: all can)."""
    problems = []
    for device_id in device_ids:
        limits = device_branch_limits(device_id)
        label = "%s (%s%s)" % (limits["device_id"], limits["name"] or "NVIDIA GPU",
                               ", " + limits["architecture"] if limits["architecture"] else "")
        if limits["min_branch"] and int(branch) < int(limits["min_branch"]):
            problems.append("%s needs driver %s or newer (branch %s+), not branch %s"
                            % (label, limits["min_driver"], limits["min_branch"], branch))
        if limits["last_branch"] and int(branch) > int(limits["last_branch"]):
            problems.append("%s is supported up to branch %s only, not branch %s"
                            % (label, limits["last_branch"], branch))
    return problems
