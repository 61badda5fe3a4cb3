# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark (not a test): the acceptance trainer against the PyTorch guides' own loop.

On the same data, in the same run, trains the guides' LeNet for one epoch three times:
  trainer    roles/acceptance/files/gpulab_train_lenet.py eager (torch.compile off), run as
             the role runs it (a subprocess of this Python), its figures from its JSON report;
  compiled   the same trainer as the role runs it by default: --compile, and --amp (bf16
             autocast) where the device has native bf16 (GPU CC >= 8.0; CPU AVX512-BF16 or
             AMX-BF16); its compile time (the untimed warm-up) is reported apart from the epoch;
  reference  the "Training a classifier" tutorial's loop as written: torchvision CIFAR10 with
             ToTensor + Normalize over PIL images, DataLoader batch 4, shuffle, 2 workers,
             SGD lr 0.001 momentum 0.9; tested with the tutorial's batch-4 test loop.
and prints both times, both test accuracies and the speed ratios, labelled with the device.

Ratios: "epoch" compares the training loops alone; "end-to-end" adds what each needs before
its loop (trainer: read + to device + warm-up; reference: building the torchvision datasets);
imports and building model and optimizer are outside both. "epoch CPU time" compares the CPU
seconds each epoch used (all threads; the reference's DataLoader workers included), which a
machine shared with other work distorts much less than wall-clock time.

Data: a synthetic CIFAR-10 written by roles/acceptance/files/gpulab_synthetic_cifar10.py into a
temporary folder, or --data-dir with the real cifar-10-batches-py. torchvision checks the real
files' md5 sums; for synthetic data the reference gets the md5 sums of the files written.

Needs torch, torchvision and pillow. Exit code 0 unless a run crashed.
"""

import argparse
import hashlib
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
from torch import nn, optim
import torchvision
from torchvision import transforms
from torch.utils.data import DataLoader, Subset

FILES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "roles", "acceptance",
                     "files")
TRAINER = os.path.join(FILES, "gpulab_train_lenet.py")
SYNTHETIC = os.path.join(FILES, "gpulab_synthetic_cifar10.py")


def load_lenet():
    """The trainer's LeNet class, so that both loops train the very same network."""
    spec = importlib.util.spec_from_file_location("gpulab_train_lenet", TRAINER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LeNet


def cpu_seconds():
    """CPU time of this process and its reaped children (the DataLoader workers)."""
    times = os.times()
    return times[0] + times[1] + times[2] + times[3]


def md5(path):
    with open(path, "rb") as handle:
        return hashlib.md5(handle.read()).hexdigest()


def cifar_class(root, synthetic):
    if not synthetic:
        return torchvision.datasets.CIFAR10
    folder = os.path.join(root, "cifar-10-batches-py")

    class SyntheticCIFAR10(torchvision.datasets.CIFAR10):
        train_list = [[entry[0], md5(os.path.join(folder, entry[0]))]
                      for entry in torchvision.datasets.CIFAR10.train_list]
        test_list = [["test_batch", md5(os.path.join(folder, "test_batch"))]]
        meta = dict(torchvision.datasets.CIFAR10.meta,
                    md5=md5(os.path.join(folder, "batches.meta")))
    return SyntheticCIFAR10


def reference(root, synthetic, device, seed, limit_train, limit_test, threads):
    """The tutorial's loop, unchanged but for the device, the optional subsets and threads."""
    default_threads = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _reference(root, synthetic, device, seed, limit_train, limit_test)
    finally:
        torch.set_num_threads(default_threads)


def _reference(root, synthetic, device, seed, limit_train, limit_test):
    torch.manual_seed(seed)
    dataset = cifar_class(root, synthetic)
    start = time.perf_counter()
    transform = transforms.Compose(
        [transforms.ToTensor(), transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))])
    trainset = dataset(root=root, train=True, download=False, transform=transform)
    testset = dataset(root=root, train=False, download=False, transform=transform)
    if limit_train:
        trainset = Subset(trainset, range(limit_train))
    if limit_test:
        testset = Subset(testset, range(limit_test))
    data_seconds = time.perf_counter() - start
    trainloader = DataLoader(trainset, batch_size=4, shuffle=True, num_workers=2)
    testloader = DataLoader(testset, batch_size=4, shuffle=False, num_workers=2)

    net = load_lenet()().to(device)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)
    start, cpu_start = time.perf_counter(), cpu_seconds()
    running_loss, losses = 0.0, []
    for i, (inputs, labels) in enumerate(trainloader, 0):
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(net(inputs), labels)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        if i % 2000 == 1999:
            losses.append(running_loss / 2000)
            running_loss = 0.0
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    # the exhausted DataLoader has joined its workers, so their CPU time is in children's
    epoch_seconds, epoch_cpu_seconds = time.perf_counter() - start, cpu_seconds() - cpu_start

    correct = total = 0
    with torch.no_grad():
        for images, labels in testloader:
            images, labels = images.to(device), labels.to(device)
            predicted = net(images).argmax(1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()
    return {"data_seconds": data_seconds, "epoch_seconds": epoch_seconds,
            "epoch_cpu_seconds": epoch_cpu_seconds,
            "end_to_end_seconds": data_seconds + epoch_seconds,
            "cpu_threads": torch.get_num_threads() if device.type == "cpu" else None,
            "test_accuracy": correct / total, "final_train_loss": losses[-1] if losses else None}


def trainer(root, source, device, seed, limit_train, limit_test, extra):
    cmd = [sys.executable, TRAINER, "--data-dir", root, "--data-source", source,
           "--device", str(device), "--seed", str(seed), "--min-accuracy", "0",
           "--limit-train", str(limit_train), "--limit-test", str(limit_test)] + extra
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, universal_newlines=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit("trainer failed (exit %d):\n%s" % (proc.returncode, proc.stdout))
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    report["end_to_end_seconds"] = sum(report[k] for k in (
        "data_seconds", "to_device_seconds", "warmup_seconds", "epoch_seconds"))
    report["process_seconds"] = wall
    return report


FIGURES = {
    "reference": ("data_seconds", "epoch_seconds", "end_to_end_seconds", "epoch_cpu_seconds",
                  "test_accuracy", "cpu_threads"),
    "trainer": ("data_seconds", "to_device_seconds", "warmup_seconds", "epoch_seconds",
                "end_to_end_seconds", "epoch_cpu_seconds", "test_accuracy", "cpu_threads"),
    "compiled": ("data_seconds", "to_device_seconds", "warmup_seconds", "compile_seconds",
                 "epoch_seconds", "end_to_end_seconds", "epoch_cpu_seconds", "test_accuracy",
                 "cpu_threads"),
}
LOOPS = (("reference", "guides' loop (batch 4, DataLoader, 2 workers)"),
         ("trainer", "acceptance trainer, eager"),
         ("compiled", "acceptance trainer, torch.compile (the role's default)"))


def native_bf16(device):
    """The acceptance role's rule for bf16 autocast with torch.compile (roles/acceptance)."""
    if device.type == "cuda":
        return torch.cuda.get_device_capability(device)[0] >= 8
    try:
        with open("/proc/cpuinfo") as handle:
            flags = handle.read()
    except (IOError, OSError):
        return False
    return " avx512_bf16" in flags or " amx_bf16" in flags


def markdown(summary):
    """The medians as a Markdown table, ready for benchmarks/RESULTS.md."""
    def cell(name, key, scale=1.0, unit=""):
        value = summary.get("%s_%s" % (name, key))
        return "-" if value is None else "%.2f%s" % (scale * value, unit)

    rows = ["**%s**, %s data, median of %d run(s), trainer flags: %s"
            % (summary["device"], summary["data"], summary["repeat"],
               " ".join(summary["trainer_args"]) or "(defaults)"), "",
            "| loop | threads | data s | to device s | warm-up s | compile s | epoch s "
            "| end-to-end s | epoch CPU s | test accuracy |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, title in LOOPS:
        threads = summary.get(name + "_cpu_threads")
        figures = [title, "-" if threads is None else "%g" % threads]
        figures += [cell(name, key) for key in ("data_seconds", "to_device_seconds",
                                                "warmup_seconds", "compile_seconds",
                                                "epoch_seconds", "end_to_end_seconds",
                                                "epoch_cpu_seconds")]
        figures.append(cell(name, "test_accuracy", 100.0, "%"))
        rows.append("| " + " | ".join(figures) + " |")
    rows.append("")
    for name, title in LOOPS[1:]:
        rows.append("Speed ratio (guides' loop / %s): epoch **%.1fx**, end-to-end **%.1fx**, "
                    "epoch CPU time %.1fx; accuracy %+.2f points."
                    % (title, summary[name + "_epoch_ratio"], summary[name + "_end_to_end_ratio"],
                       summary[name + "_epoch_cpu_ratio"],
                       100 * (summary[name + "_test_accuracy"]
                              - summary["reference_test_accuracy"])))
    rows.append("Compiled flags: %s" % " ".join(summary["compiled_args"]))
    return "\n".join(rows)


def device_label(device):
    if device.type == "cuda":
        return "GPU %s (%s, torch %s, CUDA %s)" % (
            device, torch.cuda.get_device_name(device), torch.__version__, torch.version.cuda)
    cores = len(os.sched_getaffinity(0))
    gpu = "" if torch.cuda.is_available() else ", no GPU"
    return "CPU (%d-core%s, torch %s)" % (cores, gpu, torch.__version__)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--data-dir", default=None,
                   help="folder with the real cifar-10-batches-py/ (default: write a synthetic "
                        "CIFAR-10 into a temporary folder)")
    p.add_argument("--device", default="auto", help="cpu, cuda, cuda:N or auto (default: auto "
                   "= cuda when available)")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs of each loop, medians reported (default: 1)")
    p.add_argument("--seed", type=int, default=0, help="(default: 0)")
    p.add_argument("--limit-train", type=int, default=0, help="(default: 0 = all 50,000)")
    p.add_argument("--limit-test", type=int, default=0, help="(default: 0 = all 10,000)")
    p.add_argument("--reference-threads", type=int, default=0,
                   help="torch threads in the guides' loop (default: 0 = torch's default, as "
                        "the guides run it; 1 spares it OpenMP contention on a busy machine)")
    p.add_argument("--trainer-args", default="",
                   help='extra trainer flags, e.g. "--amp --compile" (default: none)')
    p.add_argument("--json", default=None, help="also write all figures to this file")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    device = torch.device(args.device)
    extra = args.trainer_args.split() + (["--allow-cpu"] if device.type == "cpu" else [])
    compiled_extra = extra + ["--compile"] + (["--amp"] if native_bf16(device)
                                              and "--amp" not in extra else [])
    with tempfile.TemporaryDirectory(prefix="gpulab-bench-") as tmp:
        root, source = args.data_dir, "path"
        if root is None:
            root, source = tmp, "synthetic"
            subprocess.run([sys.executable, SYNTHETIC, "--dest", tmp, "--seed", str(args.seed)],
                           check=True, stdout=subprocess.DEVNULL)
        runs = {"trainer": [], "compiled": [], "reference": []}
        for i in range(args.repeat):
            # rotate the order so that no loop always runs on a warmer machine
            order = ("trainer", "compiled", "reference")
            for name in order[i % 3:] + order[:i % 3]:
                if name in ("trainer", "compiled"):
                    result = trainer(root, source, device, args.seed, args.limit_train,
                                     args.limit_test,
                                     extra if name == "trainer" else compiled_extra)
                else:
                    result = reference(root, source == "synthetic", device, args.seed,
                                       args.limit_train, args.limit_test,
                                       args.reference_threads)
                runs[name].append(result)
                print("run %d %-9s epoch %7.2f s  end-to-end %7.2f s  compile %s  accuracy %.4f%s"
                      % (i + 1, name, result["epoch_seconds"], result["end_to_end_seconds"],
                         "%6.2f s" % result["compile_seconds"]
                         if result.get("compile_seconds") is not None else "     -  ",
                         result["test_accuracy"],
                         "  (%s CPU threads)" % result["cpu_threads"]
                         if result.get("cpu_threads") else ""), flush=True)

    summary = {"device": device_label(device), "data": source, "repeat": args.repeat,
               "trainer_args": extra, "compiled_args": compiled_extra, "runs": runs}
    for name, keys in FIGURES.items():
        for key in keys:
            values = [r[key] for r in runs[name] if r.get(key) is not None]
            summary["%s_%s" % (name, key)] = statistics.median(values) if values else None
    for name in ("trainer", "compiled"):
        for key in ("epoch", "end_to_end", "epoch_cpu"):
            summary["%s_%s_ratio" % (name, key)] = (summary["reference_%s_seconds" % key]
                                                    / summary["%s_%s_seconds" % (name, key)])
    print("\n" + markdown(summary))
    if args.json:
        with open(args.json, "w") as handle:
            json.dump(summary, handle, indent=2, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
