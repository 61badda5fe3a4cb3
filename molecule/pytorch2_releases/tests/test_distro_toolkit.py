"""Verify Debian's nvidia-cuda-toolkit (11.8) as the default toolkit of the torch 2.0.1 host
(PyPI's CUDA 11.7 build), without a GPU: installed, compiling for the architectures asked for,
and a CUDA kernel built with torch.utils.cpp_extension against it, both by the acceptance
check and by an unprivileged member of the environment's group in a login shell."""

import json

ENV = "/opt/miniforge3/envs/pytorch2"
CUDA_HOME = "/usr/lib/nvidia-cuda-toolkit"
CHECKS = "/usr/local/lib/gpulab/acceptance"
# Debian's toolkit is installed on this host only (molecule.yml's distro_toolkit group): the
# tests of this file run against it alone, through the scenario's inventory.
testinfra_hosts = ["ansible://gpulab-pytorch2_releases-1"]


def test_debian_ships_cuda_11_8(host):
    assert host.package("nvidia-cuda-toolkit").is_installed
    assert host.package("nvidia-cuda-toolkit").version.startswith("11.8.")


def test_the_default_link_and_the_login_shell_use_it(host):
    assert host.file("/usr/local/cuda").linked_to == CUDA_HOME
    out = host.check_output("bash -lc 'echo $CUDA_HOME; nvcc --version'")
    assert out.splitlines()[0] == CUDA_HOME
    assert "release 11.8" in out


def test_no_linker_configuration_is_added_for_the_distribution_libraries(host):
    assert not host.file("/etc/ld.so.conf.d/gpulab-cuda.conf").exists
    assert "libcudart.so.11.0" in host.check_output("ldconfig -p")


def test_it_compiles_for_the_architectures_asked_for(host):
    result = json.loads(host.file("/var/lib/gpulab/results/cuda_toolkit.json").content_string)
    assert result["archs_verified"] == ["sm_80", "sm_90"]
    assert result["archs_from"] == "cuda_toolkit_verify_archs"
    assert result["nvcc"]["11.8"].startswith("11.8.")
    assert "driver not checked" in result["summary"]


def _kernel_built_with_debians_toolkit(report):
    assert report["passed"], report["reasons"]
    assert report["device_kind"] == "CPU"
    kernel = report["cuda_kernel"]
    assert kernel["built"] and kernel["ran"] is False and kernel["cuda_home"] == CUDA_HOME
    assert kernel["sass"] == ["sm_80", "sm_90"]   # read from the built library's fat binary
    # Debian keeps the headers and libcudart.so where the compiler and linker look by themselves
    assert report["tools"]["cuda"]["found"] == {
        "bin/nvcc": CUDA_HOME + "/bin/nvcc",
        "include/cuda_runtime.h": "/usr/include/cuda_runtime.h",
        "lib64/libcudart.so": "/usr/lib/x86_64-linux-gnu/libcudart.so"}


def test_the_acceptance_check_built_the_cuda_kernel_with_it(host):
    last = json.loads(host.file("/var/lib/gpulab/acceptance/last.json").content_string)
    _kernel_built_with_debians_toolkit(last["checks"]["extension"])
    result = json.loads(host.file("/var/lib/gpulab/results/acceptance.json").content_string)
    assert "extension PASS (C++ op built+ran, CUDA kernel built for sm_80+sm_90 (CPU)" \
        in result["summary"]


def test_a_group_member_builds_the_cuda_kernel_with_it_in_a_login_shell(host):
    script = ("echo \"$CUDA_HOME|$TORCH_CUDA_ARCH_LIST\" && python %s/gpulab_check_extension.py "
              "--build-dir $(mktemp -d) --device cpu" % CHECKS)
    run = host.run("timeout -k 10 600 runuser -u gpulab-verify -- bash -lc '. %s/bin/activate && %s'"
                   % (ENV, script.replace("'", "'\\''")))
    lines = run.stdout.strip().splitlines()
    assert lines and lines[0] == CUDA_HOME + "|8.0;9.0", run.stdout + run.stderr
    report = json.loads(lines[-1])
    assert run.rc == 0, report["reasons"]
    _kernel_built_with_debians_toolkit(report)
