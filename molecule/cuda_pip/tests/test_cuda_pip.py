"""Verify CUDA toolkits and cuDNN from NVIDIA's PyPI wheels on simulated H100 and A100 hosts,
and that a simulated B200 host is refused in preflight with a fix and left untouched."""

import json
import os
import re
import sys

import pytest
import testinfra

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import ANSI, recap, run_playbook  # noqa: E402

# The wheel mirror container has its own tests (test_wheel_mirror.py).
testinfra_hosts = ["ansible://gpulab-cuda_pip-1", "ansible://gpulab-cuda_pip-2",
                   "ansible://gpulab-cuda_pip-3"]
CONVERGE = "molecule/cuda_pip/converge.yml"
H100, A100, B200 = "gpulab-cuda_pip-1", "gpulab-cuda_pip-2", "gpulab-cuda_pip-3"
ARCH = {H100: "sm_90", A100: "sm_80"}
NVCC = {"13.0": "V13.0.88", "13.2": "V13.2.86"}
CUDNN_HOME = "/opt/cudnn/9.28.1.4-cuda13"
TASK = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(?P<name>.*)\] \*+$")
SWITCH_TASKS = {
    "gpulab.pytorch_stack.cuda_toolkit : Point /usr/local/cuda at the default toolkit",
    "gpulab.pytorch_stack.cuda_toolkit : Set CUDA_HOME, PATH and LD_LIBRARY_PATH for login shells",
    "gpulab.pytorch_stack.cuda_toolkit : Tell the dynamic linker where the default toolkit's "
    "libraries are",
    "gpulab.pytorch_stack.cuda_toolkit : Rebuild the dynamic linker cache",
    "gpulab.pytorch_stack.internal : Write the layer's result on the host: cuda_toolkit",
    "gpulab.pytorch_stack.internal : Forget the recorded state until every step of this run "
    "has passed: cuda_toolkit",
    "gpulab.pytorch_stack.internal : Record the state this full run left, for the next run "
    "to compare with: cuda_toolkit",
}


def _converge(*extra):
    return run_playbook(CONVERGE, *extra, timeout=900)


def _changed_tasks(stdout):
    """{task name: set of hosts it changed} from the default callback's output."""
    changed, task = {}, None
    for line in ANSI.sub("", stdout).splitlines():
        match = TASK.match(line)
        if match:
            task = match.group("name")
        elif line.startswith("changed: [") and task:
            changed.setdefault(task, set()).add(line[len("changed: ["):].split("]")[0])
    return changed


def _name(host):
    return host.backend.get_hostname()


def _host(name):
    """One of the scenario's hosts, for tests that exercise a single host once."""
    return testinfra.get_host("ansible://" + name,
                              ansible_inventory=os.environ["MOLECULE_INVENTORY_FILE"])


# ---- runs that must fail in preflight (first: the B200 host must still be untouched after) ---

def test_a_toolkit_that_cannot_target_blackwell_is_refused_with_the_fix():
    # CUDA 12.6 from NVIDIA's repository: the driver (580) would run it, but 12.6 cannot
    # compile for compute capability 10.0 (first toolkit: 12.8).
    run = _converge("-e", json.dumps({
        "gpulab_hosts": "blackwell_hosts", "cuda_toolkit_source": "cuda_repo",
        "cuda_toolkit_versions": ["12.6"], "cuda_toolkit_default": "12.6"}))
    assert run.returncode != 0
    assert f"{B200}: CUDA 12.6 cannot compile for sm_100" in run.stdout
    assert "Fix: use a CUDA release that targets sm_100" in run.stdout
    assert recap(run.stdout)[B200]["changed"] == 0, run.stdout


def test_pip_refuses_a_cuda_12_toolkit_because_its_wheels_have_no_nvcc():
    run = _converge("-e", json.dumps({
        "gpulab_hosts": "blackwell_hosts", "cuda_toolkit_versions": ["12.8"],
        "cuda_toolkit_default": "12.8"}))
    assert run.returncode != 0
    assert f"{B200}: the pip source cannot provide CUDA 12.8" in run.stdout
    assert "ship no nvcc compiler driver" in run.stdout
    assert recap(run.stdout)[B200]["changed"] == 0


def test_the_loaded_driver_of_the_h100_host_is_too_old_for_cuda_13():
    run = _converge("-l", H100, "-e", json.dumps({"cuda_toolkit_driver_version": ""}))
    assert run.returncode != 0
    assert (f"{H100}: driver 570.133.20 (from loaded driver (NVML)) does not support CUDA 13.0, "
            "which needs a driver >= 580.65.06") in run.stdout
    assert "Fix: upgrade the driver" in run.stdout
    assert recap(run.stdout)[H100]["changed"] == 0


def test_a_cudnn_build_for_another_cuda_major_is_refused_before_it_is_installed():
    run = _converge("-l", A100, "-e", json.dumps({"cudnn_cuda_major": "12",
                                                 "cudnn_version": "9.28.0.42"}))
    assert run.returncode != 0
    assert (f"{A100}: cuDNN 9.28.0.42 for CUDA 12 does not match the default toolkit "
            "(CUDA 13.2)") in run.stdout
    assert "Fix: set cudnn_cuda_major to 13" in run.stdout
    assert recap(run.stdout)[A100]["changed"] == 0


def test_switching_the_default_moves_the_link_and_the_environment_and_nothing_else():
    host = _host(H100)
    away = _converge("-l", H100, "-e", json.dumps({"cuda_toolkit_default": "13.0"}))
    assert away.returncode == 0, away.stdout + away.stderr
    assert set(_changed_tasks(away.stdout)) == SWITCH_TASKS, _changed_tasks(away.stdout)
    assert host.file("/usr/local/cuda").linked_to == "/opt/cuda/13.0"
    login = host.run("bash -lc 'nvcc --version'")
    assert NVCC["13.0"] in login.stdout
    back = _converge("-l", H100)
    assert back.returncode == 0, back.stdout + back.stderr
    assert set(_changed_tasks(back.stdout)) == SWITCH_TASKS, _changed_tasks(back.stdout)
    assert host.file("/usr/local/cuda").linked_to == "/opt/cuda/13.2"


def test_a_converged_host_only_compares_and_a_drifted_one_is_repaired():
    host = _host(A100)
    quiet = _converge("-l", A100)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert recap(quiet.stdout)[A100]["changed"] == 0
    words = " ".join(ANSI.sub("", quiet.stdout).split())
    assert "Ask every toolkit its version and compile" not in words  # no step walked
    assert "Say why the layer runs every step: cuda_toolkit" not in words
    assert "Say why the layer runs every step: cudnn" not in words
    reused = re.findall(r"Reuse the recorded result \(nothing differs\): (?:cuda_toolkit|cudnn)\] "
                        r"\*+ [^*]*?\*+ (\w+): ", words)
    assert reused == ["ok", "ok"], reused   # the toolkit's and cuDNN's recorded results

    host.run_expect([0], "rm /usr/local/cuda && "
                         "echo '# edited by hand' >> /etc/profile.d/gpulab-cuda.sh")
    repair = _converge("-l", A100)
    assert repair.returncode == 0, repair.stdout + repair.stderr
    words = " ".join(ANSI.sub("", repair.stdout).split())
    assert "/usr/local/cuda is gone (was a link)" in words
    assert "/etc/profile.d/gpulab-cuda.sh changed (sha256)" in words
    # The record is dropped while the steps run (a failed run leaves none) and written again.
    assert set(_changed_tasks(repair.stdout)) == {
        "gpulab.pytorch_stack.cuda_toolkit : Point /usr/local/cuda at the default toolkit",
        "gpulab.pytorch_stack.cuda_toolkit : Set CUDA_HOME, PATH and LD_LIBRARY_PATH for login "
        "shells",
        "gpulab.pytorch_stack.internal : Forget the recorded state until every step of this run "
        "has passed: cuda_toolkit",
        "gpulab.pytorch_stack.internal : Record the state this full run left, for the next run "
        "to compare with: cuda_toolkit"}, _changed_tasks(repair.stdout)
    assert "Ask every toolkit its version and compile" in words   # verified again
    assert host.file("/usr/local/cuda").linked_to == "/opt/cuda/13.2"
    assert "edited by hand" not in host.file("/etc/profile.d/gpulab-cuda.sh").content_string
    assert recap(_converge("-l", A100).stdout)[A100]["changed"] == 0


def test_a_deleted_nvcc_and_a_deleted_libcudnn_are_reinstalled_by_the_run_that_sees_them():
    # The prefixes still record the pinned wheel sets; the layer comparison sees the files gone,
    # and that run reinstalls the wheels (not only reports them), verifies, and the next run
    # changes nothing.
    host = _host(A100)
    nvcc, libcudnn = "/opt/cuda/13.2/bin/nvcc", CUDNN_HOME + "/lib/libcudnn.so.9"
    assert host.file(nvcc).exists and host.file(libcudnn).exists
    host.run_expect([0], "rm %s %s" % (nvcc, libcudnn))
    repair = _converge("-l", A100)
    assert repair.returncode == 0, repair.stdout[-4000:] + repair.stderr
    words = " ".join(ANSI.sub("", repair.stdout).split())
    assert "%s is gone (was a file)" % nvcc in words
    assert "%s is gone (was a file)" % libcudnn in words
    reinstalls = [line for line in ANSI.sub("", repair.stdout).splitlines()
                  if line.startswith("TASK [gpulab.pytorch_stack.internal : Install the wheels "
                                     "offline, checking every sha256]")]
    assert len(reinstalls) == 2, reinstalls           # the 13.2 toolkit's set and cuDNN's
    assert "Ask every toolkit its version and compile" in words   # verified again
    assert host.file(nvcc).exists and host.file(libcudnn).exists
    assert NVCC["13.2"] in host.run_expect([0], nvcc + " --version").stdout
    assert recap(_converge("-l", A100).stdout)[A100]["changed"] == 0


# ---- the state converge left behind ----------------------------------------------------------

def test_the_blackwell_host_was_left_untouched(host):
    if _name(host) != B200:
        pytest.skip("only the B200 host is refused")
    for path in ("/opt/cuda", "/opt/cudnn", "/usr/local/cuda", "/etc/profile.d/gpulab-cuda.sh",
                 "/etc/ld.so.conf.d/gpulab-cuda.conf", "/var/lib/gpulab/results"):
        assert not host.file(path).exists, path


@pytest.fixture()
def gpu_host(host):
    if _name(host) not in ARCH:
        pytest.skip("nothing is installed on the B200 host")
    return host


@pytest.mark.parametrize("version", sorted(NVCC))
def test_both_toolkits_are_installed_side_by_side(gpu_host, version):
    out = gpu_host.check_output(f"/opt/cuda/{version}/bin/nvcc --version")
    assert f"release {version}, {NVCC[version]}" in out
    for part in ("bin/nvcc", "include/cuda_runtime.h", "lib64/libcudart.so.13",
                 "nvvm/libdevice/libdevice.10.bc"):
        assert gpu_host.file(f"/opt/cuda/{version}/{part}").exists, part


def test_the_default_toolkit_compiles_for_this_hosts_gpus(gpu_host):
    arch = ARCH[_name(gpu_host)]
    number = arch[3:]
    cmd = gpu_host.run(
        "set -e; d=$(mktemp -d); cd $d; "
        "printf '__global__ void k(float *x) { x[threadIdx.x] += 1.0f; }\\n' > k.cu; "
        f"bash -lc 'nvcc -gencode arch=compute_{number},code={arch} -c k.cu -o k.o'; "
        "/usr/local/cuda/bin/cuobjdump --list-elf k.o; rm -rf $d")
    assert cmd.rc == 0, cmd.stderr
    assert f".{arch}.cubin" in cmd.stdout


def test_a_login_shell_gets_the_default_toolkit(gpu_host):
    out = gpu_host.check_output("bash -lc 'echo $CUDA_HOME; command -v nvcc; echo $LD_LIBRARY_PATH'")
    home, nvcc, ld_path = out.splitlines()
    assert home == "/opt/cuda/13.2"
    assert nvcc == "/opt/cuda/13.2/bin/nvcc"
    assert "/opt/cuda/13.2/lib64" in ld_path.split(":")
    assert gpu_host.file("/usr/local/cuda").linked_to == "/opt/cuda/13.2"


def test_the_linker_finds_cudart_and_cudnn_without_ld_library_path(gpu_host):
    cache = gpu_host.check_output("ldconfig -p")
    assert "libcudart.so.13 (libc6,x86-64) => /opt/cuda/13.2/lib64/libcudart.so.13" in cache
    assert f"libcudnn.so.9 (libc6,x86-64) => {CUDNN_HOME}/lib/libcudnn.so.9" in cache


def test_cudnn_reports_its_version_without_a_gpu(gpu_host):
    out = gpu_host.check_output(
        "env -u LD_LIBRARY_PATH python3 -c \"import ctypes; l = ctypes.CDLL('libcudnn.so.9'); "
        "l.cudnnGetVersion.restype = ctypes.c_size_t; print(l.cudnnGetVersion())\"")
    assert out.strip() == "92801"
    header = gpu_host.file(f"{CUDNN_HOME}/include/cudnn_version.h").content_string
    assert "#define CUDNN_MINOR 28" in header


def test_the_prefixes_are_root_owned_and_not_world_writable(gpu_host):
    for prefix in ("/opt/cuda/13.0", "/opt/cuda/13.2", CUDNN_HOME):
        assert gpu_host.file(prefix).user == "root"
        writable = gpu_host.check_output(f"find {prefix}/ -perm -o+w ! -type l")
        assert writable == "", writable


def test_a_user_other_than_root_reaches_the_toolkit_and_cudnn(gpu_host):
    """The prefixes' parents are open (0755): a lab user builds against nvcc, the headers and
    the libraries. (The 0700 staging directory once gave /opt/cuda its own mode.)"""
    for parent in ("/opt/cuda", os.path.dirname(CUDNN_HOME)):
        assert gpu_host.file(parent).mode == 0o755, parent
    cmd = gpu_host.run("runuser -u nobody -- sh -c '/opt/cuda/13.2/bin/nvcc --version && "
                       "test -r /opt/cuda/13.2/include/cuda_runtime.h && "
                       "test -r %s/lib/libcudnn.so.9'" % CUDNN_HOME)
    assert cmd.rc == 0, cmd.stdout + cmd.stderr


def test_the_results_say_what_was_verified(gpu_host):
    toolkit = json.loads(gpu_host.file("/var/lib/gpulab/results/cuda_toolkit.json").content_string)
    assert toolkit["nvcc"] == {"13.0": "13.0.88", "13.2": "13.2.86"}
    # The architectures come from the host's GPUs (gpu_facts over the NVML double), not from
    # cuda_toolkit_verify_archs (sm_80 + sm_90 on every host).
    assert toolkit["archs_verified"] == [ARCH[_name(gpu_host)]]
    assert toolkit["archs_from"].startswith("gpu_facts (NVIDIA ")
    assert toolkit["default"] == "13.2" and toolkit["driver"] == "595.45.04"
    assert "container: userspace only" in toolkit["summary"]
    cudnn = json.loads(gpu_host.file("/var/lib/gpulab/results/cudnn.json").content_string)
    assert cudnn["library_version"] == "9.28.1" and cudnn["header_version"] == "9.28.1"
    assert cudnn["cuda_build"].startswith("13.")
    # The file the linker loaded, symlinks resolved: inside the versioned prefix.
    assert cudnn["library_path"] == f"{CUDNN_HOME}/wheels/nvidia/cudnn/lib/libcudnn.so.9"
