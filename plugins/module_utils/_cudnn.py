# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Which cuDNN is installed: read from ``cudnn_version.h`` and from the library itself.

``cudnnGetVersion()`` and ``cudnnGetCudartVersion()`` return constants compiled into
``libcudnn.so``; they need no GPU and no driver. Loading the library by its soname (no path)
proves the dynamic linker finds it through ``/etc/ld.so.conf.d`` and ``ldconfig``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import re


class CudnnError(Exception):
    """cuDNN is missing or not what its files say."""


def parse_version_header(text):
    """The text of ``cudnn_version.h`` -> ``"9.28.1"``."""
    parts = []
    for name in ("CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"):
        match = re.search(r"^\s*#\s*define\s+%s\s+(\d+)\s*$" % name, text or "", re.M)
        if not match:
            raise CudnnError("cudnn_version.h has no '#define %s <number>' line" % name)
        parts.append(match.group(1))
    return ".".join(parts)


def decode_version(number):
    """``cudnnGetVersion()`` -> ``"major.minor.patch"``.

    cuDNN 9 encodes ``major*10000 + minor*100 + patch`` (9.28.1 -> 92801); cuDNN 8 and older
    ``major*1000 + minor*100 + patch`` (8.9.7 -> 8907)."""
    number = int(number)
    if number <= 0:
        raise CudnnError("cudnnGetVersion() returned %d" % number)
    if number >= 90000:
        return "%d.%d.%d" % (number // 10000, (number % 10000) // 100, number % 100)
    return "%d.%d.%d" % (number // 1000, (number % 1000) // 100, number % 100)


def decode_cudart_version(number):
    """``cudnnGetCudartVersion()`` (``13000``) -> ``"13.0"``, the CUDA it was built for."""
    number = int(number)
    if number <= 0:
        raise CudnnError("cudnnGetCudartVersion() returned %d" % number)
    return "%d.%d" % (number // 1000, (number % 1000) // 10)


def library_versions(soname, loader=ctypes.CDLL):
    """Load ``soname`` through the dynamic linker and ask it its version and CUDA build."""
    try:
        library = loader(soname)
    except OSError as exc:
        raise CudnnError("the dynamic linker cannot load %s: %s (is its directory in "
                         "/etc/ld.so.conf.d and was ldconfig run?)" % (soname, exc))
    get_version = library.cudnnGetVersion
    get_version.restype = ctypes.c_size_t
    get_version.argtypes = []
    get_cudart = library.cudnnGetCudartVersion
    get_cudart.restype = ctypes.c_size_t
    get_cudart.argtypes = []
    return {"version": decode_version(get_version()),
            "cuda_build": decode_cudart_version(get_cudart())}


def loaded_path(soname, maps="/proc/self/maps"):
    """The file the dynamic linker loaded for ``soname`` in this process, or None."""
    try:
        with open(maps) as handle:
            for line in handle:
                path = line.split(None, 5)[-1].strip() if len(line.split(None, 5)) == 6 else ""
                if path.rsplit("/", 1)[-1] == soname:
                    return path
    except (IOError, OSError):
        return None
    return None
