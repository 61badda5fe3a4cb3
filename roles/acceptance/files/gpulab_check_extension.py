# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acceptance check "extension": build and run what torch.utils.cpp_extension builds.

usage: gpulab_check_extension.py --build-dir DIR [--device cuda|cpu] [--no-cuda]

1. Looks for what the builds need first (the interpreter's Python.h, a C++ compiler, ninja;
   for CUDA: CUDA_HOME with bin/nvcc, include/cuda_runtime.h, lib64/libcudart.so, the last two
   also where the compiler and linker look by themselves, as Debian's toolkit has them, and
   TORCH_CUDA_ARCH_LIST) and says what is missing and how to fix it.
2. Builds a small C++ operator (load_inline) and checks its result against torch's.
3. Builds a CUDA kernel for TORCH_CUDA_ARCH_LIST (cpp_extension.load), reads the SASS
   architectures in the built library's fat binary (each listed architecture must be there);
   on a GPU it also runs the kernel and checks the result. Without a GPU the report says CPU.

Prints one JSON line {"name": "extension", "passed": ..., "device_kind": ..., "reasons": [...],
...}; exit code 0 passed, 1 failed. The pure functions (missing_tools, fatbin_architectures,
arch_targets, build_file_candidates) need no torch.
"""

import argparse
import json
import os
import shutil
import struct
import sys
import sysconfig
import time

CPP_OP = r"""
#include <torch/extension.h>
torch::Tensor gpulab_scaled_add(torch::Tensor a, torch::Tensor b, double alpha) {
  TORCH_CHECK(a.sizes() == b.sizes(), "a and b differ in shape");
  return a + b * alpha;
}
"""

CUDA_KERNEL = r"""
#include <cuda_runtime.h>
__global__ void gpulab_saxpy_kernel(int n, float a, const float *x, float *y) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) y[i] = a * x[i] + y[i];
}
extern "C" int gpulab_saxpy(int n, float a, const float *x, float *y) {
  gpulab_saxpy_kernel<<<(n + 255) / 256, 256>>>(n, a, x, y);
  return (int)cudaDeviceSynchronize();
}
"""

CUDA_BINDING = r"""
#include <torch/extension.h>
extern "C" int gpulab_saxpy(int n, float a, const float *x, float *y);
torch::Tensor saxpy(double a, torch::Tensor x, torch::Tensor y) {
  TORCH_CHECK(x.is_cuda() && y.is_cuda(), "saxpy needs CUDA tensors");
  auto out = y.contiguous().clone();
  auto xc = x.contiguous();
  int rc = gpulab_saxpy((int)out.numel(), (float)a, xc.data_ptr<float>(), out.data_ptr<float>());
  TORCH_CHECK(rc == 0, "the CUDA kernel failed with cudaError ", rc);
  return out;
}
PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) { m.def("saxpy", &saxpy); }
"""

FATBIN_MAGIC = 0xBA55ED50


# --- pure functions (unit-tested without torch) ---------------------------------------------

def arch_targets(arch_list):
    """TORCH_CUDA_ARCH_LIST "8.0;9.0+PTX" (or spaces) -> ["sm_80", "sm_90"] (SASS expected)."""
    targets = []
    for entry in arch_list.replace(";", " ").split():
        entry = entry.replace("+PTX", "")
        if not entry:
            continue
        major, _dot, minor = entry.partition(".")
        targets.append("sm_%s%s" % (major, minor or "0"))
    return targets


def missing_tools(python, python_h, cxx, ninja, cuda=None):
    """What the builds lack, each with its fix. ``cuda`` (for the CUDA build) is a dict with
    cuda_home, its found files ({"bin/nvcc": bool, ...}) and arch_list."""
    missing = []
    if not python_h:
        missing.append("Python.h not found for %s: install python3-dev (the venv's system "
                       "Python headers; conda environments carry their own)" % python)
    if not cxx:
        missing.append("no C++ compiler (c++) on PATH: install g++")
    if not ninja:
        missing.append("ninja not found in the environment or on PATH: install the ninja wheel "
                       "(the pytorch2 role does)")
    if cuda is not None:
        if not cuda.get("cuda_home"):
            missing.append("CUDA_HOME is not set and no nvcc is on PATH: set up a toolkit "
                           "(cuda_toolkit role) and log in again")
        else:
            for name, found in sorted(cuda.get("files", {}).items()):
                if not found:
                    missing.append("%s/%s is missing: CUDA_HOME is not a complete build prefix "
                                   "(re-run the cuda_toolkit role)" % (cuda["cuda_home"], name))
        if not cuda.get("arch_list"):
            missing.append("TORCH_CUDA_ARCH_LIST is not set: the pytorch2 role's activation "
                           "exports it (source the environment's activate)")
    return missing


def _elf_section(blob, wanted):
    if blob[:4] != b"\x7fELF" or blob[4] != 2 or blob[5] != 1:
        raise ValueError("not a 64-bit little-endian ELF file")
    shoff = struct.unpack_from("<Q", blob, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", blob, 0x3A)
    headers = [struct.unpack_from("<IIQQQQIIQQ", blob, shoff + i * shentsize)
               for i in range(shnum)]
    names = blob[headers[shstrndx][4]:headers[shstrndx][4] + headers[shstrndx][5]]
    for header in headers:
        end = names.find(b"\0", header[0])
        if names[header[0]:end] == wanted:
            return blob[header[4]:header[4] + header[5]]
    return None


def fatbin_architectures(blob):
    """SASS architectures (["sm_80", ...]) in a library's .nv_fatbin section.

    Same reading of nvcc's fat binary layout as the cuda_toolkit role's check
    (plugins/module_utils/_cuda_toolkit.py): 16-byte headers with magic 0xBA55ED50, entries
    with u16 kind (2 = ELF cubin), u32 header size, u64 payload size and the SM at offset 28.
    """
    data = _elf_section(blob, b".nv_fatbin")
    if data is None:
        raise ValueError("no .nv_fatbin section: no device code was built")
    archs, offset = set(), 0
    while offset + 16 <= len(data):
        magic, _version, header_size, size = struct.unpack_from("<IHHQ", data, offset)
        if magic != FATBIN_MAGIC:
            offset += 8
            continue
        position, end = offset + header_size, offset + header_size + size
        while position + 32 <= min(end, len(data)):
            kind, _ev, entry_header, payload = struct.unpack_from("<HHIQ", data, position)
            if entry_header < 32:
                break
            if kind == 2:
                archs.add("sm_%d" % struct.unpack_from("<I", data, position + 28)[0])
            position += entry_header + payload
        offset = end
    return sorted(archs, key=lambda a: int(a[3:]))


# --- the check ------------------------------------------------------------------------------

def build_file_candidates(home, name, multiarch=""):
    """Where the build finds ``name`` ("bin/nvcc", "include/cuda_runtime.h",
    "lib64/libcudart.so") for CUDA_HOME ``home``, in the order it looks: under CUDA_HOME first,
    then where the compiler and linker look by themselves. Debian's nvidia-cuda-toolkit keeps
    only bin/ under its CUDA_HOME (/usr/lib/nvidia-cuda-toolkit): its headers are in
    /usr/include and libcudart.so in the multiarch directory, which cpp_extension's builds
    find without -I or -L."""
    if name.startswith("include/"):
        return [os.path.join(home, name), os.path.join("/usr", name)]
    if name.startswith("lib64/"):
        base = name[len("lib64/"):]
        return ([os.path.join(home, "lib64", base), os.path.join(home, "lib", base)]
                + ([os.path.join("/usr/lib", multiarch, base)] if multiarch else [])
                + [os.path.join("/usr/lib64", base), os.path.join("/usr/lib", base)])
    return [os.path.join(home, name)]


def _cuda_layout():
    home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH")
    if not home and shutil.which("nvcc"):
        home = os.path.dirname(os.path.dirname(os.path.realpath(shutil.which("nvcc"))))
    files, found = {}, {}
    if home:
        multiarch = sysconfig.get_config_var("MULTIARCH") or ""
        for name in ("bin/nvcc", "include/cuda_runtime.h", "lib64/libcudart.so"):
            hits = [path for path in build_file_candidates(home, name, multiarch)
                    if os.path.exists(path)]
            files[name] = bool(hits)
            if hits:
                found[name] = hits[0]
    return {"cuda_home": home, "files": files, "found": found,
            "arch_list": os.environ.get("TORCH_CUDA_ARCH_LIST", "")}


def _ninja():
    local = os.path.join(os.path.dirname(sys.executable), "ninja")
    return local if os.access(local, os.X_OK) else shutil.which("ninja")


def _first_line(exc, limit=400):
    text = str(exc).strip()
    # A failed build's message ends with the compiler's output: keep the first error line.
    for line in text.splitlines():
        if "error" in line.lower():
            return line.strip()[:limit]
    return (text.splitlines() or [type(exc).__name__])[0][:limit]


def run(args):
    report = {"name": "extension", "passed": False, "reasons": [], "device_kind": "CPU",
              "cpp_op": None, "cuda_kernel": None}
    python_h = os.path.join(sysconfig.get_paths()["include"], "Python.h")
    tools = {"python": sys.executable, "python_h": python_h if os.path.isfile(python_h) else None,
             "cxx": shutil.which(os.environ.get("CXX") or "c++"), "ninja": _ninja()}
    cuda = None if args.no_cuda else _cuda_layout()
    cpu_only_note = None
    if cuda is not None and not cuda["cuda_home"] and not args.device.startswith("cuda"):
        # A CPU host without any CUDA toolkit (no cuda_toolkit layer): nothing to build CUDA
        # kernels with, and nothing to run them on. Said in the report, not a failure; a GPU
        # host without a toolkit still fails with the fix.
        cpu_only_note = "not built: no CUDA toolkit on this CPU host (CUDA_HOME unset, no nvcc)"
        cuda = None
    report["tools"] = dict(tools, cuda=cuda)
    missing = missing_tools(tools["python"], tools["python_h"], tools["cxx"], tools["ninja"])
    if missing:
        report["reasons"] = missing
        return report
    # What the CUDA build lacks does not stop the C++ operator: both are reported.
    cuda_missing = missing_tools(tools["python"], tools["python_h"], tools["cxx"], tools["ninja"],
                                 cuda) if cuda is not None else []
    if tools["ninja"] and os.path.dirname(tools["ninja"]) not in os.environ["PATH"].split(":"):
        os.environ["PATH"] = os.path.dirname(tools["ninja"]) + ":" + os.environ["PATH"]

    import torch
    try:
        from torch.utils import cpp_extension
    except ImportError as exc:  # torch 2.0-2.3 import pkg_resources.packaging (setuptools<70)
        report["reasons"].append(
            "torch %s's torch.utils.cpp_extension cannot be imported (%s): install setuptools<70 "
            "into the environment (the pytorch2 role's wheel set holds it for torch 2.0 to 2.3)"
            % (torch.__version__, exc))
        return report

    on_gpu = args.device.startswith("cuda") and torch.cuda.is_available()
    report["device_kind"] = "GPU" if on_gpu else "CPU"
    os.makedirs(args.build_dir, exist_ok=True)

    start = time.perf_counter()
    try:
        directory = os.path.join(args.build_dir, "cpp_op")
        os.makedirs(directory, exist_ok=True)
        module = cpp_extension.load_inline(
            name="gpulab_cpp_op", cpp_sources=[CPP_OP], functions=["gpulab_scaled_add"],
            build_directory=directory, verbose=False)
        a, b = torch.arange(6, dtype=torch.float32), torch.full((6,), 2.0)
        got = module.gpulab_scaled_add(a, b, 0.5)
        ok = torch.equal(got, a + b * 0.5)
        report["cpp_op"] = {"built": True, "ran": True, "correct": ok,
                            "seconds": round(time.perf_counter() - start, 2)}
        if not ok:
            report["reasons"].append("the C++ operator returned %s, expected %s"
                                     % (got.tolist(), (a + b * 0.5).tolist()))
    except Exception as exc:  # a build error: the compiler's first error line, with a fix
        report["cpp_op"] = {"built": False}
        report["reasons"].append("the C++ operator did not build: %s" % _first_line(exc))

    if cuda is None:
        if cpu_only_note:
            report["cuda_kernel"] = {"built": False, "skipped": True, "note": cpu_only_note}
        report["passed"] = not report["reasons"]
        return report
    if cuda_missing:
        report["cuda_kernel"] = {"built": False, "cuda_home": cuda["cuda_home"]}
        report["reasons"].extend(cuda_missing)
        report["passed"] = False
        return report
    start = time.perf_counter()
    expected = arch_targets(cuda["arch_list"])
    kernel = {"built": False, "arch_list": cuda["arch_list"], "cuda_home": cuda["cuda_home"],
              "expected_sass": expected}
    report["cuda_kernel"] = kernel
    try:
        directory = os.path.join(args.build_dir, "cuda_kernel")
        os.makedirs(directory, exist_ok=True)
        sources = []
        for name, text in (("gpulab_saxpy.cu", CUDA_KERNEL), ("gpulab_binding.cpp", CUDA_BINDING)):
            path = os.path.join(directory, name)
            with open(path, "w") as handle:
                handle.write(text)
            sources.append(path)
        module = cpp_extension.load(name="gpulab_cuda_op", sources=sources,
                                    build_directory=directory, verbose=False)
        kernel["built"] = True
        library = os.path.join(directory, "gpulab_cuda_op.so")
        with open(library, "rb") as handle:
            kernel["sass"] = fatbin_architectures(handle.read())
        lacking = [a for a in expected if a not in kernel["sass"]]
        if lacking:
            report["reasons"].append("the CUDA kernel lacks SASS for %s (has %s)"
                                     % (", ".join(lacking), ", ".join(kernel["sass"])))
        if on_gpu:
            x = torch.arange(1024, dtype=torch.float32, device="cuda")
            y = torch.ones(1024, device="cuda")
            got = module.saxpy(2.0, x, y)
            kernel["ran"] = True
            kernel["correct"] = bool(torch.equal(got, 2.0 * x + y))
            if not kernel["correct"]:
                report["reasons"].append("the CUDA kernel's result differs from torch's")
        else:
            kernel["ran"] = False
            kernel["note"] = "built only: no GPU (CPU host)"
    except Exception as exc:
        report["reasons"].append("the CUDA kernel did not build or run: %s" % _first_line(exc))
    kernel["seconds"] = round(time.perf_counter() - start, 2)
    report["passed"] = not report["reasons"]
    return report


def summary(report):
    """One line for the run summary: what was built, run and checked."""
    parts = []
    if report.get("cpp_op"):
        parts.append("C++ op %s" % ("built+ran" if report["cpp_op"].get("ran") else "failed"))
    kernel = report.get("cuda_kernel")
    if kernel and kernel.get("skipped"):
        parts.append("CUDA kernel not built: no CUDA toolkit")
    elif kernel:
        archs = "+".join(kernel.get("sass") or kernel.get("expected_sass") or [])
        parts.append("CUDA kernel %s%s" % (
            "built+ran" if kernel.get("ran") else "built" if kernel.get("built") else "failed",
            " for " + archs if archs else ""))
    return "%s (%s)" % (", ".join(parts) or "nothing built", report.get("device_kind", "CPU"))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--no-cuda", action="store_true", help="build the C++ operator only")
    args = parser.parse_args(argv)
    try:
        report = run(args)
    except Exception as exc:  # never a bare traceback: the report says what failed
        report = {"name": "extension", "passed": False, "device_kind": "CPU",
                  "reasons": ["the extension check failed: %s: %s"
                              % (type(exc).__name__, _first_line(exc))]}
    report["summary"] = summary(report)
    print(json.dumps(report, sort_keys=True), flush=True)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
