# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the cuDNN version readers."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _cudnn

# The defines of cudnn_version.h as nvidia-cudnn-cu13 9.28.1.4 ships it.
HEADER_9_28_1 = """#ifndef CUDNN_VERSION_H_
#define CUDNN_VERSION_H_

#define CUDNN_MAJOR 9
#define CUDNN_MINOR 28
#define CUDNN_PATCHLEVEL 1

#define CUDNN_VERSION (CUDNN_MAJOR * 10000 + CUDNN_MINOR * 100 + CUDNN_PATCHLEVEL)
#define CUDNN_MAX_SM_MAJOR_NUMBER 12
#endif
"""


def test_header_version():
    assert _cudnn.parse_version_header(HEADER_9_28_1) == "9.28.1"


def test_header_without_patchlevel_fails():
    with pytest.raises(_cudnn.CudnnError, match="CUDNN_PATCHLEVEL"):
        _cudnn.parse_version_header(HEADER_9_28_1.replace("CUDNN_PATCHLEVEL 1", ""))


@pytest.mark.parametrize("number, version", [(92801, "9.28.1"), (90100, "9.1.0"),
                                             (8907, "8.9.7"), (8600, "8.6.0")])
def test_library_versions_decode(number, version):
    assert _cudnn.decode_version(number) == version


@pytest.mark.parametrize("number, version", [(13050, "13.5"), (12080, "12.8"), (11080, "11.8")])
def test_cudart_versions_decode(number, version):
    assert _cudnn.decode_cudart_version(number) == version


class _Function(object):
    def __init__(self, value):
        self.value = value

    def __call__(self):
        return self.value


class _Library(object):
    cudnnGetVersion = _Function(92801)
    cudnnGetCudartVersion = _Function(13050)


def test_library_is_asked_through_the_loader():
    asked = []

    def loader(name):
        asked.append(name)
        return _Library()

    assert _cudnn.library_versions("libcudnn.so.9", loader) == {"version": "9.28.1",
                                                                "cuda_build": "13.5"}
    assert asked == ["libcudnn.so.9"]


def test_a_library_the_linker_cannot_find_says_how_to_fix_it():
    def loader(name):
        raise OSError("libcudnn.so.9: cannot open shared object file")

    with pytest.raises(_cudnn.CudnnError, match="ld.so.conf.d"):
        _cudnn.library_versions("libcudnn.so.9", loader)


def test_loaded_path_is_read_from_the_maps(tmp_path):
    maps = tmp_path / "maps"
    maps.write_text(
        "7f00-7f01 r--p 00000000 08:01 123 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
        "7f02-7f03 r-xp 00001000 08:01 456 /opt/cudnn/9.28.1.4-cuda13/lib/libcudnn.so.9\n"
        "7f04-7f05 rw-p 00000000 00:00 0\n")
    assert _cudnn.loaded_path("libcudnn.so.9", str(maps)) == \
        "/opt/cudnn/9.28.1.4-cuda13/lib/libcudnn.so.9"
    assert _cudnn.loaded_path("libcudnn.so.8", str(maps)) is None
