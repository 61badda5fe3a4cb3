# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The acceptance trainer, run as the role runs it, on a tiny synthetic CIFAR-10 on the CPU.

Needs torch (run with the env's python: `python -m pytest tests/torch`); takes well under a
minute. Uses --device cuda:99 for the no-GPU path so it means the same on a host with GPUs.
"""

import collections
import importlib.util
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import torch

FILES = Path(__file__).resolve().parents[2] / "roles" / "acceptance" / "files"
TRAINER = FILES / "gpulab_train_lenet.py"
SYNTHETIC = FILES / "gpulab_synthetic_cifar10.py"
REPORT_KEYS = {
    "schema", "host", "device", "device_kind", "gpu_index", "gpu_name", "compute_capability",
    "driver_version", "cuda_runtime_version", "cudnn_version", "torch_version", "data_source",
    "train_images", "test_images", "batch_size", "amp", "compile", "epoch_seconds",
    "images_per_second", "data_seconds", "to_device_seconds", "final_train_loss",
    "test_accuracy", "thresholds", "passed", "reasons",
}


def load(path):
    spec = importlib.util.spec_from_file_location(path.stem, str(path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    dest = tmp_path_factory.mktemp("cifar")
    subprocess.run([sys.executable, str(SYNTHETIC), "--dest", str(dest), "--train", "1000",
                    "--test", "200", "--seed", "5"], check=True, stdout=subprocess.DEVNULL)
    return dest


Run = collections.namedtuple("Run", "code lines report stderr")


def train(data_dir, *extra):
    """Run the trainer; its progress lines, its JSON report (the last line) and stderr."""
    cmd = [sys.executable, str(TRAINER), "--data-dir", str(data_dir), "--data-source",
           "synthetic", "--threads", "1", "--batch-size", "64", "--min-accuracy", "0"]
    proc = subprocess.run(cmd + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True, check=False)
    lines = proc.stdout.strip().splitlines()
    return Run(proc.returncode, lines[:-1], json.loads(lines[-1]), proc.stderr)


def test_cpu_run_passes_and_every_line_says_cpu(data, tmp_path):
    report_file = tmp_path / "report.json"
    run = train(data, "--device", "cpu", "--report", str(report_file))
    report = run.report
    assert run.code == 0
    assert REPORT_KEYS <= set(report)
    assert report["passed"] is True and report["reasons"] == []
    assert (report["device"], report["device_kind"]) == ("cpu", "CPU")
    assert report["gpu_name"] is None and report["compute_capability"] is None
    assert (report["train_images"], report["test_images"]) == (1000, 200)
    assert report["epoch_seconds"] > 0 and report["images_per_second"] > 0
    assert 0.0 <= report["test_accuracy"] <= 1.0
    assert report["torch_version"] == torch.__version__
    assert run.lines and all(line.startswith("[CPU]") for line in run.lines)
    assert json.loads(report_file.read_text()) == report


def test_no_gpu_fails_and_says_why(data):
    run = train(data, "--device", "cuda:99")
    assert run.code == 3
    assert run.report["passed"] is False
    why = run.report["reasons"][0]
    for part in ("torch.cuda.is_available()", "torch.cuda.device_count()", "--allow-cpu",
                 "CUDA %s" % torch.version.cuda if torch.version.cuda else "without CUDA"):
        assert part in why
    assert why in run.stderr


def test_allow_cpu_trains_on_the_cpu_and_says_so(data):
    run = train(data, "--device", "cuda:99", "--allow-cpu", "--limit-train", "256",
                "--limit-test", "64")
    assert run.code == 0
    assert run.report["device_kind"] == "CPU"
    assert "trained on the CPU" in run.report["note"]
    assert (run.report["train_images"], run.report["test_images"]) == (256, 64)
    assert all(line.startswith("[CPU]") for line in run.lines)


@pytest.mark.parametrize("flags, reason", [
    (["--min-accuracy", "1.0"], "below the minimum"),
    (["--max-epoch-seconds", "0.000001"], "epoch took"),
])
def test_missed_threshold_exits_1_with_the_reason(data, flags, reason):
    run = train(data, "--device", "cpu", "--limit-train", "256", *flags)
    assert run.code == 1
    assert run.report["passed"] is False
    assert any(reason in r for r in run.report["reasons"])


def test_same_seed_same_result(data):
    first, again = (train(data, "--device", "cpu", "--limit-train", "512", "--seed", "3").report
                    for run in range(2))
    assert first["final_train_loss"] == again["final_train_loss"]
    assert first["test_accuracy"] == again["test_accuracy"]


def test_missing_dataset_exits_4(tmp_path):
    run = train(tmp_path, "--device", "cpu")
    assert run.code == 4
    assert "no CIFAR-10 python batches" in run.report["reasons"][0]


def test_a_pickle_naming_other_globals_is_refused(data, tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    for name in ("data_batch_1", "batches.meta"):
        (folder / name).write_bytes((data / "cifar-10-batches-py" / name).read_bytes())
    (folder / "test_batch").write_bytes(pickle.dumps({b"data": print}, protocol=4))
    run = train(tmp_path, "--device", "cpu", "--limit-train", "100")
    assert run.code == 4
    assert "builtins.print is not allowed" in run.report["reasons"][0]


def test_reader_returns_the_images_the_generator_made(data):
    trainer, synthetic = load(TRAINER), load(SYNTHETIC)
    images, labels = trainer.load_split(str(data / "cifar-10-batches-py"), trainer.TEST_FILES, 0)
    gen = synthetic._Generator(5)
    gen.split(1000)
    want_labels, want_images = gen.split(200)
    assert images.dtype == torch.uint8 and tuple(images.shape) == (200, 3, 32, 32)
    assert labels.tolist() == want_labels
    assert bytes(images.reshape(200, -1)[7].tolist()) == want_images[7]


def test_lenet_is_the_guides_network():
    net = load(TRAINER).LeNet()
    assert sum(p.numel() for p in net.parameters()) == 62006
    assert tuple(net(torch.zeros(2, 3, 32, 32)).shape) == (2, 10)


# --- GPU paths, with torch.cuda patched (no GPU needed) ----------------------------------------

BUSY = "CUDA error: all CUDA-capable devices are busy or unavailable"


def fake_gpu(monkeypatch, module, capability=(8, 0)):
    """torch.cuda reports one usable GPU of ``capability``; the calls a run makes are recorded."""
    asked = []

    def get_capability(device=None):
        asked.append(device)
        return capability

    monkeypatch.setattr(module.torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(module.torch.cuda, "device_count", lambda: 2)
    monkeypatch.setattr(module.torch.cuda, "get_device_capability", get_capability)
    monkeypatch.setattr(module.torch.cuda, "get_device_name", lambda device=None: "Fake A100")
    monkeypatch.setattr(module.torch.cuda, "get_arch_list", lambda: ["sm_80"])
    monkeypatch.setattr(module.torch.cuda, "is_bf16_supported",
                        lambda including_emulation=True: True)   # what torch says on a V100
    return asked


def run_in_process(module, data_dir, tmp_path, *extra):
    report_file = tmp_path / "report.json"
    code = module.main(["--data-dir", str(data_dir), "--data-source", "synthetic",
                        "--report", str(report_file), "--limit-train", "128",
                        "--limit-test", "64"] + list(extra))
    return code, json.loads(report_file.read_text())


def test_a_device_torch_cannot_parse_is_a_usage_error_with_a_report(data, tmp_path):
    report_file = tmp_path / "report.json"
    run = train(data, "--device", "cuda:x", "--report", str(report_file))
    assert run.code == 2
    assert "--device must be cpu, cuda or cuda:N, not 'cuda:x'" in run.report["reasons"][0]
    assert json.loads(report_file.read_text()) == run.report


def test_a_gpu_that_fails_when_queried_exits_6_with_a_report(data, tmp_path, monkeypatch):
    module = load(TRAINER)
    fake_gpu(monkeypatch, module)

    def busy(device=None):
        raise RuntimeError(BUSY)

    monkeypatch.setattr(module.torch.cuda, "get_device_capability", busy)
    code, report = run_in_process(module, data, tmp_path, "--device", "cuda:1")
    assert code == module.EXIT_DEVICE == 6
    assert code != module.EXIT_FAILED
    assert report["passed"] is False
    assert report["reasons"] == ["the GPU failed while querying cuda:1: RuntimeError: " + BUSY]


def test_a_gpu_that_fails_on_the_first_copy_exits_6_with_a_report(data, tmp_path, monkeypatch):
    module = load(TRAINER)
    fake_gpu(monkeypatch, module)
    monkeypatch.setattr(module.torch.cuda, "get_device_properties",
                        lambda device=None: collections.namedtuple("P", "uuid")("1234"))
    real_to = torch.Tensor.to

    def to(self, *args, **kwargs):
        if any(getattr(a, "type", None) == "cuda" for a in list(args) + list(kwargs.values())):
            raise torch.cuda.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 MiB")
        return real_to(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "to", to)
    code, report = run_in_process(module, data, tmp_path, "--device", "cuda:0")
    assert code == 6
    assert report["gpu_name"] == "Fake A100" and report["gpu_uuid"] == "GPU-1234"
    assert report["reasons"][0].startswith(
        "the GPU failed while copying the data to cuda:0: OutOfMemoryError: CUDA out of memory")


@pytest.mark.parametrize("capability, dtype", [((7, 0), torch.float16), ((7, 5), torch.float16),
                                               ((8, 0), torch.bfloat16), ((9, 0), torch.bfloat16)])
def test_amp_uses_native_bf16_only_from_capability_8_0_of_the_training_device(
        monkeypatch, capability, dtype):
    module = load(TRAINER)
    asked = fake_gpu(monkeypatch, module, capability)
    assert module.amp_dtype(torch.device("cuda", 1)) == dtype
    assert asked == [torch.device("cuda", 1)]     # the training device, not device 0
    assert module.amp_dtype(torch.device("cpu")) == torch.bfloat16


def _cpu_trainer(module, *flags):
    args = module.parse_args(["--data-dir", ".", "--batch-size", "64",
                              "--eval-batch-size", "50"] + list(flags))
    return module.Trainer(args, torch.device("cpu"))


def test_warm_up_covers_the_eval_shapes_and_keeps_the_weights(monkeypatch):
    module = load(TRAINER)
    trainer = _cpu_trainer(module)
    before = {k: v.clone() for k, v in trainer.model.state_dict().items()}
    shapes = []
    real_forward = module.LeNet.forward

    def forward(self, x):
        shapes.append((self.training, x.shape[0]))
        return real_forward(self, x)

    monkeypatch.setattr(module.LeNet, "forward", forward)
    images = torch.randint(0, 255, (150, 3, 32, 32), dtype=torch.uint8)
    labels = torch.randint(0, 10, (150,))
    trainer.warm_up(images, labels, images[:120])
    # training shapes 64, 64 and the last batch 22; eval shapes 50 and the last batch 20
    assert shapes == [(True, 64), (True, 64), (True, 22), (False, 50), (False, 20)]
    assert trainer.model.training
    assert all(torch.equal(before[k], v) for k, v in trainer.model.state_dict().items())


def test_compile_warms_up_even_with_zero_warmup_steps(monkeypatch):
    module = load(TRAINER)
    trainer = _cpu_trainer(module, "--compile", "--warmup-steps", "0")
    rows = []
    monkeypatch.setattr(trainer, "step", lambda optimizer, images, labels: rows.append(
        images.shape[0]))
    images = torch.zeros((128, 3, 32, 32), dtype=torch.uint8)
    trainer.warm_up(images, torch.zeros(128, dtype=torch.int64))
    assert rows == [64]


def test_compiled_epoch_reports_compile_time_apart(data):
    run = train(data, "--device", "cpu", "--compile", "--limit-train", "512", "--limit-test", "64")
    report = run.report
    assert run.code == 0, report["reasons"]
    assert report["compile"] is True and report["compile_mode"] == "default"
    # compiling happens in the untimed warm-up; the epoch and images/s count the epoch only
    assert report["compile_seconds"] == report["warmup_seconds"] > 0
    assert report["images_per_second"] == pytest.approx(512 / report["epoch_seconds"], rel=0.01)


def test_an_eager_run_has_no_compile_time(data):
    report = train(data, "--device", "cpu", "--limit-train", "256").report
    assert report["compile"] is False and report["compile_seconds"] is None


def test_two_gloo_processes_via_torchrun_all_reduce_and_take_a_ddp_step(tmp_path):
    proc = subprocess.run([sys.executable, str(FILES / "gpulab_check_distributed.py"),
                           "--work-dir", str(tmp_path), "--device", "cpu",
                           "--max-bytes", str(4 << 20)],
                          stdout=subprocess.PIPE, universal_newlines=True, check=False)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 0 and report["passed"], report
    assert (report["backend"], report["nproc"], report["device_kind"]) == ("gloo", 2, "CPU")
    assert [r["bytes"] for r in report["sweep"]][-1] == 4 << 20
    assert report["peak_busbw_gbps"] == max(r["busbw_gbps"] for r in report["sweep"])
    assert report["ddp_step"]["same_weights"] is True


def test_a_torchrun_past_its_deadline_is_killed_with_its_workers_and_named(tmp_path):
    proc = subprocess.run([sys.executable, str(FILES / "gpulab_check_distributed.py"),
                           "--work-dir", str(tmp_path), "--device", "cpu", "--timeout", "2"],
                          stdout=subprocess.PIPE, universal_newlines=True, check=False, timeout=120)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 1 and report["passed"] is False
    assert "no end within 2 s (--timeout, acceptance_timeout_s)" in report["error"]
    assert "workers killed" in report["reasons"][0]
    left = subprocess.run(["pgrep", "-f", str(tmp_path)], stdout=subprocess.PIPE, check=False)
    assert left.stdout == b"", "torchrun or a worker outlived the deadline"


def test_the_extension_check_builds_and_runs_a_cpp_op_with_cpp_extension(tmp_path):
    # --no-cuda: this machine has no CUDA toolkit; the CUDA kernel build is the pytorch2
    # scenario's (NVIDIA's pip CUDA 13.0). The C++ op is built for real with ninja and g++.
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run([sys.executable, str(FILES / "gpulab_check_extension.py"),
                           "--build-dir", str(tmp_path), "--device", "cpu", "--no-cuda"],
                          stdout=subprocess.PIPE, universal_newlines=True, check=False,
                          timeout=900, env=env)
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert proc.returncode == 0 and report["passed"], report["reasons"]
    assert report["cpp_op"] == dict(report["cpp_op"], built=True, ran=True, correct=True)
    assert report["device_kind"] == "CPU" and report["summary"] == "C++ op built+ran (CPU)"
