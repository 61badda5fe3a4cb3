"""Verify Debian's nvidia-cuda-toolkit as the default toolkit on a host without a GPU."""

import json


def test_debian_ships_cuda_11_8(host):
    assert host.package("nvidia-cuda-toolkit").is_installed
    assert host.package("nvidia-cuda-toolkit").version.startswith("11.8.")


def test_the_default_link_and_the_login_shell_use_it(host):
    assert host.file("/usr/local/cuda").linked_to == "/usr/lib/nvidia-cuda-toolkit"
    out = host.check_output("bash -lc 'echo $CUDA_HOME; nvcc --version'")
    assert out.splitlines()[0] == "/usr/lib/nvidia-cuda-toolkit"
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
