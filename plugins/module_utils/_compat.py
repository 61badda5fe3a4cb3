# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Questions about what works with what, answered from ``_compat_data`` (the only reader).

Every public function takes plain values (strings, numbers, lists) as a playbook would pass
them and either answers or raises :class:`CompatError` with a message that says what to change.
Filters turn that into ``AnsibleFilterError``; modules into ``fail_json``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _compat_data as data

DATA_FILE = "plugins/module_utils/_compat_data.py"
NVIDIA_VENDOR_ID = 0x10DE


class CompatError(ValueError):
    """A value the compatibility data cannot answer for; the message says what to change."""


# ---- parsing -------------------------------------------------------------------------------

def _text(value, what):
    if value is None or isinstance(value, bool):
        raise CompatError("%s is missing: got %r" % (what, value))
    if isinstance(value, float):
        return repr(value)
    return str(value).strip()


def parse_version(value, what="version"):
    """``"535.261.03"`` -> ``(535, 261, 3)``. Raises CompatError unless dotted decimal numbers."""
    text = _text(value, what)
    if not re.match(r"^\d+(\.\d+)*$", text):
        raise CompatError("%s %r is not a dotted version number like '12.8' or '570.26'"
                          % (what, value))
    return tuple(int(part) for part in text.split("."))


def _major_minor(value, what):
    parts = parse_version(value, what)
    if len(parts) < 2:
        raise CompatError("%s %r needs a major and a minor version, like '12.8'" % (what, value))
    return parts[0], parts[1]


def cuda_version(value):
    """Normalize a CUDA version to ``"major.minor"``: ``"12.8.1"`` -> ``"12.8"``."""
    return "%d.%d" % _major_minor(value, "CUDA version")


def torch_release(value):
    """``"2.14.1+cu130"`` -> ``"2.14"``; raises unless the release is in the data."""
    text = _text(value, "torch version").split("+", 1)[0]
    match = re.match(r"^(\d+)\.(\d+)(\.\d+)?([a-z]+\d*)*$", text)
    if not match:
        raise CompatError("torch version %r is not like '2.14' or '2.14.1'" % (value,))
    release = "%d.%d" % (int(match.group(1)), int(match.group(2)))
    if release not in data.TORCH_VERSIONS:
        raise CompatError(
            "torch %s is not in the compatibility data (it knows %s to %s); pick a known "
            "release or add this one to %s" % (release, data.TORCH_VERSIONS[0],
                                               data.TORCH_VERSIONS[-1], DATA_FILE))
    return release


def compute_capability(value):
    """Normalize a compute capability: ``9.0``, ``"9.0"``, ``"sm_90"``, ``"90"`` -> ``"9.0"``.

    A number (YAML reads ``9.0`` as a float) is taken as major.minor; a string may carry an
    ``sm_``/``compute_`` prefix and may leave out the dot (the last digit is the minor).
    """
    if isinstance(value, (list, tuple)) and len(value) == 2:
        return "%d.%d" % (int(value[0]), int(value[1]))
    if isinstance(value, int) and not isinstance(value, bool):
        return "%d.0" % value
    text = _text(value, "compute capability").lower()
    for prefix in ("sm_", "compute_", "sm"):
        if text.startswith(prefix):
            text = text[len(prefix):]
            break
    match = re.match(r"^(\d+)\.(\d)$", text) or re.match(r"^(\d{1,2})(\d)$", text)
    if not match:
        raise CompatError("compute capability %r is not like '9.0' or 'sm_90'" % (value,))
    return "%d.%d" % (int(match.group(1)), int(match.group(2)))


def _cc_key(value):
    major, minor = compute_capability(value).split(".")
    return int(major), int(minor)


def sort_capabilities(values):
    """Sorted (numerically), de-duplicated, normalized compute capabilities."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        raise CompatError("expected a list of compute capabilities, got %r" % (values,))
    unique = set(compute_capability(value) for value in values)
    return sorted(unique, key=_cc_key)


def cuda_arch_list(values, ptx=False):
    """``["9.0", "8.0", "8.0"]`` -> ``"8.0;9.0"`` (TORCH_CUDA_ARCH_LIST); ``ptx`` adds ``+PTX``
    to the highest capability so newer GPUs can JIT-compile its PTX."""
    ordered = sort_capabilities(values)
    if not ordered:
        raise CompatError("no compute capability given: TORCH_CUDA_ARCH_LIST needs at least one, "
                          "e.g. from ansible_facts.gpu.compute_capabilities")
    if ptx:
        ordered[-1] += "+PTX"
    return ";".join(ordered)


def sm_targets(values):
    """``["8.0", "9.0"]`` -> ``["sm_80", "sm_90"]`` (nvcc ``-arch`` names)."""
    return ["sm_" + cc.replace(".", "") for cc in sort_capabilities(values)]


def pci_device_id(value):
    """Normalize a PCI device id: ``"0x2330"``, ``"2330"``, ``"10de:2330"``, ``0x2330`` or the
    packed NVML form ``0x233010de`` -> ``"0x2330"``."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        text = _text(value, "PCI device id").lower()
        if text.startswith("10de:"):
            text = text[5:]
        try:
            number = int(text, 16)
        except ValueError:
            raise CompatError("PCI device id %r is not hexadecimal like '0x2330'" % (value,))
    if number > 0xFFFF and number & 0xFFFF == NVIDIA_VENDOR_ID:
        number >>= 16
    if not 0 <= number <= 0xFFFF:
        raise CompatError("PCI device id %r is out of range (16 bits)" % (value,))
    return "0x%04x" % number


# ---- CUDA and the driver -------------------------------------------------------------------

def _known_cuda(value):
    cuda = cuda_version(value)
    if cuda not in data.CUDA_MIN_DRIVER:
        raise CompatError(
            "CUDA %s is not in the driver table (known: %s); use one of those or add it to %s"
            % (cuda, ", ".join(sorted(data.CUDA_MIN_DRIVER, key=parse_version)), DATA_FILE))
    return cuda


def cuda_min_driver(cuda):
    """Minimum Linux driver for a CUDA toolkit release: ``"12.8"`` -> ``"570.26"``.

    A patch level (``"12.8.1"``) is ignored: the answer is the GA release's minimum; a later
    update of the same minor may need a slightly newer driver."""
    return data.CUDA_MIN_DRIVER[_known_cuda(cuda)]


def driver_supports_cuda(driver, cuda, minor_version_compat=False):
    """Does this driver run applications built with this CUDA release?

    Strict (default): the driver is at least the release's minimum from the toolkit notes.
    ``minor_version_compat``: at least the floor of the CUDA major (runs with reduced features).
    """
    installed = parse_version(driver, "driver version")
    if minor_version_compat:
        major = str(_major_minor(cuda, "CUDA version")[0])
        if major not in data.CUDA_MINOR_COMPAT_FLOOR:
            raise CompatError("CUDA major %s has no minor-version-compatibility floor in %s "
                              "(known: %s)" % (major, DATA_FILE,
                                               ", ".join(sorted(data.CUDA_MINOR_COMPAT_FLOOR))))
        floor = data.CUDA_MINOR_COMPAT_FLOOR[major]
    else:
        floor = cuda_min_driver(cuda)
    return installed >= parse_version(floor)


def cuda_version_from_nvml(value):
    """NVML's integer CUDA version (``12040``) -> ``"12.4"``; None stays None."""
    if value is None:
        return None
    number = int(value)
    return "%d.%d" % (number // 1000, (number % 1000) // 10)


def _known_capability(value):
    cc = compute_capability(value)
    if cc not in data.ARCH_CUDA_SUPPORT:
        raise CompatError(
            "compute capability %s is not in the compatibility data (known: %s); add it to %s"
            % (cc, ", ".join(sort_capabilities(data.ARCH_CUDA_SUPPORT)), DATA_FILE))
    return cc


def cuda_supports_arch(cuda, capability):
    """Can this CUDA toolkit compile for this compute capability? (11.8 cannot target 12.0;
    13.0 dropped 5.x, 6.x and 7.0.)"""
    support = data.ARCH_CUDA_SUPPORT[_known_capability(capability)]
    version = _major_minor(cuda, "CUDA version")
    if version < parse_version(support["first"]):
        return False
    return support["removed"] is None or version < parse_version(support["removed"])


def cudnn_supports_cuda(cudnn, cuda):
    """Is there a build of this cuDNN major for this CUDA major? (``"9.1.0"``, ``"12.4"``)"""
    cudnn_major = str(parse_version(cudnn, "cuDNN version")[0])
    cuda_major = str(parse_version(cuda, "CUDA version")[0])
    if cudnn_major not in data.CUDNN_CUDA_MAJORS:
        raise CompatError("cuDNN %s is not in the compatibility data (known majors: %s)"
                          % (cudnn_major, ", ".join(sorted(data.CUDNN_CUDA_MAJORS))))
    return cuda_major in data.CUDNN_CUDA_MAJORS[cudnn_major]


# ---- PyTorch -------------------------------------------------------------------------------

def cuda_variant(cuda):
    """``"12.8"`` -> ``"cu128"`` (the wheel-index name of a CUDA release; not a check that
    PyTorch publishes it: see :func:`torch_index_url`)."""
    major, minor = _major_minor(cuda, "CUDA version")
    return "cu%d%d" % (major, minor)


def torch_variant(value):
    """``"cu128"``, ``"12.8"`` or ``"cpu"`` -> the variant name, if PyTorch publishes it."""
    text = _text(value, "PyTorch variant").lower()
    if re.match(r"^(cpu|cu\d+)$", text):
        variant = text
    elif re.match(r"^\d+\.\d+(\.\d+)?$", text):
        variant = cuda_variant(text)
    else:
        raise CompatError("PyTorch variant %r is not like 'cu128', a CUDA version like '12.8', "
                          "or 'cpu'" % (value,))
    if variant not in data.TORCH_VARIANTS:
        raise CompatError(
            "PyTorch publishes no %r wheel index; published variants: %s"
            % (variant, ", ".join(_variants_in_order(data.TORCH_VARIANTS))))
    return variant


def _variants_in_order(names):
    def key(name):
        cuda = data.TORCH_VARIANTS[name]["cuda"]
        return parse_version(cuda) if cuda else (999,)
    return sorted(names, key=key)


def torch_variants(torch_version, experimental=True):
    """Variants PyTorch publishes for a torch release, oldest CUDA first, ``cpu`` last."""
    release = torch_release(torch_version)
    kinds = ("stable", "experimental") if experimental else ("stable",)
    found = [name for name, entry in data.TORCH_VARIANTS.items()
             if any(release in entry[kind] for kind in kinds)]
    return _variants_in_order(found)


def torch_variant_published(torch_version, variant, experimental=True):
    """Is ``torch_version`` published on the ``variant`` index (experimental builds count unless
    ``experimental`` is false)?"""
    return torch_variant(variant) in torch_variants(torch_version, experimental)


def torch_index_url(variant, torch_version=None):
    """``"12.8"``/``"cu128"``/``"cpu"`` -> ``https://download.pytorch.org/whl/cu128``.

    With ``torch_version`` the pair must be published, else CompatError names what is."""
    name = torch_variant(variant)
    if torch_version is not None and not torch_variant_published(torch_version, name):
        release = torch_release(torch_version)
        raise CompatError("torch %s is not published for %s; variants for %s: %s"
                          % (release, name, release, ", ".join(torch_variants(release))))
    return data.TORCH_INDEX_BASE + name


def torch_arch_list(torch_version, variant):
    """The TORCH_CUDA_ARCH_LIST entries a published wheel was built with, e.g.
    ``["7.5", ..., "12.0+PTX"]``; CompatError where the data has no record."""
    release = torch_release(torch_version)
    name = torch_variant(variant)
    for entry in data.TORCH_ARCH_LISTS:
        if entry["variant"] == name and release in entry["torch"]:
            return entry["arch_list"].split(";")
    known = ", ".join("%s %s" % ("/".join(e["torch"]), e["variant"]) for e in data.TORCH_ARCH_LISTS)
    raise CompatError("the compatibility data has no architecture list for torch %s %s "
                      "(recorded: %s); add it to %s with its source"
                      % (release, name, known, DATA_FILE))


def torch_variant_supports_arch(torch_version, variant, capability):
    """Do the official ``variant`` wheels of ``torch_version`` run on this compute capability?

    True when they carry SASS for the same major and a minor not above the GPU's (a cubin for
    X.y runs on X.z, z >= y), or PTX for a capability not above the GPU's (JIT-compiled by the
    driver). The ``cpu`` variant supports no GPU."""
    if torch_variant(variant) == "cpu":
        torch_release(torch_version)
        return False
    major, minor = _cc_key(capability)
    for entry in torch_arch_list(torch_version, variant):
        ptx = entry.endswith("+PTX")
        built = _cc_key(entry[:-4] if ptx else entry)
        if built[0] == major and built[1] <= minor:
            return True
        if ptx and built <= (major, minor):
            return True
    return False


def torchvision_for_torch(torch_version):
    """torchvision release series for a torch release: ``"2.14.1"`` -> ``"0.29"``."""
    release = torch_release(torch_version)
    if release not in data.TORCHVISION_FOR_TORCH:
        raise CompatError("no torchvision pairing recorded for torch %s in %s"
                          % (release, DATA_FILE))
    return data.TORCHVISION_FOR_TORCH[release]


# ---- GPUs by PCI id and architecture -------------------------------------------------------

def capability_architecture(capability):
    """``"9.0"`` -> ``"hopper"``; None for a capability the data does not know."""
    entry = data.COMPUTE_CAPABILITIES.get(compute_capability(capability))
    return entry["architecture"] if entry else None


def gpu_architecture(device_id):
    """Architecture of an NVIDIA PCI device id (``"0x2330"`` -> ``"hopper"``), None if unknown."""
    device = pci_device_id(device_id)
    known = data.PCI_DEVICES.get(device)
    if known:
        return capability_architecture(known["compute_capability"])
    number = int(device, 16)
    for low, high, architecture in data.PCI_ID_RANGES:
        if int(low, 16) <= number <= int(high, 16):
            return architecture
    return None


def pci_device_info(device_id):
    """``{"name", "architecture", "compute_capability"}`` for a device id; None where unknown.

    The capability comes from the exact device table, or from the architecture when that has
    only one capability among the data's (e.g. every Hopper is 9.0, Ampere is 8.0 or 8.6)."""
    device = pci_device_id(device_id)
    known = data.PCI_DEVICES.get(device, {})
    architecture = gpu_architecture(device)
    capability = known.get("compute_capability")
    if capability is None and architecture is not None:
        candidates = [cc for cc, entry in data.COMPUTE_CAPABILITIES.items()
                      if entry["architecture"] == architecture]
        if len(candidates) == 1:
            capability = candidates[0]
    return {"name": known.get("name"), "architecture": architecture,
            "compute_capability": capability}


def _open_kernel(value):
    """(open_kernel flag or None, device number or None) for a device id or architecture."""
    text = _text(value, "PCI device id or architecture").lower()
    if text in data.ARCHITECTURES:
        return data.ARCHITECTURES[text]["open_kernel"], None
    device = pci_device_id(value)
    architecture = gpu_architecture(device)
    flag = data.ARCHITECTURES[architecture]["open_kernel"] if architecture else None
    return flag, int(device, 16)


def nvidia_open_kernel_supported(value):
    """Do NVIDIA's open kernel modules drive this GPU (PCI device id or architecture name)?
    Turing and newer: yes. An id the data does not place is judged by the id range rule."""
    flag, number = _open_kernel(value)
    if flag is not None:
        return flag != "unsupported"
    return number >= int(data.OPEN_KERNEL_MIN_DEVICE_ID, 16)


def nvidia_open_kernel_required(value):
    """Does this GPU need the open kernel modules (Blackwell and newer)?"""
    flag, number = _open_kernel(value)
    if flag is not None:
        return flag == "required"
    return number >= int(data.OPEN_KERNEL_REQUIRED_MIN_DEVICE_ID, 16)


# ---- PyTorch releases, exactly (TORCH_RELEASES) ----------------------------------------------

def _release_key(text):
    return tuple(int(part) for part in text.split("."))


def _known_releases():
    return sorted(data.TORCH_RELEASES, key=_release_key)


def _around(version_key):
    """The known releases just below and just above ``version_key`` (a tuple)."""
    known = _known_releases()
    below = [r for r in known if _release_key(r) < version_key]
    above = [r for r in known if _release_key(r) > version_key]
    return (below[-1] if below else None), (above[0] if above else None)


def torch_known_release(value, what="pytorch2_torch_version"):
    """``"2.0.1"`` -> ``"2.0.1"`` when PyPI serves that release (a local tag ``+cu117`` is
    ignored); CompatError naming the known releases around it otherwise: ``"2.0"`` is not a
    release, ``"1.13.1"`` not PyTorch 2, ``"2.16.0"`` not released."""
    text = _text(value, what)
    bare = text.split("+", 1)[0]
    known = _known_releases()
    span = "%s to %s" % (known[0], known[-1])
    if not re.match(r"^\d+(\.\d+)*$", bare):
        raise CompatError("%s %r is not a torch release like %r (known: %s)"
                          % (what, value, known[-1], span))
    if bare in data.TORCH_RELEASES:
        return bare
    parts = tuple(int(p) for p in bare.split("."))
    series = ["%d" % parts[0]] + (["%d.%d" % parts[:2]] if len(parts) > 1 else [])
    same_minor = [r for r in known if len(parts) > 1 and r.startswith(series[-1] + ".")]
    if parts[0] != 2:
        raise CompatError("%s %r is not PyTorch 2: this collection installs torch %s; the oldest "
                          "it knows is %s" % (what, value, span, known[0]))
    if len(parts) != 3 and same_minor:
        raise CompatError("%s %r is not a release: give the full version; releases of %s: %s "
                          "(newest %s)"
                          % (what, value, series[-1], ", ".join(same_minor), same_minor[-1]))
    below, above = _around(parts + (0,) * (3 - len(parts)))
    if above is None:
        raise CompatError("%s %r is not released (as far as %s knows): the newest torch release "
                          "it knows is %s (known: %s); use %s, or add the release with its "
                          "sources to %s" % (what, value, DATA_FILE, below, span, below, DATA_FILE))
    raise CompatError("%s %r is not a torch release on PyPI: the releases around it are %s and %s "
                      "(known: %s)" % (what, value, below, above, span))


def torch_release_info(torch_version):
    """The TORCH_RELEASES row of a release, with ``release`` (``"2.0.1"``) and ``series``
    (``"2.0"``) added."""
    release = torch_known_release(torch_version)
    info = dict(data.TORCH_RELEASES[release])
    info["release"] = release
    info["series"] = torch_release(release)
    return info


def torch_pypi_variant(torch_version):
    """The CUDA variant PyPI's plain ``torch`` wheel for Linux x86_64 is (``"2.0.1"`` ->
    ``"cu117"``)."""
    return torch_release_info(torch_version)["pypi_variant"]


def torch_build_cuda(torch_version, variant):
    """The CUDA release a torch build is for: ``("2.0.1", "pypi")`` -> ``"11.7"`` (PyPI's plain
    wheel), ``("2.14.1", "cu130")`` -> ``"13.0"``; ``""`` for the ``cpu`` build."""
    name = (torch_pypi_variant(torch_version) if _text(variant, "variant").lower() == "pypi"
            else torch_variant(variant))
    return data.TORCH_VARIANTS[name]["cuda"] or ""


def cuda_extension_problem(torch_version, variant, toolkit):
    """Why CUDA extensions of a torch build cannot be built with a CUDA toolkit, or ``""``.

    torch.utils.cpp_extension's BuildExtension (``pip install`` of an extension package,
    ``setup.py`` builds) refuses a toolkit of another CUDA major than the torch build's and only
    warns on another minor (``_check_cuda_version`` in torch/utils/cpp_extension.py, read in
    2.0.1 and 2.14.1). A ``cpu`` build, or no toolkit, is no problem.
    """
    cuda = torch_build_cuda(torch_version, variant)
    toolkit = "" if toolkit is None else _text(toolkit, "CUDA toolkit version")
    if not cuda or not toolkit:
        return ""
    built, have = _major_minor(cuda, "CUDA version"), _major_minor(toolkit, "CUDA toolkit version")
    if built[0] == have[0]:
        return ""
    return ("torch %s's %s build is for CUDA %s, the toolkit is CUDA %s: "
            "torch.utils.cpp_extension refuses to build CUDA extensions with a toolkit of "
            "another CUDA major than the torch build's"
            % (torch_known_release(torch_version), variant, cuda, cuda_version(toolkit)))


def torch_companions(torch_version, package):
    """The ``torchvision`` or ``torchaudio`` releases that belong to a torch release, oldest
    first ([] where none was released)."""
    if package not in ("torchvision", "torchaudio"):
        raise CompatError("companion %r is not torchvision or torchaudio" % (package,))
    return list(torch_release_info(torch_version)[package])


def torch_for_companion(package, version):
    """Torch releases a torchvision/torchaudio release belongs to ([] if none known)."""
    bare = _text(version, "%s version" % package).split("+", 1)[0]
    return [r for r in _known_releases() if bare in data.TORCH_RELEASES[r][package]]


def python_series(value, what="Python version"):
    """``"3.11.2"`` / ``3.11`` -> ``"3.11"``."""
    return "%d.%d" % _major_minor(value, what)


def torch_pythons(torch_version):
    """Python versions the release's Linux x86_64 wheels install on."""
    return list(torch_release_info(torch_version)["python"])


def torch_installs_on_python(torch_version, python):
    return python_series(python) in torch_pythons(torch_version)


def torch_compile_supported(torch_version, python):
    """Does torch.compile (TorchDynamo) of this release run on this Python? (the release must
    install on it, and the Python must be below the release's dynamo limit)."""
    info = torch_release_info(torch_version)
    py = python_series(python)
    if py not in info["python"]:
        return False
    below = data.TORCH_COMPILE_PYTHON_BELOW[info["series"]]
    return _major_minor(py, "Python version") < _major_minor(below, "Python version")


def torch_compile_pythons(torch_version):
    """Python versions torch.compile of this release runs on."""
    return [py for py in torch_pythons(torch_version) if torch_compile_supported(torch_version, py)]


def torch_releases_for_python(python):
    """Releases that install on this Python, oldest first."""
    py = python_series(python)
    return [r for r in _known_releases() if py in data.TORCH_RELEASES[r]["python"]]


def nearest_release_for_python(torch_version, python):
    """The release nearest ``torch_version`` that installs on ``python`` (the newest older one
    for a Python the release is too new for, the oldest newer one for a Python it is too old
    for); None where no release does."""
    release = torch_known_release(torch_version)
    fits = torch_releases_for_python(python)
    if not fits:
        return None
    newer = [r for r in fits if _release_key(r) > _release_key(release)]
    older = [r for r in fits if _release_key(r) < _release_key(release)]
    pythons = [_major_minor(p, "Python version") for p in torch_pythons(release)]
    too_new = _major_minor(python_series(python), "Python version") > max(pythons)
    if too_new:
        return newer[0] if newer else older[-1]
    return older[-1] if older else newer[0]


def newest_release_with_companions(packages=("torchvision",)):
    """The newest known release for which every package in ``packages`` has a release."""
    for release in reversed(_known_releases()):
        if all(data.TORCH_RELEASES[release][p] for p in packages):
            return release
    return None


def torch_extra_requirements(torch_version):
    """Requirements a release needs beside its own metadata: ``"numpy<2"`` for releases built
    against NumPy 1.x (TORCH_NUMPY_BELOW) and ``"setuptools<70"`` for releases whose
    cpp_extension needs ``pkg_resources.packaging`` (TORCH_SETUPTOOLS_BELOW), else []."""
    series = torch_release_info(torch_version)["series"]
    extra = []
    for package, table in (("numpy", data.TORCH_NUMPY_BELOW),
                           ("setuptools", data.TORCH_SETUPTOOLS_BELOW)):
        if series in table:
            extra.append("%s<%s" % (package, table[series]))
    return extra
