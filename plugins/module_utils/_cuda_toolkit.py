# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Read-only checks of an installed CUDA toolkit: what ``nvcc --version`` says, and which GPU
architectures an object file compiled by it really carries (read from its ``.nv_fatbin``).

Nothing here needs a GPU or a driver: compiling for ``sm_90`` and reading the cubins back proves
the toolkit targets that hardware.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import struct
import tempfile

FATBIN_MAGIC = 0xBA55ED50
FATBIN_KIND = {1: "ptx", 2: "elf"}
ELF_MAGIC = b"\x7fELF"

# The smallest kernel that makes nvcc emit code for every requested architecture.
PROBE_SOURCE = (
    "// gpulab.pytorch_stack cuda_toolkit_check probe\n"
    "__global__ void gpulab_scale(float *x, float a, int n) {\n"
    "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "    if (i < n) x[i] *= a;\n"
    "}\n"
)


class ToolkitError(Exception):
    """The toolkit is missing, broken or did not produce what was asked for."""


def parse_nvcc_version(text):
    """``nvcc --version`` output -> ``{"release": "13.2", "version": "13.2.86"}``."""
    match = re.search(r"release (\d+\.\d+), V(\d+\.\d+\.\d+)", text or "")
    if not match:
        raise ToolkitError("nvcc --version printed no 'release X.Y, VX.Y.Z' line: %r"
                           % (text or "").strip()[-300:])
    return {"release": match.group(1), "version": match.group(2)}


def sm_number(target):
    """``"sm_90"`` -> ``90``; ``"sm_100"`` -> ``100``. Raises ToolkitError otherwise."""
    match = re.match(r"^sm_(\d{2,3})$", str(target))
    if not match:
        raise ToolkitError("architecture %r is not an nvcc target like 'sm_90'" % (target,))
    return int(match.group(1))


def nvcc_command(nvcc, source, output, targets, host_compiler=None):
    """The nvcc command line that compiles ``source`` to ``output`` with SASS for each target."""
    command = [nvcc, "-c", source, "-o", output]
    for target in targets:
        number = sm_number(target)
        command += ["-gencode", "arch=compute_%d,code=sm_%d" % (number, number)]
    if host_compiler:
        command += ["-ccbin", host_compiler]
    return command


def _elf_sections(blob):
    """Yield ``(name, bytes)`` for each section of a 64-bit little-endian ELF file."""
    if blob[:4] != ELF_MAGIC or len(blob) < 64:
        raise ToolkitError("the object file is not an ELF file")
    if blob[4] != 2 or blob[5] != 1:
        raise ToolkitError("the object file is not a 64-bit little-endian ELF file")
    shoff = struct.unpack_from("<Q", blob, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, 0x3A)
    if shoff == 0 or shnum == 0 or shoff + shnum * shentsize > len(blob):
        raise ToolkitError("the object file has no readable section table")
    headers = [struct.unpack_from("<IIQQQQIIQQ", blob, shoff + i * shentsize)
               for i in range(shnum)]
    names_offset, names_size = headers[shstrndx][4], headers[shstrndx][5]
    names = blob[names_offset:names_offset + names_size]
    for header in headers:
        name_end = names.find(b"\0", header[0])
        name = names[header[0]:name_end if name_end >= 0 else None].decode("ascii", "replace")
        sh_type, offset, size = header[1], header[4], header[5]
        if sh_type == 8:  # SHT_NOBITS has no bytes in the file
            continue
        yield name, blob[offset:offset + size]


def fatbin_entries(fatbin):
    """Entries of a CUDA fat binary: ``[{"kind": "elf"|"ptx", "arch": "sm_90"}, ...]``.

    Layout (as nvcc writes it, and cuobjdump reads it): a 16-byte header (magic 0xBA55ED50,
    u16 version, u16 header size, u64 size of the entries), then entries, each with u16 kind
    (1 PTX, 2 ELF cubin), u16 version, u32 header size, u64 payload size, and the SM number as
    u32 at offset 28. Several fat binaries may follow each other in one section.
    """
    entries = []
    offset = 0
    while offset + 16 <= len(fatbin):
        magic, _version, header_size, size = struct.unpack_from("<IHHQ", fatbin, offset)
        if magic != FATBIN_MAGIC:
            if entries and not any(fatbin[offset:offset + 8]):  # alignment padding
                offset += 8
                continue
            break
        position = offset + header_size
        end = position + size
        if end > len(fatbin):
            raise ToolkitError("fat binary is truncated (%d bytes announced, %d present)"
                               % (size, len(fatbin) - position))
        while position + 32 <= end:
            kind, _ev, entry_header, payload = struct.unpack_from("<HHIQ", fatbin, position)
            arch = struct.unpack_from("<I", fatbin, position + 28)[0]
            if entry_header < 32:
                raise ToolkitError("fat binary entry at %d has a bad header size %d"
                                   % (position, entry_header))
            entries.append({"kind": FATBIN_KIND.get(kind, "unknown(%d)" % kind),
                            "arch": "sm_%d" % arch})
            position += entry_header + payload
        offset = end
    if not entries:
        raise ToolkitError("no CUDA fat binary found (magic 0x%08x)" % FATBIN_MAGIC)
    return entries


def object_architectures(blob):
    """``{"elf": ["sm_80", "sm_90"], "ptx": [...]}`` read from an object's ``.nv_fatbin``."""
    for name, data in _elf_sections(blob):
        if name == ".nv_fatbin":
            entries = fatbin_entries(data)
            return dict((kind, sorted(set(e["arch"] for e in entries if e["kind"] == kind),
                                      key=sm_number))
                        for kind in ("elf", "ptx"))
    raise ToolkitError("the object file has no .nv_fatbin section: nvcc produced no device code")


def check_toolkit(cuda_home, targets, host_compiler=None, run=None):
    """Ask ``<cuda_home>/bin/nvcc`` its version and compile the probe for ``targets`` in a
    temporary directory (removed afterwards). Returns the version, the architectures found in
    the object, and those missing. Raises ToolkitError when nvcc is absent or fails.
    ``run(argv, env_update)`` -> ``(rc, stdout, stderr)`` runs a command (the module passes
    AnsibleModule.run_command)."""
    nvcc = os.path.join(cuda_home, "bin", "nvcc")
    if not os.access(nvcc, os.X_OK):
        raise ToolkitError("%s is missing or not executable" % nvcc)
    env = {"LC_ALL": "C"}
    rc, out, err = run([nvcc, "--version"], env)
    if rc != 0:
        raise ToolkitError("%s --version failed (rc=%d): %s" % (nvcc, rc, (out + err).strip()))
    version = parse_nvcc_version(out)
    workdir = tempfile.mkdtemp(prefix="gpulab-nvcc-")
    try:
        source = os.path.join(workdir, "probe.cu")
        output = os.path.join(workdir, "probe.o")
        with open(source, "w") as handle:
            handle.write(PROBE_SOURCE)
        command = nvcc_command(nvcc, source, output, targets, host_compiler)
        rc, out, err = run(command, env)
        if rc != 0:
            raise ToolkitError("nvcc could not compile for %s (rc=%d): %s"
                               % (", ".join(targets), rc, (out + err).strip()[-2000:]))
        with open(output, "rb") as handle:
            found = object_architectures(handle.read())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    wanted = sorted(set(targets), key=sm_number)
    return {
        "nvcc": nvcc,
        "release": version["release"],
        "version": version["version"],
        "command": " ".join(command),
        "requested": wanted,
        "elf": found["elf"],
        "ptx": found["ptx"],
        "missing": [t for t in wanted if t not in found["elf"]],
    }
