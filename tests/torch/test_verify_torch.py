# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The pytorch2 role's verify script with torch.cuda patched to fail where a GPU host can:
it always prints one JSON object (the role parses it with from_json) and exits 0."""

import importlib.util
import io
import json
from pathlib import Path

import torch

SCRIPT = Path(__file__).resolve().parents[2] / "roles" / "pytorch2" / "files" / \
    "gpulab_verify_torch.py"


def load():
    spec = importlib.util.spec_from_file_location("gpulab_verify_torch", str(SCRIPT))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def printed(monkeypatch, module):
    out = io.StringIO()
    monkeypatch.setattr(module.sys, "stdout", out)
    assert module.main() == 0
    return json.loads(out.getvalue())


def fail(message):
    def raiser(*args, **kwargs):
        raise RuntimeError(message)
    return raiser


def test_cuda_initialisation_failing_is_reported_not_raised(monkeypatch):
    module = load()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count",
                        fail("CUDA driver initialization failed, you might not have a CUDA gpu."))
    report = printed(monkeypatch, module)
    assert report["cuda_available"] is False and report["device_count"] == 0
    assert report["cuda_error"].startswith("RuntimeError: CUDA driver initialization failed")


def test_a_device_that_cannot_be_queried_is_a_device_error(monkeypatch):
    module = load()
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(torch.cuda, "get_device_name", lambda index: "Fake H100")

    def capability(index):
        if index == 1:
            raise RuntimeError("CUDA error: all CUDA-capable devices are busy or unavailable")
        return (9, 0)

    monkeypatch.setattr(torch.cuda, "get_device_capability", capability)
    report = printed(monkeypatch, module)
    assert report["devices"] == [{"index": 0, "name": "Fake H100", "capability": "9.0"}]
    assert report["device_errors"] == {
        "1": "RuntimeError: CUDA error: all CUDA-capable devices are busy or unavailable"}


def test_cudnn_that_cannot_load_is_reported(monkeypatch):
    module = load()
    monkeypatch.setattr(torch.backends.cudnn, "is_available", lambda: True)
    monkeypatch.setattr(torch.backends.cudnn, "version",
                        fail("libcudnn.so.9: cannot open shared object file"))
    report = printed(monkeypatch, module)
    assert report["cudnn"] is None
    assert report["cudnn_error"] == "RuntimeError: libcudnn.so.9: cannot open shared object file"


def test_anything_else_still_ends_in_a_report(monkeypatch):
    module = load()
    monkeypatch.setattr(module, "collect", fail("unexpected"))
    assert printed(monkeypatch, module) == {
        "error": "the verify script failed: RuntimeError: unexpected"}
