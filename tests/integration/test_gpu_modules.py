# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""gpu_facts and gpu_info run the way Ansible runs them: ansible-playbook, connection local, the
real nvidia-ml-py binding, the NVML test double with each profile, fake sysfs trees.

Every scenario is one ansible-playbook process (nvidia-ml-py keeps the library it loaded, so a
profile needs a fresh process); they run concurrently once per module and the tests read what a
user would see in the JSON results.
"""

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

PLAYBOOK = """
- name: GPU modules
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: facts
      gpulab.pytorch_stack.gpu_facts:
        sysfs_root: "{{ sysfs }}"
      register: facts
    - name: facts_check_mode
      gpulab.pytorch_stack.gpu_facts:
        sysfs_root: "{{ sysfs }}"
      check_mode: true
    - name: info
      gpulab.pytorch_stack.gpu_info:
        sysfs_root: "{{ sysfs }}"
    - name: require_gpu
      gpulab.pytorch_stack.gpu_info:
        sysfs_root: "{{ sysfs }}"
        require_gpu: true
      ignore_errors: true
"""

GATHER_PLAYBOOK = """
- name: Plain fact gathering, gpu_facts listed in ANSIBLE_FACTS_MODULES
  hosts: localhost
  connection: local
  gather_facts: true
  # As gpu_facts' notes advise: in the default parallel mode ansible-core runs setup as an async
  # job with a 0 time limit, which its async_wrapper kills after its first 5 s poll ("Timeout
  # exceeded"); setup took longer than that on this loaded 2-core machine under ansible-core 2.21.
  vars:
    ansible_facts_parallel: false
  module_defaults:
    gpulab.pytorch_stack.gpu_facts:
      sysfs_root: "{{ sysfs }}"
  tasks:
    - name: show
      ansible.builtin.debug:
        msg: "{{ ansible_facts.gpu.count }} {{ ansible_facts.gpu.torch_cuda_arch_list }}"
"""

A100 = "0x20b2"
H100 = "0x2330"

# scenario: (profile or None for "no library", GPUs on the PCI bus, kernel module version)
SCENARIOS = {
    "driver_not_loaded": ("driver_not_loaded", A100, None),
    "driver_library_mismatch": ("driver_library_mismatch", A100, "535.216.03"),
    "no_permission": ("no_permission", None, None),
    "zero_gpus": ("zero_gpus", None, "580.95.05"),
    "h100_x1": ("h100_x1", None, "570.133.20"),
    "h100_x8": ("h100_x8", None, "580.95.05"),
    "a100_x8": ("a100_x8", A100, "535.261.03"),
    "a100_x4": ("a100_x4", None, "550.163.01"),
    "b200_x1": ("b200_x1", None, "580.95.05"),
    "mixed": ("mixed", None, "580.95.05"),
    "a100_mig": ("a100_mig", None, "580.95.05"),
    "lost_gpu": ("lost_gpu", None, "580.95.05"),
    "no_library": (None, H100, None),
    "no_binding": ("a100_x8", None, None),
    # HGX H100 with its four gen-3 NVSwitches on the bus (tests/conftest.py nvswitches)
    "hgx_fabric_completed": ("hgx_h100_x8_fabric_completed", H100, "580.95.05"),
    "hgx_fabric_not_started": ("hgx_h100_x8_fabric_not_started", H100, "580.95.05"),
}
HGX_SCENARIOS = ("hgx_fabric_completed", "hgx_fabric_not_started")

# count, compute_capabilities, torch_cuda_arch_list, sm_targets, models
EXPECTED_OK = {
    "zero_gpus": (0, [], None, [], []),
    "h100_x1": (1, ["9.0"], "9.0", ["sm_90"], ["NVIDIA H100 80GB HBM3"]),
    "h100_x8": (8, ["9.0"], "9.0", ["sm_90"], ["NVIDIA H100 80GB HBM3"]),
    "a100_x8": (8, ["8.0"], "8.0", ["sm_80"], ["NVIDIA A100-SXM4-80GB"]),
    "a100_x4": (4, ["8.0"], "8.0", ["sm_80"], ["NVIDIA A100-SXM4-40GB"]),
    "b200_x1": (1, ["10.0"], "10.0", ["sm_100"], ["NVIDIA B200"]),
    "mixed": (2, ["6.1", "10.0"], "6.1;10.0", ["sm_61", "sm_100"], ["NVIDIA B200", "Tesla P4"]),
}

STATES = {
    "a100_mig": "ok",
    "lost_gpu": "ok",
    "driver_not_loaded": "driver_not_loaded",
    "driver_library_mismatch": "driver_library_mismatch",
    "no_permission": "no_permission",
    "no_library": "library_not_found",
    "no_binding": "library_not_found",
}
STATES.update((name, "ok") for name in EXPECTED_OK)
STATES.update((name, "ok") for name in HGX_SCENARIOS)

# what require_gpu=true says for each scenario without a usable GPU
REQUIRE_GPU_MESSAGES = {
    "driver_not_loaded": ["NVML state is 'driver_not_loaded'", "modprobe nvidia",
                          "The PCI bus shows 8 NVIDIA GPUs (NVIDIA A100-SXM4-80GB"],
    "driver_library_mismatch": ["NVML state is 'driver_library_mismatch'",
                                "loaded nvidia kernel module, version 535.216.03",
                                "reboot the host", "modprobe nvidia"],
    "no_permission": ["NVML state is 'no_permission'", "become: true"],
    "zero_gpus": ["NVML works (driver 580.95.05) but reports no GPU", "NVIDIA_VISIBLE_DEVICES"],
    "no_library": ["NVML state is 'library_not_found'", "libnvidia-ml.so.1 could not be loaded",
                   "Install the NVIDIA driver", "The PCI bus shows 8 NVIDIA GPUs"],
    "no_binding": ["Failed to import the required Python library (nvidia-ml-py)"],
}


@pytest.fixture(scope="module")
def ansible(ansible_bin, collections_root, workdir):
    """``ansible(playbook, env, sysfs)`` -> {task name: result} from ansible-playbook run with
    this checkout's collections, JSON output, no caches and no callbacks from the project's
    ansible.cfg, and ``env`` (from ``nvml_env``) on top of that."""
    config = os.path.join(workdir, "ansible.cfg")
    with open(config, "w") as handle:
        handle.write("[defaults]\ncollections_path = %s\ninterpreter_python = %s\n"
                     "retry_files_enabled = false\ndeprecation_warnings = false\n"
                     "local_tmp = %s\n" % (collections_root, sys.executable,
                                           os.path.join(workdir, "tmp")))
    command = ansible_bin("ansible-playbook")

    def play(playbook, env, sysfs):
        env = dict(env, ANSIBLE_CONFIG=config, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
                   ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_NOCOLOR="1",
                   ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_LOCALHOST_WARNING="0",
                   ANSIBLE_PIPELINING="1")
        done = subprocess.run([command, "-i", "localhost,", playbook, "-e", "sysfs=%s" % sysfs],
                              env=env, capture_output=True, text=True, cwd=REPO, timeout=300,
                              check=False)
        assert done.stdout.startswith("{"), done.stdout + done.stderr
        tasks = json.loads(done.stdout)["plays"][0]["tasks"]
        return {t["task"]["name"]: t["hosts"]["localhost"] for t in tasks}
    return play


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("ansible"))


@pytest.fixture(scope="module")
def runs(nvml_env, session_sysfs, workdir, tmp_path_factory, ansible, nvswitches):
    """{scenario: {task name: result}} for every scenario, run concurrently."""
    playbook = os.path.join(workdir, "gpu.yml")
    with open(playbook, "w") as handle:
        handle.write(PLAYBOOK)
    shadow = tmp_path_factory.mktemp("shadow")
    (shadow / "pynvml.py").write_text("raise ImportError('No module named pynvml')\n")

    def run(name):
        profile, device_id, kernel_module = SCENARIOS[name]
        devices = []
        if device_id:
            devices = [("0000:%02x:00.0" % bus, "0x10de", device_id, "0x030200", None)
                       for bus in (0x07, 0x0f, 0x47, 0x4e, 0x87, 0x90, 0xb7, 0xbd)]
        if name in HGX_SCENARIOS:
            devices += nvswitches()
        sysfs = session_sysfs(devices, kernel_module, name="sys-" + name)
        env = nvml_env(profile)
        if name == "no_binding":
            env["PYTHONPATH"] = "%s:%s" % (shadow, env["PYTHONPATH"])
        return name, ansible(playbook, env, sysfs)

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, sorted(SCENARIOS)))


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_state_and_read_only(runs, scenario):
    results = runs[scenario]
    gpu = results["facts"]["ansible_facts"]["gpu"]
    assert gpu["state"] == STATES[scenario]
    assert results["info"]["nvml"]["state"] == STATES[scenario]
    assert gpu["message"] == results["info"]["nvml"]["message"]
    assert [results[t]["changed"] for t in ("facts", "facts_check_mode", "info")] == [False] * 3
    assert not results["facts"].get("failed") and not results["info"].get("failed")
    assert list(results["facts"]["ansible_facts"]) == ["gpu"]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_check_mode_reports_the_same(runs, scenario):
    results = runs[scenario]
    assert results["facts_check_mode"]["ansible_facts"] == results["facts"]["ansible_facts"]


@pytest.mark.parametrize("scenario", sorted(EXPECTED_OK))
def test_ok_profiles(runs, scenario):
    count, capabilities, arch_list, sm, models = EXPECTED_OK[scenario]
    results = runs[scenario]
    gpu = results["facts"]["ansible_facts"]["gpu"]
    assert gpu["count"] == count == len(gpu["devices"]) == len(results["info"]["gpus"])
    assert gpu["compute_capabilities"] == capabilities
    assert gpu["torch_cuda_arch_list"] == arch_list
    assert gpu["sm_targets"] == sm
    assert gpu["models"] == models
    assert gpu["capabilities_source"] == ("nvml" if count else "none")
    assert gpu["devices"] == results["info"]["gpus"]
    assert gpu["kernel_module_version"] == SCENARIOS[scenario][2]
    assert "warnings" not in results["facts"]
    assert gpu["message"].startswith("NVML %s, driver %s (CUDA %s), %d GPU" % (
        gpu["nvml_version"], gpu["driver_version"], gpu["cuda_driver_version"], count))


def test_every_cuda_device_a_process_can_be_given_is_listed_by_uuid(runs):
    gpu = runs["h100_x8"]["facts"]["ansible_facts"]["gpu"]
    assert gpu["cuda_devices"] == [d["uuid"] for d in gpu["devices"]]
    assert len(gpu["cuda_devices"]) == 8 == gpu["usable_count"]


def test_a_mig_gpu_gives_its_mig_instances_not_itself(runs):
    gpu = runs["a100_mig"]["facts"]["ansible_facts"]["gpu"]
    assert gpu["count"] == 2 == gpu["usable_count"]
    assert gpu["cuda_devices"] == [
        "MIG-4b7a1c2e-93d1-5d6e-9f00-1a2b3c4d5e6f", "MIG-5c8b2d3f-a4e2-6e7f-a011-2b3c4d5e6f70",
        "MIG-6d9c3e40-b5f3-7f80-b122-3c4d5e6f7081", "GPU-8f6e7a0c-1b2d-4e3f-9a8b-7c6d5e4f3a2b"]
    assert [m["name"] for m in gpu["devices"][0]["mig_devices"]] == [
        "NVIDIA A100-SXM4-80GB MIG 3g.40gb", "NVIDIA A100-SXM4-80GB MIG 2g.20gb",
        "NVIDIA A100-SXM4-80GB MIG 1g.10gb"]


def test_a_lost_gpu_is_counted_but_not_usable(runs):
    results = runs["lost_gpu"]
    gpu = results["facts"]["ansible_facts"]["gpu"]
    assert (gpu["count"], gpu["usable_count"]) == (2, 1)
    assert gpu["cuda_devices"] == [gpu["devices"][0]["uuid"]]
    assert gpu["devices"][1]["usable"] is False
    assert gpu["devices"][1]["error"] == "GPU is lost (NVML error 15)"
    assert "GPU 1: GPU is lost (NVML error 15)" in results["facts"]["warnings"]
    assert not results["require_gpu"].get("failed")      # one GPU still works


@pytest.mark.parametrize("scenario, driver, cuda", [
    ("h100_x1", "570.133.20", "12.8"), ("a100_x8", "535.261.03", "12.2"),
    ("a100_x4", "550.163.01", "12.4"), ("b200_x1", "580.95.05", "13.0"),
])
def test_driver_versions(runs, scenario, driver, cuda):
    nvml = runs[scenario]["info"]["nvml"]
    assert (nvml["driver_version"], nvml["cuda_driver_version"]) == (driver, cuda)
    assert nvml["python_binding"]


def test_mixed_generations_report_unsupported_fields_as_null(runs):
    p4, b200 = runs["mixed"]["facts"]["ansible_facts"]["gpu"]["devices"]
    assert (p4["name"], p4["architecture"]) == ("Tesla P4", "pascal")
    assert [p4[k] for k in ("temperature_c", "ecc_errors_uncorrected", "mig_mode")] == [None] * 3
    assert (p4["power_draw_w"], p4["memory_total_mib"]) == (24.0, 7680)
    assert (b200["architecture"], b200["temperature_c"], b200["ecc_errors_uncorrected"],
            b200["mig_mode"]) == ("blackwell", 32, 0, False)
    assert runs["mixed"]["facts"]["ansible_facts"]["gpu"]["architectures"] == [
        "blackwell", "pascal"]


def test_a100_devices_match_the_pci_bus(runs):
    gpu = runs["a100_x8"]["facts"]["ansible_facts"]["gpu"]
    assert [d["pci_bus_id"] for d in gpu["devices"]] == [d["pci_bus_id"] for d in gpu["pci_devices"]]
    assert set(d["pci_device_id"] for d in gpu["devices"]) == {A100}
    assert all(d["persistence_mode"] is True and d["mig_mode"] is False for d in gpu["devices"])


@pytest.mark.parametrize("scenario, device, capability, model", [
    ("driver_not_loaded", A100, "8.0", "NVIDIA A100-SXM4-80GB"),
    ("no_library", H100, "9.0", "NVIDIA H100 80GB HBM3"),
])
def test_no_driver_still_reports_gpus_from_pci(runs, scenario, device, capability, model):
    gpu = runs[scenario]["facts"]["ansible_facts"]["gpu"]
    assert gpu["count"] == 0 and gpu["devices"] == []
    assert len(gpu["pci_devices"]) == 8
    assert gpu["pci_devices"][0]["device_id"] == device
    assert gpu["pci_devices"][0]["name"] == model
    assert gpu["capabilities_source"] == "pci"
    assert gpu["compute_capabilities"] == [capability]
    assert gpu["torch_cuda_arch_list"] == capability
    assert gpu["models"] == [model]


def test_mismatch_reports_the_loaded_kernel_module(runs):
    nvml = runs["driver_library_mismatch"]["info"]["nvml"]
    assert (nvml["error_code"], nvml["kernel_module_version"]) == (18, "535.216.03")
    assert "reboot the host" in nvml["message"]


def test_missing_binding_is_a_state_naming_the_binding(runs):
    gpu = runs["no_binding"]["facts"]["ansible_facts"]["gpu"]
    assert gpu["python_binding"] is None
    assert "The Python binding for NVML is missing" in gpu["message"]
    assert "pip install nvidia-ml-py" in gpu["message"]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_require_gpu(runs, scenario):
    result = runs[scenario]["require_gpu"]
    expected = REQUIRE_GPU_MESSAGES.get(scenario)
    if expected is None:
        assert not result.get("failed")
        assert result["nvml"]["state"] == "ok" and result["gpus"]
        return
    assert result["failed"] is True
    for part in expected:
        assert part in result["msg"], (part, result["msg"])
    assert result["nvml"]["state"] == STATES[scenario]   # the data comes back with the failure


def test_fact_gathering_collects_the_gpu_fact(nvml_env, session_sysfs, workdir, ansible):
    playbook = os.path.join(workdir, "gather.yml")
    with open(playbook, "w") as handle:
        handle.write(GATHER_PLAYBOOK)
    env = nvml_env("a100_x8",
                   ANSIBLE_FACTS_MODULES="ansible.builtin.setup,gpulab.pytorch_stack.gpu_facts")
    sysfs = session_sysfs([], "535.261.03", name="sys-gather")
    results = ansible(playbook, env, sysfs)
    facts = results["Gathering Facts"]["ansible_facts"]
    assert facts["gpu"]["count"] == 8
    assert facts["gpu"]["kernel_module_version"] == "535.261.03"   # module_defaults applied
    assert facts["gpu"]["torch_cuda_arch_list"] == "8.0"
    assert facts["ansible_system"] == "Linux"                        # setup ran as well
    assert results["show"]["msg"] == "8 8.0"


@pytest.mark.parametrize("module", ["gpu_info", "gpu_facts"])
def test_ansible_doc_renders_the_modules(module, ansible_bin, collections_root):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_COLLECTIONS_PATH=collections_root)
    done = subprocess.run([ansible_bin("ansible-doc"), "-t", "module",
                           "gpulab.pytorch_stack." + module], capture_output=True, text=True,
                          env=env, cwd=REPO, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "EXAMPLES:" in done.stdout and "RETURN VALUES:" in done.stdout
    assert "gpulab.pytorch_stack.%s:" % module in done.stdout
    assert "ERROR" not in done.stderr and "WARNING" not in done.stderr, done.stderr


@pytest.mark.parametrize("scenario, state, ready", [
    ("hgx_fabric_completed", "ready", 8), ("hgx_fabric_not_started", "not_ready", 0),
    ("h100_x8", "not_applicable", 0),
])
def test_nvswitches_and_fabric_state(runs, scenario, state, ready):
    results = runs[scenario]
    gpu = results["facts"]["ansible_facts"]["gpu"]
    assert gpu["fabric"] == results["info"]["fabric"]
    assert (gpu["fabric"]["state"], gpu["fabric"]["gpus_ready"]) == (state, ready)
    hgx = scenario in HGX_SCENARIOS
    assert (gpu["nvswitches"]["count"], gpu["nvswitches"]["generation"]) == (
        (4, 3) if hgx else (0, None))
    assert len(gpu["pci_devices"]) == (8 if hgx else 0)    # switches are no GPUs
    if state == "not_ready":
        assert gpu["fabric"]["problems"][0] == "GPU 0: fabric not started"
        assert [d["fabric_state"] for d in gpu["devices"]] == ["not_started"] * 8
