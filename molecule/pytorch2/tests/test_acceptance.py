"""Verify the acceptance run on a GPU-less Debian 13 container: synthetic data, CPU allowed."""

import json
import os

import pytest

HOME = "/var/lib/gpulab/acceptance"
REPORT_DIR = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "reports")
FIELDS = ("host", "device", "device_kind", "gpu_name", "compute_capability", "driver_version",
          "cuda_runtime_version", "cudnn_version", "torch_version", "data_source",
          "epoch_seconds", "images_per_second", "final_train_loss", "test_accuracy", "passed",
          "reasons")


@pytest.fixture(scope="module")
def last(host):
    return json.loads(host.file(HOME + "/last.json").content_string)


def test_one_cpu_report_with_every_field(last):
    assert len(last["reports"]) == 1
    report = last["reports"][0]
    for field in FIELDS:
        assert field in report, field
    assert report["device"] == "cpu"
    assert report["device_kind"] == "CPU"
    assert report["gpu_name"] is None and report["compute_capability"] is None
    assert report["data_source"] == "synthetic"


def test_the_epoch_used_the_whole_dataset_and_learned(last):
    report = last["reports"][0]
    assert report["train_images"] == 50000 and report["test_images"] == 10000
    assert report["passed"] is True, report["reasons"]
    assert report["test_accuracy"] >= 0.35
    assert report["images_per_second"] > 0


def _report_file(host):
    # Asked for "cuda" (the default); with no GPU the trainer fell back to the CPU, and says why.
    return host.file(HOME + "/reports/report-cuda.json")


def test_the_per_device_report_file_is_the_same_run(host, last):
    report = json.loads(_report_file(host).content_string)
    assert report["epoch_seconds"] == last["reports"][0]["epoch_seconds"]
    assert report["device"] == "cpu"
    assert "torch.cuda.is_available() is False" in report["note"]
    assert "trained on the CPU (--allow-cpu)" in report["note"]


def test_the_trainer_ran_inside_the_environments_activation(host, last):
    # pytorch2_visible_devices: "0" (molecule.yml) reaches the trainer only through the
    # environment's activation script; the report records what the trainer saw.
    assert last["reports"][0]["cuda_visible_devices"] == "0"


def test_training_ran_as_the_unprivileged_account(host):
    report = _report_file(host)
    assert report.user == "gpulab-acceptance"
    assert host.user("gpulab-acceptance").uid != 0
    assert host.user("gpulab-acceptance").shell == "/usr/sbin/nologin"


def test_synthetic_data_is_in_cifar10_python_format(host):
    folder = HOME + "/data/synthetic-seed0/cifar-10-batches-py"
    for name in ["data_batch_%d" % i for i in range(1, 6)] + ["test_batch", "batches.meta"]:
        assert host.file(folder + "/" + name).is_file, name


def test_cluster_report_on_the_controller_says_cpu():
    with open(os.path.join(REPORT_DIR, "report.json")) as handle:
        text = handle.read()
    assert '"device_kind": "CPU"' in text
    with open(os.path.join(REPORT_DIR, "report.md")) as handle:
        assert "CPU" in handle.read()
    with open(os.path.join(REPORT_DIR, "report.html")) as handle:
        html = handle.read()
    assert "<svg" in html and "CPU" in html


def test_result_recorded_for_reports(host):
    result = json.loads(host.file("/var/lib/gpulab/results/acceptance.json").content_string)
    assert result["passed"] is True
    assert "CPU" in result["summary"]
