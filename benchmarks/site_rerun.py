# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Re-run of site.yml on converged hosts: wall time, tasks, changed=0 (a benchmark, not a test).

Starts max(--hosts) throwaway Debian 12 containers (gpulab-bench-<n>, host network, the local
test image), writes a temporary inventory that reaches them with community.docker.docker and
carries the settings of inventories/demo/group_vars/all.yml (layers from --layers), converges
them once with site.yml, then times --repeat re-runs for each host count in --hosts (the first n
hosts, with --limit; host counts interleaved so a change in the shared machine's load hits them
alike). Every run is parsed: wall time, controller CPU (ansible-playbook, its workers and their
docker clients; not the module runs in the containers), PLAY RECAP (ok/changed/skipped per
host), task banners, and which tasks reported changed. Exits 1 when a re-run changed anything. The containers are
removed at the end, also after a failure or Ctrl-C, unless --keep.

    .venv/bin/python benchmarks/site_rerun.py --hosts 1 4 \
        --layers preflight cuda_toolkit cudnn conda_env --repeat 3
    .venv/bin/python benchmarks/site_rerun.py --hosts 1        # the demo's layers

Run from anywhere; the checkout's ansible.cfg and .collections are used. Logs of every run go
to --log-dir (a new temporary directory by default).
"""

import argparse
import json
import os
import platform
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.dirname(os.path.abspath(sys.executable))
IMAGE = os.environ.get("GPULAB_TEST_IMAGE", "gpulab/debian12-test:local")
DEMO_VARS = os.path.join(REPO, "inventories", "demo", "group_vars", "all.yml")
LAYERS = ["nvidia_driver", "cuda_toolkit", "cudnn", "conda_env", "pytorch2", "acceptance"]
MACHINE = "2-core CPU container, no GPU, shared machine"

ANSI = re.compile(r"\x1b\[[0-9;]*m")
RECAP = re.compile(r"^(?P<host>\S+)\s+:\s+ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+"
                   r"unreachable=(?P<unreachable>\d+)\s+failed=(?P<failed>\d+)\s+"
                   r"skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+"
                   r"ignored=(?P<ignored>\d+)", re.M)
BANNER = re.compile(r"^(TASK|RUNNING HANDLER) \[(?P<name>.*)\] \**", re.M)
CHANGED = re.compile(r"^changed: \[(?P<host>[^\]]+)\]")


class Run:
    """One ansible-playbook run: what it took and what its output says."""

    def __init__(self, label, argv, returncode, wall, stdout, load, cpu=0.0):
        self.label = label
        self.argv = argv
        self.returncode = returncode
        self.wall = wall
        self.cpu = cpu   # controller CPU: ansible-playbook, its workers, their docker clients
        self.stdout = ANSI.sub("", stdout)
        self.load = load
        self.recap = dict((m["host"], dict((k, int(v)) for k, v in m.groupdict().items()
                                           if k != "host"))
                          for m in RECAP.finditer(self.stdout))
        self.banners = len(BANNER.findall(self.stdout))
        self.changed_tasks = changed_tasks(self.stdout)

    @property
    def changed(self):
        return sum(host["changed"] for host in self.recap.values())

    def executed(self, host):
        """Task results that ran on host (ok counts changed ones too; skipped did not run)."""
        counts = self.recap[host]
        return counts["ok"] + counts["failed"]


def changed_tasks(stdout):
    """[(task name, host)] for every 'changed: [host]' line, under the task banner before it."""
    found, task = [], None
    for line in stdout.splitlines():
        banner = BANNER.match(line)
        if banner:
            task = banner["name"]
            continue
        hit = CHANGED.match(line)
        if hit:
            found.append((task, hit["host"]))
    return found


def docker(*args, check=True):
    return subprocess.run(["docker"] + list(args), check=check, capture_output=True, text=True)


def start_containers(prefix, count):
    """Start count fresh containers prefix-1..prefix-count (an old one of that name is replaced)."""
    names = ["%s-%d" % (prefix, n) for n in range(1, count + 1)]
    for name in names:
        docker("rm", "-f", name, check=False)
        docker("run", "-d", "--name", name, "--hostname", name, "--network", "host",
               "--label", "gpulab.benchmark=%s" % os.path.basename(sys.argv[0]),
               IMAGE, "sleep", "infinity")
    return names


def remove_containers(names):
    for name in names:
        docker("rm", "-f", name, check=False)


def write_inventory(workdir, names, extra_vars):
    """An inventory in workdir: the hosts, the demo's group_vars, and extra vars in a JSON file."""
    inventory = os.path.join(workdir, "inventory")
    os.makedirs(os.path.join(inventory, "group_vars"), exist_ok=True)
    shutil.copy(DEMO_VARS, os.path.join(inventory, "group_vars", "all.yml"))
    hosts = dict((name, {"ansible_connection": "community.docker.docker",
                         "ansible_python_interpreter": "/usr/bin/python3"}) for name in names)
    with open(os.path.join(inventory, "hosts.yml"), "w") as handle:
        json.dump({"all": {"hosts": hosts}}, handle, indent=2)   # JSON is YAML
    extra = os.path.join(workdir, "extra_vars.json")
    with open(extra, "w") as handle:
        json.dump(extra_vars, handle, indent=2)
    return inventory, extra


def ansible_env(workdir, config=None, **more):
    """The checkout's ansible.cfg (or config) and tools; facts and reports go under workdir."""
    env = dict(os.environ,
               PATH=BIN + os.pathsep + os.environ.get("PATH", ""),
               ANSIBLE_CONFIG=config or os.path.join(REPO, "ansible.cfg"),
               ANSIBLE_COLLECTIONS_PATH=os.path.join(REPO, ".collections"),
               ANSIBLE_CACHE_PLUGIN_CONNECTION=os.path.join(workdir, "facts"),
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0",
               GPULAB_REPORT_DIR=os.path.join(workdir, "reports"))
    env.update(more)
    return env


def run_site(label, workdir, inventory, extra, limit=None, env=None, stderr_apart=False):
    """Run the checkout's site.yml; returns a Run. The full output is kept in workdir.

    stderr_apart keeps stderr out of Run.stdout (for a machine-readable stdout callback)."""
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", inventory, "-e", "@" + extra,
            os.path.join(REPO, "site.yml")]
    if limit:
        argv += ["--limit", limit]
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(argv, cwd=REPO, env=env or ansible_env(workdir), text=True,
                          stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE if stderr_apart else subprocess.STDOUT,
                          check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    run = Run(label, argv, done.returncode, wall, done.stdout, (load, os.getloadavg()[0]), cpu)
    with open(os.path.join(workdir, "%s.log" % re.sub(r"\W+", "_", label)), "w") as handle:
        handle.write(run.stdout + (done.stderr or ""))
    return run


def fail_run(run, workdir):
    sys.stderr.write(run.stdout[-6000:])
    sys.stderr.write("\n%s failed (rc=%d); full output in %s\n" % (run.label, run.returncode, workdir))
    raise SystemExit(2)


def layer_list(requested):
    """--layers as site.yml's gpulab_layers; 'preflight' is accepted and always runs anyway."""
    unknown = sorted(set(requested) - set(LAYERS) - {"preflight"})
    if unknown:
        raise SystemExit("unknown layer(s) %s; choose from preflight %s"
                         % (", ".join(unknown), " ".join(LAYERS)))
    return [layer for layer in LAYERS if layer in requested]


def demo_layers():
    """gpulab_layers of inventories/demo/group_vars/all.yml (read without a YAML library)."""
    with open(DEMO_VARS) as handle:
        match = re.search(r"^gpulab_layers:\s*\[(.*)\]", handle.read(), re.M)
    return [layer.strip() for layer in match.group(1).split(",")]


def sigterm_as_interrupt():
    """Turn SIGTERM into KeyboardInterrupt so the finally blocks remove the containers."""
    def handler(signum, frame):
        raise KeyboardInterrupt()
    signal.signal(signal.SIGTERM, handler)


def describe_machine():
    import ansible   # the ansible-core of this interpreter
    model = platform.processor() or "CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            model = next(line.split(":", 1)[1].strip() for line in handle
                         if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return "%s (%s, %d CPUs), Python %s, ansible-core %s" % (
        MACHINE, model, os.cpu_count(), platform.python_version(), ansible.__version__)


def recap_cell(run, hosts):
    """ok/changed/skipped of the first host, and 'same on all' when every host agrees."""
    cells = set("%(ok)d/%(changed)d/%(skipped)d" % run.recap[host] for host in hosts)
    first = "%(ok)d/%(changed)d/%(skipped)d" % run.recap[hosts[0]]
    return first if len(cells) == 1 else " ".join(sorted(cells))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[1],
                        help="host counts to time re-runs on (default: 1)")
    parser.add_argument("--layers", nargs="+", default=None,
                        help="site.yml layers (default: the demo's gpulab_layers)")
    parser.add_argument("--repeat", type=int, default=3, help="re-runs per host count")
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    parser.add_argument("--reuse", action="store_true",
                        help="use running gpulab-bench-<n> containers instead of fresh ones "
                             "(the first converge is then itself a re-run)")
    parser.add_argument("--prefix", default="gpulab-bench", help="container name prefix")
    parser.add_argument("--log-dir", default=None, help="where run logs go (default: a temp dir)")
    args = parser.parse_args()
    if min(args.hosts) < 1 or args.repeat < 1:
        parser.error("--hosts and --repeat must be positive")
    layers = layer_list(args.layers if args.layers is not None else demo_layers())
    workdir = args.log_dir or tempfile.mkdtemp(prefix="gpulab-bench-")
    os.makedirs(workdir, exist_ok=True)
    sigterm_as_interrupt()

    count = max(args.hosts)
    names = ["%s-%d" % (args.prefix, n) for n in range(1, count + 1)]
    print("site.yml re-run: %d host(s), layers %s (preflight and the summary always run)"
          % (count, " ".join(layers) or "none"))
    print("machine: %s" % describe_machine())
    print("logs: %s" % workdir)
    runs = []
    try:
        running = set(docker("ps", "--format", "{{.Names}}").stdout.split())
        if not (args.reuse and set(names) <= running):
            start_containers(args.prefix, count)
        inventory, extra = write_inventory(workdir, names, {"gpulab_layers": layers})
        first = run_site("converge %d hosts" % count, workdir, inventory, extra)
        if first.returncode != 0:
            fail_run(first, workdir)
        print("first converge: %.0f s, changed=%d over %d host(s)"
              % (first.wall, first.changed, count), flush=True)
        for round_ in range(1, args.repeat + 1):
            for n in args.hosts:
                run = run_site("rerun %d hosts #%d" % (n, round_), workdir, inventory, extra,
                               limit=",".join(names[:n]))
                if run.returncode != 0:
                    fail_run(run, workdir)
                run.hosts = names[:n]
                runs.append(run)
                print("re-run on %d host(s) #%d: %.1f s (controller CPU %.1f s), changed=%d, "
                      "load %.1f -> %.1f" % (n, round_, run.wall, run.cpu, run.changed,
                                             run.load[0], run.load[1]), flush=True)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130)
    finally:
        if args.keep:
            print("keeping %s (docker rm -f %s)" % (", ".join(names), " ".join(names)))
        else:
            remove_containers(names)

    print()
    print("Layers: %s; %s." % (", ".join(["preflight"] + layers), MACHINE))
    print()
    print("| hosts | re-runs | median s | min s | max s | controller CPU s (median) | "
          "load at start | task banners | tasks run per host (ok+failed) | "
          "ok/changed/skipped per host | changed (all runs) |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|")
    medians = {}
    for n in args.hosts:
        mine = [run for run in runs if len(run.hosts) == n]
        walls = [run.wall for run in mine]
        medians[n] = statistics.median(walls)
        last = mine[-1]
        print("| %d | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %d | %d | %s | %d |"
              % (n, len(mine), medians[n], min(walls), max(walls),
                 statistics.median(run.cpu for run in mine),
                 statistics.median(run.load[0] for run in mine), last.banners,
                 last.executed(last.hosts[0]), recap_cell(last, last.hosts),
                 sum(run.changed for run in mine)))
    if len(args.hosts) > 1:
        low, high = min(args.hosts), max(args.hosts)
        print()
        cpu = dict((n, statistics.median(run.cpu for run in runs if len(run.hosts) == n))
                   for n in (low, high))
        print("%d hosts / %d host(s): %.2f x the wall time, %.2f x the controller CPU (medians)"
              % (high, low, medians[high] / medians[low], cpu[high] / cpu[low]))
    changed = [(run.label, task, host) for run in runs for task, host in run.changed_tasks]
    if changed:
        print()
        print("NOT IDEMPOTENT: tasks that reported changed on a re-run:")
        for label, task, host in changed:
            print("  %s: %s on %s" % (label, task, host))
        raise SystemExit(1)
    print()
    print("every re-run: changed=0")


if __name__ == "__main__":
    main()
