# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the CUDA toolkit checks (nvcc version, fat binary reading, the compile step)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import struct

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _cuda_toolkit as tk

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
NVCC_13_2 = """nvcc: NVIDIA (R) Cuda compiler driver
Copyright (c) 2005-2026 NVIDIA Corporation
Built on Fri_May_08_10:53:34_AM_PDT_2026
Cuda compilation tools, release 13.2, V13.2.86
Build cuda_13.2.r13.2/compiler.37953736_0
"""


def _fatbin(entries):
    """A fat binary as nvcc lays it out: header, then entries (kind, arch, payload)."""
    body = b""
    for kind, arch, payload in entries:
        header = struct.pack("<HHIQIIII", kind, 0x101, 64, len(payload), 0, 0, 0x10008, arch)
        body += header + b"\0" * (64 - len(header)) + payload
    return struct.pack("<IHHQ", tk.FATBIN_MAGIC, 1, 16, len(body)) + body


def _elf(sections):
    """A minimal ELF64 little-endian relocatable object with the given (name, bytes) sections."""
    names = b"\0" + b"".join(n.encode() + b"\0" for n, _data in sections) + b".shstrtab\0"
    data = b"".join(d for _name, d in sections)
    data_offset = 64
    names_offset = data_offset + len(data)
    shoff = names_offset + len(names)
    headers = [b"\0" * 64]
    name_at, offset = 1, data_offset
    for name, payload in sections:
        headers.append(struct.pack("<IIQQQQIIQQ", name_at, 1, 0, 0, offset, len(payload),
                                   0, 0, 8, 0))
        name_at += len(name) + 1
        offset += len(payload)
    headers.append(struct.pack("<IIQQQQIIQQ", name_at, 3, 0, 0, names_offset, len(names),
                               0, 0, 1, 0))
    ident = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    header = ident + struct.pack("<HHIQQQIHHHHHH", 1, 62, 1, 0, 0, shoff, 0, 64, 0, 0, 64,
                                 len(headers), len(headers) - 1)
    return header + data + names + b"".join(headers)


def test_nvcc_version_is_read():
    assert tk.parse_nvcc_version(NVCC_13_2) == {"release": "13.2", "version": "13.2.86"}


@pytest.mark.parametrize("text", ["", None, "bash: nvcc: command not found"])
def test_nvcc_version_without_a_release_line_fails(text):
    with pytest.raises(tk.ToolkitError, match="release X.Y"):
        tk.parse_nvcc_version(text)


@pytest.mark.parametrize("target, number", [("sm_80", 80), ("sm_90", 90), ("sm_100", 100),
                                            ("sm_120", 120)])
def test_sm_numbers(target, number):
    assert tk.sm_number(target) == number


@pytest.mark.parametrize("target", ["9.0", "sm90", "compute_90", "sm_9", ""])
def test_targets_that_are_not_sm_names_are_refused(target):
    with pytest.raises(tk.ToolkitError, match="not an nvcc target"):
        tk.sm_number(target)


def test_the_compile_command_asks_for_sass_of_every_target():
    command = tk.nvcc_command("/opt/cuda/13.2/bin/nvcc", "p.cu", "p.o", ["sm_80", "sm_100"],
                              host_compiler="/usr/bin/g++-12")
    assert command == ["/opt/cuda/13.2/bin/nvcc", "-c", "p.cu", "-o", "p.o",
                       "-gencode", "arch=compute_80,code=sm_80",
                       "-gencode", "arch=compute_100,code=sm_100",
                       "-ccbin", "/usr/bin/g++-12"]


def test_a_real_nvcc_object_is_read_like_cuobjdump_reads_it():
    # nvcc 13.2.86 -gencode arch=compute_90,code=sm_90 -gencode arch=compute_80,code=[sm_80,
    # compute_80]; cuobjdump --list-elf --list-ptx lists sm_90 and sm_80 cubins and sm_80 PTX.
    with open(os.path.join(FIXTURES, "cuda13.2_sm80_sm90_ptx80.o"), "rb") as handle:
        found = tk.object_architectures(handle.read())
    assert found == {"elf": ["sm_80", "sm_90"], "ptx": ["sm_80"]}


def test_entries_of_several_fat_binaries_in_one_section_are_all_read():
    first = _fatbin([(2, 100, b"a" * 24)])
    second = _fatbin([(2, 120, b"b" * 8), (1, 120, b"c" * 8)])
    blob = _elf([(".text", b"\x90" * 8), (".nv_fatbin", first + b"\0" * 8 + second)])
    assert tk.object_architectures(blob) == {"elf": ["sm_100", "sm_120"], "ptx": ["sm_120"]}


def test_an_object_without_device_code_is_reported():
    with pytest.raises(tk.ToolkitError, match="no .nv_fatbin section"):
        tk.object_architectures(_elf([(".text", b"\x90" * 8)]))


def test_a_truncated_fat_binary_is_reported():
    fatbin = _fatbin([(2, 90, b"x" * 64)])[:-32]
    with pytest.raises(tk.ToolkitError, match="truncated"):
        tk.object_architectures(_elf([(".nv_fatbin", fatbin)]))


def test_a_file_that_is_not_elf_is_reported():
    with pytest.raises(tk.ToolkitError, match="not an ELF"):
        tk.object_architectures(b"MZ" + b"\0" * 100)


def _fake_toolkit(tmp_path):
    nvcc = tmp_path / "bin" / "nvcc"
    nvcc.parent.mkdir()
    nvcc.write_text("#!/bin/sh\n")
    nvcc.chmod(0o755)
    return str(tmp_path)


def test_check_reports_missing_architectures_and_cleans_up(tmp_path):
    home = _fake_toolkit(tmp_path)
    seen = {}

    def run(command, env):
        if command[1] == "--version":
            return 0, NVCC_13_2, ""
        output = command[command.index("-o") + 1]
        seen["dir"] = os.path.dirname(output)
        assert "gpulab_scale" in open(command[2]).read()
        with open(output, "wb") as handle:  # nvcc "forgot" sm_80
            handle.write(_elf([(".nv_fatbin", _fatbin([(2, 90, b"z" * 16)]))]))
        return 0, "", ""

    result = tk.check_toolkit(home, ["sm_90", "sm_80", "sm_90"], run=run)
    assert result["version"] == "13.2.86" and result["release"] == "13.2"
    assert result["requested"] == ["sm_80", "sm_90"]
    assert result["elf"] == ["sm_90"]
    assert result["missing"] == ["sm_80"]
    assert not os.path.exists(seen["dir"])


def test_check_fails_with_nvcc_output_when_the_compile_fails(tmp_path):
    home = _fake_toolkit(tmp_path)

    def run(command, env):
        if command[1] == "--version":
            return 0, NVCC_13_2, ""
        return 1, "", "nvcc fatal   : Unsupported gpu architecture 'compute_50'"

    with pytest.raises(tk.ToolkitError, match="Unsupported gpu architecture 'compute_50'"):
        tk.check_toolkit(home, ["sm_50"], run=run)


def test_check_fails_when_nvcc_is_absent(tmp_path):
    with pytest.raises(tk.ToolkitError, match="bin/nvcc is missing"):
        tk.check_toolkit(str(tmp_path), ["sm_90"])
