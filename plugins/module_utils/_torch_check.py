# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Judge what the pytorch2 role's verify script saw inside the environment.

The script (roles/pytorch2/files/gpulab_verify_torch.py) only reports facts as JSON: versions,
``torch.cuda.is_available()``, devices and their compute capabilities, ``get_arch_list()``,
cuDNN. Every decision (is each GPU covered by the build's kernels or PTX, is the host usable, what
to change) is made here, with the GPU facts of the host (``ansible_facts.gpu``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat

_ARCH = re.compile(r"^(sm|compute)_(\d+?)(\d)([af]?)$")


class TorchCheckError(ValueError):
    """A report that cannot be judged (not what the verify script writes)."""


def _cc(value):
    major, minor = _compat.compute_capability(value).split(".")
    return int(major), int(minor)


def parse_arch(entry):
    """``"sm_90"`` -> ``("sm", (9, 0), "")``; ``"compute_120"`` -> ``("compute", (12, 0), "")``;
    ``"sm_90a"`` -> ``("sm", (9, 0), "a")``."""
    match = _ARCH.match(str(entry).strip().lower())
    if not match:
        raise TorchCheckError("%r is not an architecture like 'sm_90' or 'compute_90'" % (entry,))
    return match.group(1), (int(match.group(2)), int(match.group(3))), match.group(4)


def arch_coverage(capability, arch_list):
    """How a GPU of ``capability`` runs a build with ``arch_list`` (``get_arch_list()``):
    ``"sass"`` (a cubin for the same major and a minor not above the GPU's; ``a`` variants only
    for the exact capability), ``"ptx"`` (PTX the driver can JIT-compile for it) or None (no
    kernels for this GPU).

    Only plain ``compute_XX`` PTX is forward compatible (any later GPU). Architecture-specific
    ``compute_90a`` PTX runs on exactly that capability, family-specific ``compute_100f`` on
    the same major with an equal or higher minor (10.0 and 10.3), never on a later major
    (CUDA C++ Programming Guide, "Feature Availability"; NVIDIA's blog "NVIDIA Blackwell and
    NVIDIA CUDA 12.9 Introduce Family-Specific Architecture Features")."""
    gpu = _cc(capability)
    ptx = False
    for entry in arch_list or []:
        kind, built, suffix = parse_arch(entry)
        same_family = built[0] == gpu[0] and built[1] <= gpu[1]
        if kind == "sm":
            if suffix == "a" and built == gpu:
                return "sass"
            if not suffix == "a" and same_family:
                return "sass"
        elif (suffix == "a" and built == gpu) or (suffix == "f" and same_family) or \
                (not suffix and built <= gpu):
            ptx = True
    return "ptx" if ptx else None


def cudnn_text(value):
    """``torch.backends.cudnn.version()`` (``92400``, ``8907``) -> ``"9.24.0"``, ``"8.9.7"``."""
    if value in (None, ""):
        return None
    number = int(value)
    if number >= 90000:
        return "%d.%d.%d" % (number // 10000, (number % 10000) // 100, number % 100)
    return "%d.%d.%d" % (number // 1000, (number % 1000) // 100, number % 100)


def variant_cuda(variant):
    """``"cu130"`` -> ``"13.0"``; None for ``cpu``/``pypi``/unknown names."""
    match = re.match(r"^cu(\d+)(\d)$", str(variant or ""))
    return "%d.%s" % (int(match.group(1)), match.group(2)) if match else None


def variants_for(torch_version, capability):
    """Published CUDA variants of this torch release whose wheels run on ``capability``;
    [] where the compatibility data has no record."""
    try:
        names = _compat.torch_variants(torch_version)
    except _compat.CompatError:
        return []
    found = []
    for name in names:
        if name == "cpu":
            continue
        try:
            if _compat.torch_variant_supports_arch(torch_version, name, capability):
                found.append(name)
        except _compat.CompatError:
            continue
    return found


def _driver_fix(driver, cuda):
    """A fix sentence when ``driver`` is too old for CUDA ``cuda``; None otherwise/unknown."""
    if not driver or not cuda:
        return None
    try:
        if _compat.driver_supports_cuda(driver, cuda):
            return None
        minimum = _compat.cuda_min_driver(cuda)
    except _compat.CompatError:
        return None
    return ("driver %s is older than CUDA %s needs (%s or newer): upgrade the driver "
            "(nvidia_driver role) or choose an older pytorch2_cuda variant" % (driver, cuda, minimum))


def visible_entries(visible, gpu_count=None):
    """The devices ``CUDA_VISIBLE_DEVICES`` leaves a CUDA process, as its entries; None when
    the variable is unset (every device). CUDA's rules (CUDA C++ Programming Guide, "CUDA
    Environment Variables"): ``""`` hides every device; entries are indexes or ``GPU-``/
    ``MIG-`` UUIDs and the list ends at the first invalid one (``0,2,-1,1`` is devices 0
    and 2); an index at or beyond ``gpu_count`` (when known) is invalid."""
    if visible is None:
        return None
    entries = []
    for item in str(visible).split(","):
        item = item.strip()
        if re.match(r"^[0-9]+$", item):
            if gpu_count is not None and int(item) >= gpu_count:
                break
            item = str(int(item))
        elif not re.match(r"^(GPU|MIG)-[0-9A-Za-z-]+(/[0-9]+/[0-9]+)?$", item):
            break
        entries.append(item)
    return entries


def _expected_devices(gpu, visible):
    """(least, most) CUDA devices torch should see: every usable GPU, or what
    CUDA_VISIBLE_DEVICES leaves; a MIG-enabled GPU shows a CUDA process one MIG instance at
    most (NVIDIA MIG user guide, "CUDA device enumeration"), so with MIG the count is a
    range."""
    devices = [d for d in (gpu.get("devices") or []) if d.get("usable") is not False]
    if not devices:
        devices = [{}] * int(gpu.get("count") or 0)
    mig = [d for d in devices if d.get("mig_mode")]
    whole = len(devices) - len(mig)
    entries = visible_entries(visible, len(devices))
    if entries is None:
        return (whole, whole + (1 if mig else 0)) if mig else (whole, whole)
    if not mig:
        return min(len(entries), whole), min(len(entries), whole)
    return min(1, len(entries)), min(len(entries), whole + 1)


def evaluate(report, gpu=None, pci_gpu_count=0):
    """``{"ok", "gpu_host", "problems", "summary", ...}`` for a verify-script report.

    ``gpu`` is ``ansible_facts.gpu`` (state, count, driver_version, ...); a host counts as a GPU
    host when NVML reports GPUs or the PCI bus shows any. Each problem is one sentence naming
    what is wrong and what to change."""
    if not isinstance(report, dict):
        raise TorchCheckError("the verify report is not a JSON object: %r" % (report,))
    gpu = gpu or {}
    nvml_count = int(gpu.get("count") or 0) if gpu.get("state") == "ok" else 0
    gpu_host = nvml_count > 0 or int(pci_gpu_count or 0) > 0
    problems = []
    out = {"gpu_host": gpu_host, "torch": report.get("torch"),
           "torchvision": report.get("torchvision"), "torchaudio": report.get("torchaudio"),
           "cuda": report.get("torch_cuda"), "cudnn": cudnn_text(report.get("cudnn")),
           "cuda_available": bool(report.get("cuda_available")),
           "device_count": int(report.get("device_count") or 0),
           "devices": report.get("devices") or [], "arch_list": report.get("arch_list") or []}
    if report.get("error"):
        problems.append("the environment's python could not import torch/torchvision or run "
                        "the verify script: %s; re-run the pytorch2 role (a failed or partial "
                        "install)" % report["error"])
        return _finish(out, problems, gpu_host)
    out["compile_supported"], out["compile_reason"] = _installed_compile_support(report)
    build = "torch %s" % out["torch"]
    if not gpu_host:
        out["summary"] = ("CPU-only host: %s (%s), %s; no GPU on this host, "
                          "torch.cuda.is_available() is %s"
                          % (build, ("CUDA %s build" % out["cuda"]) if out["cuda"] else "CPU build",
                             _vision(out), out["cuda_available"]))
        return _finish(out, problems, gpu_host)
    if nvml_count == 0:
        problems.append("the PCI bus shows %s NVIDIA GPU(s) but NVML reports state %r: %s"
                        % (pci_gpu_count, gpu.get("state"),
                           gpu.get("message") or "install and load the NVIDIA driver "
                                                 "(nvidia_driver role)"))
    if not out["cuda"]:
        cuda_variants = [name for name in (_compat.torch_variants(out["torch"])
                                           if _known(out["torch"]) else []) if name != "cpu"]
        problems.append("%s is a CPU-only build on a GPU host: set pytorch2_cuda to a CUDA "
                        "variant%s" % (build, (" published for it: %s" % ", ".join(cuda_variants))
                                       if cuda_variants else ""))
        return _finish(out, problems, gpu_host)
    if not out["cuda_available"]:
        visible = (report.get("env") or {}).get("CUDA_VISIBLE_DEVICES")
        fix = (_driver_fix(gpu.get("driver_version"), out["cuda"])
               or ("CUDA_VISIBLE_DEVICES=%r leaves no valid device (an empty value hides every "
                   "GPU, the list ends at the first invalid entry): fix pytorch2_visible_devices"
                   % visible if visible is not None and not visible_entries(visible) else None)
               or "check that the NVIDIA driver is loaded (nvidia-smi) and that the user can "
                  "open /dev/nvidia*")
        problems.append("torch.cuda.is_available() is false with %s (CUDA %s)%s: %s"
                        % (build, out["cuda"],
                           (" (%s)" % report["cuda_error"]) if report.get("cuda_error") else "",
                           fix))
        return _finish(out, problems, gpu_host)
    least, most = _expected_devices(gpu, (report.get("env") or {}).get("CUDA_VISIBLE_DEVICES"))
    if nvml_count and not least <= out["device_count"] <= most:
        problems.append("torch sees %d GPU(s) but the host has %d%s: check CUDA_VISIBLE_DEVICES "
                        "(pytorch2_visible_devices) and the device permissions"
                        % (out["device_count"], nvml_count,
                           (" (%s visible)" % (least if least == most else "%d-%d" % (least, most)))
                           if (least, most) != (nvml_count, nvml_count) else ""))
    for index, error in sorted((report.get("device_errors") or {}).items()):
        problems.append("CUDA device %s could not be queried: %s" % (index, error))
    if out["cudnn"] is None:
        problems.append("cuDNN is not available to %s (torch.backends.cudnn.version() is %s): "
                        "reinstall torch from the %s index so its nvidia-cudnn wheel comes with "
                        "it" % (build, ("failing with %s" % report["cudnn_error"])
                                if report.get("cudnn_error") else "None", "CUDA variant's"))
    uncovered = []
    for device in out["devices"]:
        capability = _compat.compute_capability(device.get("capability"))
        coverage = arch_coverage(capability, out["arch_list"])
        device["coverage"] = coverage
        if coverage is None:
            sm = "sm_" + capability.replace(".", "")
            fits = variants_for(out["torch"], capability) if _known(out["torch"]) else []
            uncovered.append(capability)
            problems.append(
                "this torch build (%s, CUDA %s) has no %s kernels and no PTX it can JIT for GPU "
                "%s (%s, compute capability %s); %s"
                % (out["torch"], out["cuda"], sm, device.get("index"), device.get("name"),
                   capability,
                   ("use %s or newer" % fits[0]) if fits else
                   "use a pytorch2_cuda variant whose get_arch_list() includes %s" % sm))
    names = sorted(set("%s (sm_%s)" % (d.get("name"), str(d.get("capability")).replace(".", ""))
                       for d in out["devices"]))
    out["summary"] = ("%s (CUDA %s, cuDNN %s), %s: %d GPU(s) %s, every one covered "
                      "by the build's kernels" % (build, out["cuda"], out["cudnn"],
                                                  _vision(out), out["device_count"],
                                                  ", ".join(names)))
    return _finish(out, problems, gpu_host)


def _vision(out):
    return ("torchvision %s" % out["torchvision"]) if out["torchvision"] else "no torchvision"


def _installed_compile_support(report):
    """compile_support() for the torch and Python the verify script found."""
    try:
        return compile_support(report.get("torch"), report.get("python"))
    except _compat.CompatError as err:
        return None, "torch.compile support unknown: %s" % err


def _known(torch_version):
    try:
        _compat.torch_release(torch_version)
        return True
    except _compat.CompatError:
        return False


def _finish(out, problems, gpu_host):
    out["problems"] = problems
    out["ok"] = not problems
    if problems:
        out["summary"] = "FAILED: " + " | ".join(problems)
    return out


def _companion_problem(release, package, version):
    """A sentence when ``version`` of torchvision/torchaudio does not belong to ``release``."""
    if version in (None, ""):
        return None
    bare = str(version).split("+", 1)[0]
    fits = _compat.torch_companions(release, package)
    if bare in fits:
        return None
    owners = _compat.torch_for_companion(package, bare)
    belongs = (" (it belongs to torch %s)" % ", ".join(owners)) if owners else ""
    if fits:
        return ("%s %s does not belong to torch %s%s; the %s releases for torch %s: %s. Set "
                "pytorch2_%s_version to %s"
                % (package, version, release, belongs, package, release, ", ".join(fits),
                   package, fits[-1]))
    with_it = _compat.newest_release_with_companions((package,))
    return ("torch %s has no %s release, so %s %s does not belong to it%s; set "
            "pytorch2_%s_version to \"\" to leave it out, or use torch %s with %s %s"
            % (release, package, package, version, belongs, package, with_it, package,
               _compat.torch_companions(with_it, package)[-1]))


def _python_problem(release, python):
    """A sentence when ``release`` has no wheels for ``python``."""
    if _compat.torch_installs_on_python(release, python):
        return None
    nearest = _compat.nearest_release_for_python(release, python)
    py = _compat.python_series(python)
    fix = (", or use torch %s, the nearest release that installs on Python %s" % (nearest, py)
           if nearest else "")
    return ("torch %s does not install on Python %s (its Linux x86_64 wheels are for Python "
            "%s): set conda_env_python_version to one of those (for a venv: conda_env_venv_python "
            "must be that Python)%s" % (release, py, ", ".join(_compat.torch_pythons(release)), fix))


def compile_support(torch_version, python):
    """``(supported, reason)``: does torch.compile of this release run on the environment's
    Python? ``supported`` is None where the Python is not known; ``reason`` says why not (and
    what would), or is "" where it runs."""
    release = _compat.torch_known_release(torch_version)
    if python in (None, ""):
        return None, ("the environment's Python is not known yet (conda_env has not created it): "
                      "torch.compile support is decided after the install")
    py = _compat.python_series(python)
    if _compat.torch_compile_supported(release, py):
        return True, ""
    if not _compat.torch_installs_on_python(release, py):
        return False, "torch %s does not install on Python %s" % (release, py)
    newer = [r for r in sorted(_compat.torch_releases_for_python(py), key=_compat._release_key)
             if _compat._release_key(r) > _compat._release_key(release)
             and _compat.torch_compile_supported(r, py)]
    return False, ("torch.compile of torch %s does not run on Python %s (TorchDynamo of %s "
                   "supports Python %s): compile checks are skipped; use Python %s%s for them"
                   % (release, py, _compat.torch_release(release),
                      ", ".join(_compat.torch_compile_pythons(release)),
                      _compat.torch_compile_pythons(release)[-1],
                      (" or torch %s or newer" % newer[0]) if newer else ""))


def _driver_problem(release, variant, driver):
    cuda = variant_cuda(variant)
    if not driver or not cuda:
        return None
    if _compat.driver_supports_cuda(driver, cuda):
        return None
    works = [name for name in _compat.torch_variants(release)
             if variant_cuda(name) and _compat.driver_supports_cuda(driver, variant_cuda(name))]
    if works:
        fix = ("choose pytorch2_cuda %s (the newest build of torch %s this driver runs)"
               % (works[-1], release))
    else:
        older = _nearest_release(release, lambda r, name: variant_cuda(name) is not None
                                 and _compat.driver_supports_cuda(driver, variant_cuda(name)))
        fix = ("use torch %s with pytorch2_cuda %s, the newest older release with a build this "
               "driver runs" % older) if older else "no known release has a build it runs"
    return ("driver %s cannot run %s builds (CUDA %s needs driver %s or newer): upgrade the driver "
            "(nvidia_driver role) or %s" % (driver, variant, cuda, _compat.cuda_min_driver(cuda),
                                            fix))


def preflight(torch_version, variant, gpu=None, torchvision=None, torchaudio=None, python=None):
    """Before installing, from the compatibility data: is ``torch_version`` a release PyPI
    serves, do ``torchvision``/``torchaudio`` (None: not checked, "": not installed) belong to
    it, does it install on ``python`` (the environment's Python; None/"": not known yet), can
    the host's driver run the ``variant`` (``pypi``: the release's PyPI default build), and do
    its wheels have kernels or PTX for every GPU in ``gpu`` (``ansible_facts.gpu``)?

    ``{"ok", "problems", "notes", "release", "variant", "python", "compile_supported",
    "compile_reason"}``. Combinations the data has no architecture list for are noted, not
    failed (the verify step checks the installed build's real ``get_arch_list()``). A version
    that is no release raises CompatError naming the releases around it."""
    gpu = gpu or {}
    release = _compat.torch_known_release(torch_version)
    resolved = _compat.torch_pypi_variant(release) if variant == "pypi" else variant
    problems, notes = [], []
    for package, version in (("torchvision", torchvision), ("torchaudio", torchaudio)):
        problem = _companion_problem(release, package, version)
        if problem:
            problems.append(problem)
    py = _compat.python_series(python) if python not in (None, "") else None
    if py:
        problem = _python_problem(release, py)
        if problem:
            problems.append(problem)
    supported, reason = compile_support(release, py)
    if supported is False and py and _compat.torch_installs_on_python(release, py):
        notes.append(reason)
    out = {"release": release, "variant": resolved, "python": py,
           "compile_supported": supported, "compile_reason": reason,
           "requirements": _compat.torch_extra_requirements(release)}
    if gpu.get("state") == "ok":
        problem = _driver_problem(release, resolved, gpu.get("driver_version"))
        if problem:
            problems.append(problem)
    if gpu.get("state") != "ok" or not gpu.get("compute_capabilities"):
        notes.append("no GPU compute capabilities known before the install")
        return _planned(out, problems, notes)
    if resolved == "cpu":
        return _planned(out, problems, notes)
    for capability in _compat.sort_capabilities(gpu["compute_capabilities"]):
        try:
            supported = _compat.torch_variant_supports_arch(release, resolved, capability)
        except _compat.CompatError as err:
            notes.append(str(err))
            continue
        if not supported:
            sm = "sm_" + capability.replace(".", "")
            fits = variants_for(release, capability)
            if fits:
                fix = "use pytorch2_cuda %s or newer" % fits[0]
            else:
                other = _nearest_release(release, lambda r, name, cc=capability: _covers(r, name, cc),
                                         newer=True)
                fix = ("no published variant of torch %s covers it: use torch %s with "
                       "pytorch2_cuda %s" % ((release,) + other)) if other else (
                    "no release the data has an architecture list for covers it")
            problems.append("torch %s %s has no %s kernels and no PTX it can JIT for compute "
                            "capability %s; %s" % (release, resolved, sm, capability, fix))
    return _planned(out, problems, notes)


def _covers(release, variant, capability):
    try:
        return _compat.torch_variant_supports_arch(release, variant, capability)
    except _compat.CompatError:
        return False


def _nearest_release(release, accept, newer=False):
    """``(release, variant)`` nearest ``release`` (older ones first, or newer ones with
    ``newer``) with a published variant for which ``accept(release, variant)``: the newest such
    variant of an older release, the oldest of a newer one. None if there is none."""
    known = sorted(_compat.data.TORCH_RELEASES, key=_compat._release_key)
    here = _compat._release_key(release)
    candidates = ([r for r in known if _compat._release_key(r) > here] if newer
                  else [r for r in reversed(known) if _compat._release_key(r) < here])
    for candidate in candidates:
        names = [n for n in _compat.torch_variants(candidate) if n != "cpu" and accept(candidate, n)]
        if names:
            return candidate, names[0] if newer else names[-1]
    return None


def _planned(out, problems, notes):
    out.update(ok=not problems, problems=problems, notes=notes)
    return out


def _text(value):
    return None if value is None else str(value)


def _refused(err):
    return {"ok": False, "problems": [str(err)], "notes": [], "compile_supported": None,
            "compile_reason": "", "requirements": []}


def torch_plan(torch_version, variant, gpu=None, torchvision=None, torchaudio=None, python=None):
    """The ``torch_plan`` filter: ``preflight`` with its arguments read as text, as a module's
    ``str`` options would, and a version that is no release reported like every other refusal
    (``ok`` false, the reason in ``problems``) so that the role's assert names it."""
    try:
        return preflight(_text(torch_version), _text(variant), gpu, torchvision=_text(torchvision),
                         torchaudio=_text(torchaudio), python=_text(python))
    except (TorchCheckError, _compat.CompatError) as err:
        return _refused(err)


def torch_verdict(report, gpu=None, pci_gpu_count=0):
    """The ``torch_verdict`` filter: ``evaluate``, with a report that cannot be judged reported
    as a refusal (``ok`` false, the reason in ``problems``)."""
    try:
        return evaluate(report, gpu, int(pci_gpu_count or 0))
    except (TorchCheckError, ValueError, TypeError) as err:
        return _refused(err)
