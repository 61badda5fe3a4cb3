# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acceptance run: train the PyTorch guides' LeNet for one epoch on CIFAR-10, then test it.

Same network, data and normalisation as the "Training a classifier" tutorial, but fast: the
dataset is one uint8 tensor copied to the device once; each batch is gathered there by a
device-side random permutation and converted to float and normalised there, in cache (no
DataLoader, no PIL, no per-sample Python, no float copy of the whole dataset); a one-epoch
schedule (AdamW, batch 64, one-cycle learning rate) replaces batch-4 SGD. On a GPU: cuDNN
autotuning, TF32, optional bf16/fp16 autocast (--amp) and torch.compile (--compile).

Only torch and the standard library are used; CIFAR-10 batches are read with a restricted
unpickler (numpy globals are stood in for, nothing else may be loaded), so numpy is not needed.

Timing (wall-clock seconds, synchronised with the device):
  data_seconds       read the batch files into uint8 tensors (disk, unpickling); on the CPU
                     also the look at how busy the CPUs are (at least 0.2 s, see CpuShare)
  to_device_seconds  copy those tensors to the device
  setup_seconds      build the model and optimizers (torch's lazy imports land here)
  warmup_seconds     one or two steps per batch shape on a throw-away copy of the weights
                     (cuDNN autotuning, torch.compile, lazy CUDA/oneDNN set-up), not in the epoch
  epoch_seconds      the training epoch: every training image once, from drawing the
                     permutation to the last optimizer step, per-batch float conversion and
                     normalisation included; images_per_second = train_images / epoch_seconds
  epoch_cpu_seconds  CPU time (all threads) this process spent in that epoch: the work done,
                     which a busy machine stretches less than the wall-clock time
  eval_seconds       the pass over the test images

Exit codes: 0 passed; 1 trained but a threshold was missed; 2 bad arguments (a --device torch
cannot parse included); 3 no usable device (no GPU and no --allow-cpu); 4 dataset missing or
unreadable; 5 training failed; 6 the GPU failed before training (querying it, or the first copy
to it: a busy exclusive-process GPU, out of memory, a lost GPU).
Every outcome after argument parsing writes the JSON report (to --report and as the last
stdout line); every progress line names the device kind, "CPU" when it trained on the CPU.
"""

import argparse
import contextlib
import ctypes
import json
import os
import pickle
import socket
import sys
import time
import warnings

import torch
from torch import nn
import torch.nn.functional as F

SCHEMA = "gpulab.acceptance/1"
EXIT_PASSED, EXIT_FAILED, EXIT_USAGE, EXIT_NO_DEVICE, EXIT_DATA, EXIT_TRAINING = range(6)
EXIT_DEVICE = 6
TRAIN_FILES = ["data_batch_%d" % i for i in range(1, 6)]
TEST_FILES = ["test_batch"]


class Failure(Exception):
    """Ends the run with a report: ``code`` is the exit code, the message a report reason."""

    def __init__(self, code, message):
        Exception.__init__(self, message)
        self.code = code


class LeNet(nn.Module):
    """The network of the PyTorch CIFAR-10 tutorial, layer for layer."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = self.pool(F.relu(self.conv1(x)))
        x = self.pool(F.relu(self.conv2(x)))
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


# --- CIFAR-10 python batches without numpy ------------------------------------------------------
# The official pickles rebuild b'data' with numpy.core.multiarray._reconstruct; these stand-ins
# keep the raw bytes instead. Any other global in a file is refused.

class _Dtype(object):
    def __init__(self, code, *_):
        self.code = code.decode("latin1") if isinstance(code, bytes) else str(code)

    def __setstate__(self, state):
        pass


class _Array(object):
    shape, dtype, raw = None, None, b""

    def __setstate__(self, state):
        # (version, shape, dtype, is_fortran, raw); numpy's oldest form has no version
        self.shape, self.dtype, raw = state[-4], state[-3], state[-1]
        self.raw = raw.encode("latin1") if isinstance(raw, str) else bytes(raw)


def _reconstruct(*_):
    return _Array()


_ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy._core.multiarray", "_reconstruct"): _reconstruct,
    ("numpy", "ndarray"): _Array,
    ("numpy", "dtype"): _Dtype,
}


class _BatchUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        try:
            return _ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError("%s.%s is not allowed in a CIFAR-10 batch"
                                         % (module, name))


def read_batch(path):
    """(raw uint8 bytes of N x 3072 images, list of N labels) of one CIFAR-10 batch file."""
    with open(path, "rb") as handle:
        entry = _BatchUnpickler(handle, encoding="bytes").load()
    if not isinstance(entry, dict):
        raise ValueError("%s holds a %s, not a CIFAR-10 batch dict" % (path, type(entry).__name__))
    data, labels = entry.get(b"data"), entry.get(b"labels")
    if not isinstance(data, _Array) or labels is None:
        raise ValueError("%s has no b'data' array or no b'labels'" % path)
    if data.dtype is None or data.dtype.code not in ("u1", "|u1", "uint8", "B"):
        raise ValueError("%s: b'data' is not uint8" % path)
    rows = len(labels)
    if tuple(data.shape) != (rows, 3072) or len(data.raw) != rows * 3072:
        raise ValueError("%s: b'data' has shape %s for %d labels, expected (%d, 3072)"
                         % (path, tuple(data.shape), rows, rows))
    return data.raw, list(labels)


def find_batches_dir(data_dir):
    for candidate in (os.path.join(data_dir, "cifar-10-batches-py"), data_dir):
        if os.path.isfile(os.path.join(candidate, "test_batch")):
            return candidate
    raise Failure(EXIT_DATA, "no CIFAR-10 python batches in %s (expected cifar-10-batches-py/ "
                             "with data_batch_1..5 and test_batch)" % data_dir)


def load_split(folder, names, limit):
    """One uint8 tensor N x 3 x 32 x 32 and an int64 label tensor, the first ``limit`` images."""
    raws, labels = [], []
    for name in names:
        try:
            raw, lab = read_batch(os.path.join(folder, name))
        except (IOError, OSError, ValueError, EOFError, pickle.UnpicklingError) as exc:
            raise Failure(EXIT_DATA, "cannot read CIFAR-10 batch %s: %s" % (name, exc))
        raws.append(raw)
        labels.extend(lab)
        if limit and len(labels) >= limit:
            break
    count = min(limit, len(labels)) if limit else len(labels)
    images = torch.empty((count, 3, 32, 32), dtype=torch.uint8)
    flat, done = images.view(-1), 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # frombuffer warns that bytes are read-only: only read
        for raw in raws:
            take = min(len(raw), flat.numel() - done)
            if take:
                flat[done:done + take].copy_(torch.frombuffer(raw, dtype=torch.uint8)[:take])
            done += take
    targets = torch.tensor(labels[:count], dtype=torch.int64)
    if count and (int(targets.min()) < 0 or int(targets.max()) > 9):
        raise Failure(EXIT_DATA, "labels outside 0..9 in %s" % folder)
    return images, targets


# --- device -------------------------------------------------------------------------------------

def nvml_driver_version():
    """The NVIDIA driver version from NVML (libnvidia-ml.so.1), or None."""
    try:
        nvml = ctypes.CDLL("libnvidia-ml.so.1")
        if nvml.nvmlInit_v2() != 0:
            return None
        try:
            buf = ctypes.create_string_buffer(96)
            if nvml.nvmlSystemGetDriverVersion(buf, ctypes.c_uint(96)) != 0:
                return None
            return buf.value.decode("ascii", "replace")
        finally:
            nvml.nvmlShutdown()
    except (OSError, AttributeError):
        return None


def cudnn_version():
    try:
        version = torch.backends.cudnn.version()
    except Exception:  # a CUDA build without its cuDNN library raises here
        return None
    if not version:
        return None
    if version >= 90000:  # cuDNN 9 encodes major*10000 + minor*100 + patch
        return "%d.%d.%d" % (version // 10000, version % 10000 // 100, version % 100)
    return "%d.%d.%d" % (version // 1000, version % 1000 // 100, version % 100)


def device_failure(what, exc):
    """Failure(EXIT_DEVICE) for a CUDA error before training, first line of the message."""
    text = (str(exc).strip().splitlines() or [""])[0][:300]
    return Failure(EXIT_DEVICE, "the GPU failed while %s: %s: %s" % (what, type(exc).__name__, text))


def pick_device(requested, allow_cpu):
    """(torch.device, note or None). Raises Failure(EXIT_NO_DEVICE) with the reason."""
    try:
        device = torch.device(requested)
    except (RuntimeError, ValueError) as exc:
        raise Failure(EXIT_USAGE, "--device must be cpu, cuda or cuda:N, not %r (%s)"
                      % (requested, str(exc).strip()))
    if device.type == "cpu":
        return device, None
    if device.type != "cuda":
        raise Failure(EXIT_USAGE, "--device must be cpu, cuda or cuda:N, not %s" % requested)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        available = torch.cuda.is_available()
        count = torch.cuda.device_count() if available else 0
    index = 0 if device.index is None else device.index
    if available and index < count:
        return torch.device("cuda", index), None
    why = ("no usable GPU for --device %s: torch.cuda.is_available() is %s, "
           "torch.cuda.device_count() is %d, torch %s was built %s"
           % (requested, available, count, torch.__version__,
              "for CUDA %s" % torch.version.cuda if torch.version.cuda else "without CUDA"))
    why += "".join("; torch warned: %s" % str(w.message).strip() for w in caught)
    if not allow_cpu:
        raise Failure(EXIT_NO_DEVICE, why + "; pass --allow-cpu to train on the CPU instead")
    return torch.device("cpu"), why + "; trained on the CPU (--allow-cpu)"


def describe(device):
    """Device facts for the report; torch's warnings (an unsupported GPU, ...) go in ``note``."""
    info = {"device": str(device), "device_kind": "GPU" if device.type == "cuda" else "CPU",
            "gpu_index": None, "gpu_name": None, "compute_capability": None}
    if device.type == "cuda":
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                major, minor = torch.cuda.get_device_capability(device)
                info.update(gpu_index=device.index, gpu_name=torch.cuda.get_device_name(device),
                            compute_capability="%d.%d" % (major, minor),
                            torch_cuda_arch_list=torch.cuda.get_arch_list())
                props = torch.cuda.get_device_properties(device)
            except Exception as exc:  # CUDA init: busy, lost or inaccessible GPU
                raise device_failure("querying %s" % device, exc)
            # Which physical GPU (or MIG instance) this is: CUDA's index order is not NVML's.
            uuid, visible = getattr(props, "uuid", None), os.environ.get("CUDA_VISIBLE_DEVICES")
            kind = "MIG" if (visible or "").strip().startswith("MIG-") else "GPU"
            bus_id = None
            if hasattr(props, "pci_bus_id"):
                bus_id = "%04x:%02x:%02x.0" % (props.pci_domain_id, props.pci_bus_id,
                                               props.pci_device_id)
            info.update(gpu_uuid=("%s-%s" % (kind, uuid)) if uuid is not None else None,
                        pci_bus_id=bus_id, cuda_visible_devices=visible)
        if caught:
            info["note"] = "; ".join("torch warned: %s" % str(w.message).strip() for w in caught)
    return info


class CpuShare(object):
    """How many CPUs other processes leave free, measured from /proc/stat over a window.

    On the CPU, OpenMP threads that share a core with other work wait for each other at every
    operator: on a busy 2-core machine two threads ran an epoch 8x slower than one. So the
    default thread count is the CPUs this process may use, less those busy with other work
    while the data was loading (our own CPU time is subtracted), and at least 1.
    """

    def __init__(self):
        self.start = self._snapshot()

    @staticmethod
    def _snapshot():
        try:
            with open("/proc/stat") as handle:
                ticks = [int(v) for v in handle.readline().split()[1:9]]
        except (IOError, OSError, ValueError):
            return None
        mine = os.times()
        return time.monotonic(), sum(ticks), ticks[3] + ticks[4], mine[0] + mine[1]

    def threads(self, allowed, min_window=0.2):
        if self.start is None:
            return allowed
        wall = time.monotonic() - self.start[0]
        if wall < min_window:
            time.sleep(min_window - wall)
        end = self._snapshot()
        if end is None:
            return allowed
        hz = float(os.sysconf("SC_CLK_TCK"))
        wall = end[0] - self.start[0]
        busy = ((end[1] - self.start[1]) - (end[2] - self.start[2])) / hz
        others = max(0.0, busy - (end[3] - self.start[3])) / wall
        free = (os.cpu_count() or allowed) - others
        return max(1, min(allowed, int(free + 0.5)))


def allowed_cpus():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


# --- training -----------------------------------------------------------------------------------

def cpu_seconds():
    """User + system CPU time of this process, all threads."""
    times = os.times()
    return times[0] + times[1]


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def one_cycle(steps, warmup_fraction):
    """Learning-rate factor per step: linear from 0.1 to 1 over the warm-up, then down to ~0."""
    warm = max(1, int(round(steps * warmup_fraction)))

    def factor(step):
        if step < warm:
            return 0.1 + 0.9 * step / warm
        return max(0.001, (steps - step) / float(max(1, steps - warm)))
    return factor


def amp_dtype(device):
    """bf16 where the training device computes it natively (compute capability 8.0 and newer,
    and the CPU), else fp16 with loss scaling. Not torch.cuda.is_bf16_supported(): in torch 2.x
    it defaults to including_emulation=True and says True on V100/T4, and it asks the current
    device, not this one."""
    if device.type == "cuda" and torch.cuda.get_device_capability(device) < (8, 0):
        return torch.float16
    return torch.bfloat16


# --- torch 2.0 and later ----------------------------------------------------------------------
# The trainer runs on every torch the pytorch2 role installs (2.0.0 ...). Two things it uses
# arrived later: torch.amp.GradScaler (torch 2.3; torch.cuda.amp.GradScaler before it) and
# fused AdamW for CPU parameters (torch 2.4; before it fused=True needs CUDA parameters). Where
# they are missing the older equivalent is used and the report's "optimizer" says so.

def grad_scaler(enabled):
    if hasattr(torch.amp, "GradScaler"):
        return torch.amp.GradScaler("cuda", enabled=enabled)
    return torch.cuda.amp.GradScaler(enabled=enabled)


def adamw_options(device):
    """(AdamW keyword arguments, label): fused where this torch has it for the device."""
    probe = [torch.zeros(1, device=device, requires_grad=True)]
    try:
        torch.optim.AdamW(probe, fused=True)
    except (RuntimeError, TypeError, ValueError) as exc:
        return {}, ("default (for-each) implementation: fused AdamW is not available for %s "
                    "parameters in torch %s (%s)"
                    % (device.type, torch.__version__, str(exc).strip().splitlines()[0][:120]))
    return {"fused": True}, "fused"


class Trainer(object):
    """The model, its one-epoch schedule and the per-batch input pipeline, all on one device.

    The images stay uint8 on the device; each batch is gathered by index, converted to float
    in the chosen memory format and normalised like the guides' Normalize((0.5,)*3, (0.5,)*3)
    in one small pass that stays in cache (no float copy of the whole dataset).
    """

    def __init__(self, args, device):
        self.args, self.device = args, device
        self.amp_dtype = amp_dtype(device) if args.amp else None
        fmt = args.memory_format
        if fmt == "auto":  # oneDNN is much faster on NHWC; cuDNN chooses well on its own
            fmt = "channels_last" if device.type == "cpu" else "contiguous"
        self.memory_format = fmt
        self.layout = torch.channels_last if fmt == "channels_last" else torch.contiguous_format
        torch.manual_seed(args.seed)
        self.model = LeNet().to(device=device, memory_format=self.layout)
        self.forward = (torch.compile(self.model, mode=args.compile_mode) if args.compile
                        else self.model)
        self.scaler = grad_scaler(self.amp_dtype == torch.float16)
        self.adamw_options, self.optimizer_impl = adamw_options(device)
        # Built here, not in the timed parts: torch imports torch._dynamo on the first
        # optimizer, which takes a second or more on a small CPU.
        self.warmup_optimizer = self.optimizer(0.0)
        self.epoch_optimizer = self.optimizer(args.lr)

    def inputs(self, images):
        """uint8 N x 3 x 32 x 32 -> normalised float, (x/255 - 0.5)/0.5 = (x - 127.5)/127.5."""
        x = images.to(dtype=torch.float32, memory_format=self.layout)
        return x.sub_(127.5).mul_(1.0 / 127.5)

    def autocast(self):
        if self.amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(self.device.type, dtype=self.amp_dtype)

    def step(self, optimizer, images, labels):
        with self.autocast():
            loss = F.cross_entropy(self.forward(self.inputs(images)), labels)
        optimizer.zero_grad(set_to_none=True)
        if self.scaler.is_enabled():  # fp16 only; bf16 and fp32 need no loss scaling
            self.scaler.scale(loss).backward()
            self.scaler.step(optimizer)
            self.scaler.update()
        else:
            loss.backward()
            optimizer.step()
        return loss.detach()

    def optimizer(self, lr):
        return torch.optim.AdamW(self.model.parameters(), lr=lr,
                                 weight_decay=self.args.weight_decay, **self.adamw_options)

    def warm_up(self, images, labels, test_images=None):
        """Run the step on every batch shape the epoch will use, and the evaluation's forward
        pass on every test batch shape (cuDNN autotunes per shape), then put the weights back.
        With --compile at least one step per shape runs, even with --warmup-steps 0, so the
        compile does not land in the timed epoch."""
        saved = {k: v.clone() for k, v in self.model.state_dict().items()}
        n, bs = images.shape[0], self.args.batch_size
        steps = max(self.args.warmup_steps, 1 if self.args.compile else 0)
        shapes = [min(bs, n)] * steps + ([n % bs] if n > bs and n % bs else [])
        for rows in shapes:
            self.step(self.warmup_optimizer, images[:rows], labels[:rows])
        if test_images is not None and test_images.shape[0]:
            t, ebs = test_images.shape[0], self.args.eval_batch_size
            self.model.eval()
            with torch.inference_mode(), self.autocast():
                for rows in sorted({min(ebs, t), t % ebs} - {0}, reverse=True):
                    self.model(self.inputs(test_images[:rows]))
            self.model.train()
        sync(self.device)
        self.model.load_state_dict(saved)

    def train_epoch(self, images, labels):
        """One pass in a random order: (seconds, CPU seconds, mean loss of the last tenth)."""
        n, bs = images.shape[0], self.args.batch_size
        steps = -(-n // bs)
        optimizer = self.epoch_optimizer
        schedule = torch.optim.lr_scheduler.LambdaLR(
            optimizer, one_cycle(steps, self.args.warmup_fraction))
        generator = torch.Generator(device=self.device).manual_seed(self.args.seed)
        losses = torch.zeros(steps, device=self.device)
        self.model.train()
        sync(self.device)
        start, cpu_start = time.perf_counter(), cpu_seconds()
        order = torch.randperm(n, device=self.device, generator=generator)
        for i in range(steps):
            idx = order[i * bs:(i + 1) * bs]
            losses[i] = self.step(optimizer, images.index_select(0, idx),
                                  labels.index_select(0, idx))
            schedule.step()
        sync(self.device)
        seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
        return seconds, cpu, float(losses[-max(1, steps // 10):].mean())

    def evaluate(self, images, labels):
        """(accuracy 0..1, mean loss) over the test images."""
        self.model.eval()
        correct = torch.zeros((), dtype=torch.int64, device=self.device)
        loss = torch.zeros((), device=self.device)
        bs = self.args.eval_batch_size
        with torch.inference_mode(), self.autocast():
            for i in range(0, images.shape[0], bs):
                out = self.model(self.inputs(images[i:i + bs])).float()
                correct += (out.argmax(1) == labels[i:i + bs]).sum()
                loss += F.cross_entropy(out, labels[i:i + bs], reduction="sum")
        n = max(1, images.shape[0])
        return int(correct) / n, float(loss) / n


# --- the run ------------------------------------------------------------------------------------

def say(report, text):
    """Print a progress line that starts with what trained: [CPU] or [GPU cuda:N name]."""
    if report["device_kind"] == "CPU":
        label = "CPU"
    elif report.get("gpu_name"):
        label = "GPU %s %s" % (report["device"], report["gpu_name"])
    else:
        label = "GPU %s: none usable" % report["device"]
    print("[%s] %s" % (label, text), flush=True)


def base_report(args):
    return {
        "schema": SCHEMA, "host": args.host or socket.gethostname(),
        "device": args.device, "device_kind": "CPU" if args.device == "cpu" else "GPU",
        "gpu_index": None, "gpu_name": None, "compute_capability": None,
        "gpu_uuid": None, "pci_bus_id": None,
        "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
        "torch_cuda_arch_list": None, "driver_version": nvml_driver_version(),
        "cuda_runtime_version": torch.version.cuda, "cudnn_version": cudnn_version(),
        "torch_version": torch.__version__,
        "python_version": "%d.%d.%d" % sys.version_info[:3],
        "data_source": args.data_source, "data_dir": os.path.abspath(args.data_dir),
        "train_images": None, "test_images": None, "batch_size": args.batch_size,
        "epochs": 1,
        "optimizer": "AdamW weight_decay=%g, one-cycle lr peak %g, warm-up %g of the epoch"
                     % (args.weight_decay, args.lr, args.warmup_fraction),
        "amp": bool(args.amp), "amp_dtype": None, "compile": bool(args.compile),
        "compile_mode": args.compile_mode if args.compile else None, "compile_seconds": None,
        "memory_format": None, "seed": args.seed,
        "cpu_threads": None, "note": None,
        "data_seconds": None, "to_device_seconds": None, "setup_seconds": None,
        "warmup_seconds": None,
        "epoch_seconds": None, "epoch_cpu_seconds": None, "images_per_second": None,
        "eval_seconds": None,
        "final_train_loss": None, "test_loss": None, "test_accuracy": None,
        "thresholds": {"min_accuracy": args.min_accuracy,
                       "max_epoch_seconds": args.max_epoch_seconds},
        "passed": False, "reasons": [],
    }


def run(args, report):
    device, note = pick_device(args.device, args.allow_cpu)
    report.update(note=note)
    report.update(describe(device))
    if report["note"]:
        say(report, report["note"])
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
        torch.set_float32_matmul_precision("high")

    start = time.perf_counter()
    cpu_share = CpuShare()  # measured while the data loads (topped up to 0.2 s if faster)
    folder = find_batches_dir(args.data_dir)
    train_x, train_y = load_split(folder, TRAIN_FILES, args.limit_train)
    test_x, test_y = load_split(folder, TEST_FILES, args.limit_test)
    if device.type == "cpu":
        torch.set_num_threads(args.threads or cpu_share.threads(allowed_cpus()))
        report["cpu_threads"] = torch.get_num_threads()
    report.update(data_seconds=round(time.perf_counter() - start, 3),
                  train_images=int(train_y.numel()), test_images=int(test_y.numel()))
    start = time.perf_counter()
    try:
        train_x, train_y = train_x.to(device), train_y.to(device)
        test_x, test_y = test_x.to(device), test_y.to(device)
        sync(device)
    except Exception as exc:  # the first CUDA work: exclusive-process GPU busy, OOM, ...
        raise device_failure("copying the data to %s" % device, exc)
    report["to_device_seconds"] = round(time.perf_counter() - start, 3)
    say(report, "data (%s): %d training + %d test images read in %.2f s, on %s in %.2f s%s"
        % (args.data_source, report["train_images"], report["test_images"],
           report["data_seconds"], device, report["to_device_seconds"],
           ", %d CPU thread(s)" % report["cpu_threads"] if report["cpu_threads"] else ""))

    try:
        start = time.perf_counter()
        trainer = Trainer(args, device)
        report["setup_seconds"] = round(time.perf_counter() - start, 3)
        report.update(amp_dtype=str(trainer.amp_dtype).replace("torch.", "") if args.amp else None,
                      memory_format=trainer.memory_format,
                      optimizer="%s; %s" % (report["optimizer"], trainer.optimizer_impl))
        start = time.perf_counter()
        trainer.warm_up(train_x, train_y, test_x)
        report["warmup_seconds"] = round(time.perf_counter() - start, 3)
        # torch.compile compiles during the warm-up steps: its time is reported apart from
        # the epoch (and images_per_second), which runs the compiled code only.
        report["compile_seconds"] = report["warmup_seconds"] if args.compile else None
        seconds, cpu, loss = trainer.train_epoch(train_x, train_y)
        start = time.perf_counter()
        accuracy, test_loss = trainer.evaluate(test_x, test_y)
        report["eval_seconds"] = round(time.perf_counter() - start, 3)
    except Exception as exc:  # CUDA OOM, compiler errors, ...: still write the report
        raise Failure(EXIT_TRAINING, "training failed: %s: %s"
                      % (type(exc).__name__, str(exc).strip().splitlines()[0][:300]))
    report.update(epoch_seconds=round(seconds, 3), epoch_cpu_seconds=round(cpu, 3),
                  images_per_second=round(report["train_images"] / seconds, 1),
                  final_train_loss=round(loss, 4), test_loss=round(test_loss, 4),
                  test_accuracy=round(accuracy, 4))
    say(report, "one epoch: %d images in %.2f s (%.0f images/s), final train loss %.3f"
        % (report["train_images"], seconds, report["images_per_second"], loss))
    say(report, "test accuracy %.2f%% on %d images" % (100 * accuracy, report["test_images"]))

    if accuracy < args.min_accuracy:
        report["reasons"].append("test accuracy %.4f is below the minimum %.4f"
                                 % (accuracy, args.min_accuracy))
    if args.max_epoch_seconds is not None and seconds > args.max_epoch_seconds:
        report["reasons"].append("epoch took %.2f s, more than the maximum %.2f s"
                                 % (seconds, args.max_epoch_seconds))
    return EXIT_FAILED if report["reasons"] else EXIT_PASSED


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    p.add_argument("--data-dir", required=True,
                   help="folder holding cifar-10-batches-py/ (or that folder itself)")
    p.add_argument("--data-source", default="path",
                   choices=("url", "controller", "path", "synthetic"),
                   help="where the data came from, for the report (default: path)")
    p.add_argument("--device", default="cuda", help="cuda, cuda:N or cpu (default: cuda)")
    p.add_argument("--allow-cpu", action="store_true",
                   help="train on the CPU when no usable GPU is found instead of failing")
    p.add_argument("--batch-size", type=int, default=64, help="training batch (default: 64)")
    p.add_argument("--eval-batch-size", type=int, default=2000, help="(default: 2000)")
    p.add_argument("--lr", type=float, default=0.005, help="peak one-cycle learning rate "
                   "(default: 0.005)")
    p.add_argument("--warmup-fraction", type=float, default=0.25,
                   help="share of the epoch spent raising the learning rate (default: 0.25)")
    p.add_argument("--weight-decay", type=float, default=0.01, help="(default: 0.01)")
    p.add_argument("--amp", action="store_true",
                   help="mixed precision: bf16 autocast (fp16 with loss scaling on GPUs without "
                        "bf16); bf16 on the CPU")
    p.add_argument("--compile", action="store_true", help="torch.compile the model")
    p.add_argument("--compile-mode", default="default",
                   choices=("default", "reduce-overhead", "max-autotune",
                            "max-autotune-no-cudagraphs"),
                   help="torch.compile mode (default: default)")
    p.add_argument("--memory-format", choices=("auto", "channels_last", "contiguous"),
                   default="auto", help="layout of the activations (default: auto = "
                   "channels_last on the CPU, contiguous on a GPU)")
    p.add_argument("--warmup-steps", type=int, default=2,
                   help="untimed steps on a throw-away copy of the weights (default: 2; "
                        "--compile makes it at least 1)")
    p.add_argument("--threads", type=int, default=0,
                   help="CPU threads for training on the CPU (default: 0 = the CPUs this "
                        "process may use that other work leaves free, at least 1)")
    p.add_argument("--seed", type=int, default=0, help="(default: 0)")
    p.add_argument("--limit-train", type=int, default=0,
                   help="use only the first N training images (default: 0 = all)")
    p.add_argument("--limit-test", type=int, default=0,
                   help="use only the first N test images (default: 0 = all)")
    p.add_argument("--min-accuracy", type=float, default=0.35,
                   help="pass only at this test accuracy or more, 0..1 (default: 0.35)")
    p.add_argument("--max-epoch-seconds", type=float, default=None,
                   help="pass only if the epoch takes at most this long (default: no limit)")
    p.add_argument("--host", default=None, help="host name for the report (default: hostname)")
    p.add_argument("--report", default=None, help="also write the JSON report to this file")
    args = p.parse_args(argv)
    for name in ("batch_size", "eval_batch_size"):
        if getattr(args, name) < 1:
            p.error("--%s must be at least 1" % name.replace("_", "-"))
    if min(args.limit_train, args.limit_test, args.warmup_steps, args.threads) < 0:
        p.error("--limit-train, --limit-test, --warmup-steps and --threads must be >= 0")
    if not 0.0 <= args.warmup_fraction < 1.0:
        p.error("--warmup-fraction is a fraction: at least 0, below 1")
    if not 0.0 <= args.min_accuracy <= 1.0:
        p.error("--min-accuracy is a fraction between 0 and 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    report = base_report(args)
    try:
        code = run(args, report)
    except Failure as failure:
        code = failure.code
        report["reasons"].append(str(failure))
        print(str(failure), file=sys.stderr)
    report["passed"] = code == EXIT_PASSED
    say(report, "PASSED" if report["passed"] else "FAILED: " + "; ".join(report["reasons"]))
    line = json.dumps(report, sort_keys=True)
    if args.report:
        with open(args.report, "w") as handle:
            handle.write(line + "\n")
    print(line, flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
