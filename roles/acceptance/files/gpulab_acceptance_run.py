# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the acceptance trainer on several devices at once, one process per device.

usage: gpulab_acceptance_run.py --trainer PATH --reports DIR --devices cuda:0,cuda:1
                                [--timeout S] -- TRAINER_ARGS...

Each process writes DIR/report-<device>.json; this prints one JSON line with every report (a
process that died without one gets a failed stand-in naming its exit code) and exits 0 when
all passed, 1 when any failed.
"""

import argparse
import json
import os
import subprocess
import sys


def report_path(reports, device):
    return os.path.join(reports, "report-%s.json" % device.replace(":", "-"))


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    split = argv.index("--") if "--" in argv else len(argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--trainer", required=True)
    parser.add_argument("--reports", required=True)
    parser.add_argument("--devices", required=True, help="comma-separated, e.g. cuda:0,cuda:1")
    parser.add_argument("--timeout", type=float, default=1800)
    args = parser.parse_args(argv[:split])
    trainer_args = argv[split + 1:]
    devices = [d for d in args.devices.split(",") if d]
    os.makedirs(args.reports, exist_ok=True)

    procs = {}
    for device in devices:
        path = report_path(args.reports, device)
        if os.path.exists(path):
            os.unlink(path)
        cmd = [sys.executable, args.trainer, "--device", device, "--report", path] + trainer_args
        procs[device] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                         universal_newlines=True)
    reports = []
    for device, proc in procs.items():
        try:
            err = proc.communicate(timeout=args.timeout)[1]
        except subprocess.TimeoutExpired:
            proc.kill()
            err = proc.communicate()[1]
        try:
            with open(report_path(args.reports, device)) as handle:
                reports.append(json.load(handle))
        except (IOError, OSError, ValueError):
            reports.append({"device": device, "passed": False, "reasons": [
                "trainer exited with code %s and wrote no report: %s"
                % (proc.returncode, (err or "").strip()[-500:])]})
    print(json.dumps(reports, sort_keys=True))
    return 0 if all(r.get("passed") for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
