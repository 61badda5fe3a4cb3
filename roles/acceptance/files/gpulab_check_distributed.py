# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Acceptance check "distributed": torchrun over the host's GPUs, all-reduce sweep and DDP.

usage: gpulab_check_distributed.py --work-dir DIR [--device cuda|cpu] [--min-busbw GBPS]
                                   [--max-bytes N] [--timeout S]

With GPUs (torch.cuda.device_count() > 0, after CUDA_VISIBLE_DEVICES): torchrun
--nproc_per_node=<GPUs> with the NCCL backend; without: 2 processes with gloo, labelled CPU.
One node, so the rendezvous is static on the loopback address (127.0.0.1, a free port) and
gloo binds to the loopback device: the host's name need not resolve (on a host-network
container or an offline host it may not, and looking it up can hang). Every step has a
deadline: the process group's timeout and --timeout for the whole torchrun, after which the
whole process group of torchrun and its workers is killed and the report says so. Every process all-reduces float32 messages from 1 KiB up to --max-bytes
(default 1 GiB on GPUs, 64 MiB on the CPU) and times them; rank 0 reports per size
algbw = bytes / seconds and busbw = algbw x 2(n-1)/n (the bus bandwidth of nccl-tests'
all_reduce_perf, comparable across process counts), the peak busbw and the size it was
reached at. Then one DDP step of the acceptance LeNet; after it the weights must be the same
on every rank. --min-busbw (GB/s, 1 GB = 1e9 bytes) fails the check below it (GPU only).

Prints one JSON line {"name": "distributed", "passed": ..., ...}; exit 0 passed, 1 failed.
The pure functions (bus_bandwidth, plan, judge) need no torch.
"""

import argparse
import datetime
import json
import os
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GIB = 1 << 30
CPU_MAX_BYTES = 64 << 20


# --- pure functions (unit-tested without torch) ---------------------------------------------

def bus_bandwidth(nbytes, seconds, ranks):
    """(algbw, busbw) in GB/s for one all-reduce of ``nbytes`` over ``ranks`` processes.

    busbw = algbw x 2(n-1)/n: a ring all-reduce moves 2(n-1)/n of the data over each link,
    so busbw is what the links carried (nccl-tests, doc/PERFORMANCE.md)."""
    if seconds <= 0 or ranks < 1:
        raise ValueError("seconds must be > 0 and ranks >= 1")
    algbw = nbytes / seconds / 1e9
    return algbw, algbw * 2.0 * (ranks - 1) / ranks


def plan(devices, nccl_available, max_bytes=None):
    """How to run: {"backend", "nproc", "device_kind", "max_bytes"}, or {"error": why}."""
    if devices > 0:
        if not nccl_available:
            return {"error": "torch reports NCCL unavailable (torch.distributed.is_nccl_available()"
                             " is False) on a host with %d GPU(s): install a CUDA build of torch "
                             "(pytorch2_cuda cu1xx), not the CPU one" % devices}
        return {"backend": "nccl", "nproc": devices, "device_kind": "GPU",
                "max_bytes": max_bytes or GIB}
    return {"backend": "gloo", "nproc": 2, "device_kind": "CPU",
            "max_bytes": max_bytes or CPU_MAX_BYTES}


def sizes(max_bytes, smallest=1024):
    """Message sizes in bytes: powers of 4 from 1 KiB, and max_bytes itself last."""
    out, size = [], smallest
    while size < max_bytes:
        out.append(size)
        size *= 4
    out.append(max_bytes)
    return out


def judge(result, min_busbw=0.0):
    """Reasons the distributed result fails (empty: passed)."""
    reasons = []
    if result.get("error"):
        reasons.append(result["error"])
        return reasons
    sweep = result.get("sweep") or []
    if not sweep:
        reasons.append("no all-reduce completed")
    elif max(row["bytes"] for row in sweep) < result.get("max_bytes", 0):
        reasons.append("the sweep stopped at %d bytes, below %d"
                       % (max(row["bytes"] for row in sweep), result["max_bytes"]))
    if any(not row.get("correct", True) for row in sweep):
        reasons.append("an all-reduce returned a wrong sum")
    if not (result.get("ddp_step") or {}).get("same_weights"):
        reasons.append("after one DDP step the weights differ between ranks"
                       if result.get("ddp_step") else "the DDP step did not run")
    if min_busbw and result.get("device_kind") == "GPU" and sweep:
        peak = result.get("peak_busbw_gbps") or 0.0
        if peak < min_busbw:
            reasons.append("peak all-reduce busbw %.1f GB/s (at %d bytes) over %d GPUs is below "
                           "acceptance_min_busbw_gbps %.1f: check NVLink/NVSwitch (Fabric "
                           "Manager) or the PCIe topology (nvidia-smi topo -m)"
                           % (peak, result.get("peak_bytes") or 0, result.get("nproc", 0),
                              min_busbw))
    return reasons


def summary(result):
    if result.get("error"):
        return "not run: %s" % result["error"]
    return "%s x%d (%s): peak busbw %.2f GB/s at %s, DDP step %s" % (
        result.get("backend"), result.get("nproc", 0), result.get("device_kind"),
        result.get("peak_busbw_gbps") or 0.0, human(result.get("peak_bytes") or 0),
        "ok" if (result.get("ddp_step") or {}).get("same_weights") else "failed")


def human(nbytes):
    for unit, size in (("GiB", GIB), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if nbytes >= size:
            return "%g %s" % (round(nbytes / float(size), 2), unit)
    return "%d B" % nbytes


# --- the worker (one per rank, under torchrun) ----------------------------------------------

def worker(args):
    import torch
    import torch.distributed as dist

    backend = args.backend
    rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    local = int(os.environ.get("LOCAL_RANK", rank))
    if backend == "nccl":
        torch.cuda.set_device(local)
        device = torch.device("cuda", local)
    else:
        torch.set_num_threads(1)
        device = torch.device("cpu")
    # a collective that waits longer than this fails instead of hanging (gloo and NCCL)
    dist.init_process_group(backend, timeout=datetime.timedelta(seconds=args.step_timeout))

    def sync():
        if device.type == "cuda":
            torch.cuda.synchronize(device)

    sweep = []
    for nbytes in sizes(args.max_bytes):
        data = torch.full((nbytes // 4,), float(rank + 1), device=device)
        iters = 20 if nbytes <= (1 << 20) else 5 if nbytes <= (64 << 20) else 3
        dist.all_reduce(data)  # warm-up (connection set-up), and the sum is checked
        sync()
        correct = float(data[0]) == float(world * (world + 1) // 2) == float(data[-1])
        dist.barrier()
        start = time.perf_counter()
        for _iteration in range(iters):
            dist.all_reduce(data)
        sync()
        seconds = (time.perf_counter() - start) / iters
        # the slowest rank's time is the collective's time
        took = torch.tensor([seconds], dtype=torch.float64, device=device)
        dist.all_reduce(took, op=dist.ReduceOp.MAX)
        seconds = float(took)
        algbw, busbw = bus_bandwidth(nbytes, seconds, world)
        sweep.append({"bytes": nbytes, "seconds": seconds, "algbw_gbps": round(algbw, 3),
                      "busbw_gbps": round(busbw, 3), "correct": correct})
        del data

    sys.path.insert(0, HERE)
    from gpulab_train_lenet import LeNet
    torch.manual_seed(rank)  # different on purpose: DDP broadcasts rank 0's weights
    model = torch.nn.parallel.DistributedDataParallel(
        LeNet().to(device), device_ids=[local] if device.type == "cuda" else None)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    images = torch.randn(8, 3, 32, 32, device=device) * (rank + 1)
    labels = torch.randint(0, 10, (8,), device=device)
    loss = torch.nn.functional.cross_entropy(model(images), labels)
    loss.backward()
    optimizer.step()
    flat = torch.cat([p.detach().reshape(-1) for p in model.parameters()])
    low, high = flat.clone(), flat.clone()
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    same = bool(torch.equal(low, high))
    if rank == 0:
        peak = max(sweep, key=lambda row: row["busbw_gbps"])
        result = {"backend": backend, "nproc": world, "sweep": sweep,
                  "peak_busbw_gbps": peak["busbw_gbps"], "peak_bytes": peak["bytes"],
                  "ddp_step": {"loss": round(float(loss), 4), "same_weights": same}}
        with open(args.result, "w") as handle:
            json.dump(result, handle)
    dist.destroy_process_group()
    return 0


# --- the launcher ---------------------------------------------------------------------------

def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
    finally:
        sock.close()


def run_bounded(command, env, timeout):
    """(output, exit code, or why it was killed) of ``command`` in a session of its own.

    On the deadline the whole process group is killed: torchrun's workers hold the output pipe,
    so killing torchrun alone would leave the read waiting on them."""
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            universal_newlines=True, env=env, start_new_session=True)
    try:
        output = proc.communicate(timeout=timeout)[0]
        return output, proc.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except OSError:
            pass
        output = proc.communicate()[0]
        return output, ("no end within %g s (--timeout, acceptance_timeout_s): torchrun and its "
                        "workers killed" % timeout)


def launch(args):
    import torch
    import torch.distributed as dist

    devices = torch.cuda.device_count() if args.device.startswith("cuda") else 0
    how = plan(devices, dist.is_available() and dist.is_nccl_available(), args.max_bytes)
    report = {"name": "distributed", "passed": False, "reasons": [],
              "device_kind": "GPU" if devices else "CPU", "visible_gpus": devices,
              "min_busbw_gbps": args.min_busbw or None}
    if "error" in how:
        report.update(how)
        report["reasons"] = judge(how)
        return report
    report.update(how)
    os.makedirs(args.work_dir, exist_ok=True)
    result_path = os.path.join(args.work_dir, "distributed.json")
    if os.path.exists(result_path):
        os.unlink(result_path)
    command = [sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--node_rank=0",
               "--master_addr=127.0.0.1", "--master_port=%d" % free_port(), "--max_restarts=0",
               "--nproc_per_node=%d" % how["nproc"], os.path.abspath(__file__), "--worker",
               "--backend", how["backend"], "--max-bytes", str(how["max_bytes"]),
               "--step-timeout", str(max(30, int(args.timeout // 2))), "--result", result_path]
    env = dict(os.environ)
    if how["backend"] == "gloo":
        env.setdefault("GLOO_SOCKET_IFNAME", "lo")
    start = time.perf_counter()
    output, code = run_bounded(command, env, args.timeout)
    report["seconds"] = round(time.perf_counter() - start, 2)
    try:
        with open(result_path) as handle:
            report.update(json.load(handle))
    except (IOError, OSError, ValueError):
        lines = [line for line in (output or "").splitlines() if line.strip()]
        errors = [line for line in lines if "Error" in line or "error" in line]
        report["error"] = ("torchrun (%s, %d processes) ended with %s and no result: %s"
                           % (how["backend"], how["nproc"], code,
                              (errors or lines or ["no output"])[-1].strip()[:400]))
    report["reasons"] = judge(report, args.min_busbw)
    report["passed"] = not report["reasons"]
    return report


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--work-dir", default=".")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--min-busbw", type=float, default=0.0)
    parser.add_argument("--max-bytes", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--backend", help=argparse.SUPPRESS)
    parser.add_argument("--result", help=argparse.SUPPRESS)
    parser.add_argument("--step-timeout", type=int, default=300, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.min_busbw < 0 or args.max_bytes < 0:
        parser.error("--min-busbw and --max-bytes must be >= 0")
    try:
        report = launch(args)
    except Exception as exc:  # never a bare traceback: the report says what failed
        report = {"name": "distributed", "passed": False, "device_kind": "CPU",
                  "error": "%s: %s" % (type(exc).__name__, str(exc).strip()[:400])}
        report["reasons"] = judge(report)
    report["summary"] = summary(report)
    print(json.dumps(report, sort_keys=True), flush=True)
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
