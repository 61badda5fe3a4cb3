# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the acceptance trainer on several devices at once, one process per device.

usage: gpulab_acceptance_run.py --trainer PATH --reports DIR
                                (--devices cuda:0,cuda:1 | --visible GPU-...,MIG-...)
                                [--timeout S] -- TRAINER_ARGS...

--devices: one process per torch device, in this environment as it is.
--visible: one process per CUDA device entry (a GPU or MIG UUID, or an index), each with
CUDA_VISIBLE_DEVICES set to that one entry and training on cuda:0. A CUDA process sees one MIG
instance only (NVIDIA MIG user guide, "CUDA device enumeration"), and UUIDs name the same GPU
whatever order CUDA enumerates in. When this process's environment already sets
CUDA_VISIBLE_DEVICES (the environment's activation: pytorch2_visible_devices), its entries
replace the --visible list, read by CUDA's rules: "" is no device at all, and the list ends
at the first invalid entry ("0,2,-1,1" is 0 and 2).

Each process writes DIR/report-<device>.json, its stderr goes to DIR/stderr-<device>.log (a
file, so a chatty trainer never stalls on a full pipe). All processes share one deadline,
--timeout seconds from the start; those still running then are killed. This prints one JSON
line with every report (a process that left none gets a failed stand-in saying it timed out,
or its exit code and the end of its stderr) and exits 0 when all passed, 1 when any failed.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time


def safe_name(label):
    return re.sub(r"[^A-Za-z0-9._-]", "-", label)


def report_path(reports, device):
    return os.path.join(reports, "report-%s.json" % safe_name(device))


def visible_entries(value):
    """CUDA_VISIBLE_DEVICES -> its entries by CUDA's rules (CUDA C++ Programming Guide, "CUDA
    Environment Variables"): "" is none; indexes or GPU-/MIG- UUIDs; the list ends at the
    first invalid entry."""
    entries = []
    for item in value.split(","):
        item = item.strip()
        if re.match(r"^[0-9]+$", item):
            item = str(int(item))
        elif not re.match(r"^(GPU|MIG)-[0-9A-Za-z-]+(/[0-9]+/[0-9]+)?$", item):
            break
        entries.append(item)
    return entries


def plan(args, environ):
    """[(label, device, CUDA_VISIBLE_DEVICES or None)], and a reason when nothing can run."""
    if args.visible is None:
        return [(d, d, None) for d in args.devices.split(",") if d], None
    inherited = environ.get("CUDA_VISIBLE_DEVICES")
    if inherited is not None:
        entries = visible_entries(inherited)
        if not entries:
            return [], ("CUDA_VISIBLE_DEVICES=%r in the environment (pytorch2_visible_devices) "
                        "leaves no GPU visible: an empty value hides every device, and the list "
                        "ends at the first invalid entry" % inherited)
    else:
        entries = [e for e in args.visible.split(",") if e]
    return [(entry, "cuda:0", entry) for entry in entries], None


def main(argv=None, environ=None):
    argv = sys.argv[1:] if argv is None else argv
    environ = os.environ if environ is None else environ
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--trainer", required=True)
    parser.add_argument("--reports", required=True)
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--devices", help="comma-separated torch devices, e.g. cuda:0,cuda:1")
    group.add_argument("--visible", help="comma-separated CUDA device entries (GPU/MIG UUIDs)")
    parser.add_argument("--timeout", type=float, default=1800,
                        help="seconds for all processes together (default: 1800)")
    args = parser.parse_args(argv[:split])
    trainer_args = argv[split + 1:]
    os.makedirs(args.reports, exist_ok=True)
    runs, nothing = plan(args, environ)
    if nothing:
        print(json.dumps([{"device": "cuda", "device_kind": "GPU", "passed": False,
                           "cuda_visible_devices": environ.get("CUDA_VISIBLE_DEVICES"),
                           "reasons": [nothing]}], sort_keys=True))
        return 1

    deadline = time.monotonic() + args.timeout
    procs = []
    for label, device, visible in runs:
        path = report_path(args.reports, label)
        if os.path.exists(path):
            os.unlink(path)
        env = dict(environ)
        if visible is not None:
            env["CUDA_VISIBLE_DEVICES"] = visible
        cmd = [sys.executable, args.trainer, "--device", device, "--report", path] + trainer_args
        err_path = os.path.join(args.reports, "stderr-%s.log" % safe_name(label))
        with open(err_path, "w") as err:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)
        procs.append((label, device, visible, proc, err_path))

    timed_out = set()
    for entry in procs:
        try:
            entry[3].wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out.add(entry[0])
    for entry in procs:  # past the deadline: stop every one still running
        if entry[3].poll() is None:
            timed_out.add(entry[0])
            entry[3].kill()
            entry[3].wait()

    reports = []
    for label, device, visible, proc, err_path in procs:
        try:
            with open(report_path(args.reports, label)) as handle:
                reports.append(json.load(handle))
            continue
        except (IOError, OSError, ValueError):
            pass
        try:
            with open(err_path, errors="replace") as handle:
                err = handle.read()[-500:].strip()
        except (IOError, OSError):
            err = ""
        if label in timed_out:
            why = ("trainer timed out: still running %g s after the start (--timeout, "
                   "acceptance_timeout_s) and was killed" % args.timeout)
        else:
            why = "trainer exited with code %s and wrote no report" % proc.returncode
        reports.append({"device": device, "device_kind": "GPU" if device != "cpu" else "CPU",
                        "cuda_visible_devices": visible, "passed": False,
                        "reasons": ["%s%s" % (why, (": " + err) if err else "")]})
    print(json.dumps(reports, sort_keys=True))
    return 0 if all(r.get("passed") for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
