# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bytes fetched from outside vs bytes pushed to hosts, controller cache cold vs warm.

Two converges of --hosts fresh containers (gpulab-bench-dl-<n>, host network, the local test
image) with site.yml, the demo inventory's settings and --layers (default cuda_toolkit cudnn),
both with gpulab_controller_cache pointed at the same new, empty directory:

  cold   the cache starts empty: whatever lands in it came from outside (PyPI);
  warm   fresh hosts again, the cache as the cold run left it.

For each run it reports:
  from outside, once    bytes added to the controller cache (wheels, installers, datasets);
  pushed, per host      bytes of every file copied or templated to the host (json callback:
                        changed copy/template results, delegated ones left out);
  Debian, per host      .deb files and package lists that host's apt fetched itself (these do
                        not go through the controller cache);
  machine rx            all interfaces but lo, from /proc/net/dev: the containers share the
                        host's network, so this is everything fetched, by anyone on the machine.

By default the controller's pip runs without its configuration (PIP_CONFIG_FILE=/dev/null, no
PIP_FIND_LINKS/PIP_INDEX_URL/PIP_EXTRA_INDEX_URL), so the cold run really fetches from pypi.org;
--pip-config keeps this controller's pip configuration (a local mirror here). Finally it lists
the wheelhouses already in the default cache (~/.cache/gpulab) from their manifests, to size the
torch layer without downloading it again.

    .venv/bin/python benchmarks/downloads.py --hosts 4 [--layers cuda_toolkit cudnn] [--keep]
"""

import argparse
import glob
import json
import os
import re
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import site_rerun as bench  # noqa: E402  (the benchmark next to this one)

PIP_MIRROR_VARS = ("PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_CONSTRAINT")
MIB = 1048576.0


def machine_rx():
    """Bytes received on every interface but lo since boot."""
    total = 0
    with open("/proc/net/dev") as handle:
        for line in handle.readlines()[2:]:
            name, counters = line.split(":", 1)
            if name.strip() != "lo":
                total += int(counters.split()[0])
    return total


def tree_bytes(path):
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            full = os.path.join(root, name)
            if not os.path.islink(full):
                total += os.path.getsize(full)
    return total


APT_PROBE = r"""
since=$1
debs=$(find /var/cache/apt/archives -name '*.deb' -newerct "@$since" -printf '%s\n' | awk '{s+=$1} END {print s+0}')
ndebs=$(find /var/cache/apt/archives -name '*.deb' -newerct "@$since" | wc -l)
lists=$(find /var/lib/apt/lists -type f -newerct "@$since" ! -name lock ! -path '*/partial/*' -printf '%s\n' | awk '{s+=$1} END {print s+0}')
echo "$debs $ndebs $lists"
"""


def apt_fetched(name, since):
    """(.deb bytes, .deb count, list bytes on disk) that apt wrote in the container since then."""
    out = bench.docker("exec", name, "sh", "-c", APT_PROBE, "probe", "%d" % since).stdout.split()
    return int(out[0]), int(out[1]), int(out[2])


def pushed_bytes(output):
    """{host: {task name: bytes}} of files the play copied or templated to each host."""
    pushed = {}
    for play in output["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                items = result.get("results") or [result]
                for item in items:
                    if not isinstance(item, dict) or not item.get("changed"):
                        continue
                    if "checksum" not in item or "size" not in item or "dest" not in item:
                        continue   # not a file written from the controller (copy/template)
                    if item.get("_ansible_delegated_vars"):
                        continue   # written on the controller (its cache), not pushed
                    per_task = pushed.setdefault(host, {})
                    name = task["task"]["name"]
                    per_task[name] = per_task.get(name, 0) + item["size"]
    return pushed


def quiet_config(workdir):
    """The checkout's ansible.cfg without callbacks_enabled (profile_tasks would break JSON)."""
    with open(os.path.join(bench.REPO, "ansible.cfg")) as handle:
        text = re.sub(r"^callbacks_enabled\s*=.*$", "", handle.read(), flags=re.M)
    text = text.replace("./", bench.REPO + "/")
    path = os.path.join(workdir, "ansible.cfg")
    with open(path, "w") as handle:
        handle.write(text)
    return path


def converge(label, workdir, names, layers, cache, pip_config):
    """Converge names with site.yml and the given cache; returns the measurements."""
    workdir = os.path.join(workdir, label.split()[0])   # own facts cache and logs per run
    os.makedirs(workdir)
    inventory, extra = bench.write_inventory(workdir, names, {"gpulab_layers": layers,
                                                              "gpulab_controller_cache": cache})
    env = bench.ansible_env(workdir, config=quiet_config(workdir),
                            ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json")
    if not pip_config:
        for var in PIP_MIRROR_VARS:
            env.pop(var, None)
        env["PIP_CONFIG_FILE"] = os.devnull
    since = int(time.time()) - 1
    cache_before, rx_before = tree_bytes(cache), machine_rx()
    run = bench.run_site(label, workdir, inventory, extra, env=env, stderr_apart=True)
    rx = machine_rx() - rx_before
    if run.returncode != 0:
        bench.fail_run(run, workdir)
    output = json.loads(run.stdout)
    pushed = pushed_bytes(output)
    apt = dict((name, apt_fetched(name, since)) for name in names)
    changed = sum(stats["changed"] for stats in output["stats"].values())
    return {"label": label, "wall": run.wall, "cache": tree_bytes(cache) - cache_before,
            "rx": rx, "pushed": pushed, "apt": apt, "changed": changed}


def wheelhouse_manifests(cache):
    """[(key, wheel count, bytes)] for every wheelhouse manifest in the cache."""
    found = []
    for manifest in sorted(glob.glob(os.path.join(cache, "wheelhouse", "*", "manifest.json"))):
        with open(manifest) as handle:
            wheels = json.load(handle)["wheels"]
        found.append((os.path.basename(os.path.dirname(manifest)),
                      sorted(wheels), sum(wheel["size"] for wheel in wheels.values())))
    return found


def report(phases, names, layers, pip_config):
    hosts = len(names)
    print()
    print("Layers: %s; %d fresh hosts per run; %s."
          % (", ".join(["preflight"] + layers), hosts, bench.MACHINE))
    print("Controller pip: %s." % ("this controller's configuration (local mirror first)"
                                   if pip_config else "no configuration, pypi.org only"))
    print()
    print("| run | wall s | from outside into the controller cache MiB | pushed per host MiB | "
          "pushed, all hosts MiB | Debian .deb per host MiB | apt lists per host MiB (on disk) "
          "| machine rx MiB (anyone's) | changed |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for phase in phases:
        per_host = [sum(phase["pushed"].get(name, {}).values()) for name in names]
        debs = [phase["apt"][name][0] for name in names]
        lists = [phase["apt"][name][2] for name in names]
        print("| %s | %.0f | %.1f | %s | %.1f | %s | %s | %.1f | %d |"
              % (phase["label"], phase["wall"], phase["cache"] / MIB, spread(per_host),
                 sum(per_host) / MIB, spread(debs), spread(lists), phase["rx"] / MIB,
                 phase["changed"]))
    print()
    for phase in phases:
        print("%s, pushed to %s by task (MiB, 1 MiB and more):" % (phase["label"], names[0]))
        for task, size in sorted(phase["pushed"].get(names[0], {}).items(), key=lambda i: -i[1]):
            if size >= MIB:
                print("  %8.1f  %s" % (size / MIB, task))


def spread(values):
    """'x' when every host got the same number of MiB, else 'min-max'."""
    low, high = min(values) / MIB, max(values) / MIB
    return "%.1f" % low if round(low, 1) == round(high, 1) else "%.1f-%.1f" % (low, high)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=4, help="fresh hosts per run (default 4)")
    parser.add_argument("--layers", nargs="+", default=["cuda_toolkit", "cudnn"],
                        help="site.yml layers (default: cuda_toolkit cudnn)")
    parser.add_argument("--pip-config", action="store_true",
                        help="keep this controller's pip configuration (its local mirror)")
    parser.add_argument("--keep", action="store_true",
                        help="leave the last run's containers and the temporary cache")
    parser.add_argument("--prefix", default="gpulab-bench-dl", help="container name prefix")
    args = parser.parse_args()
    if args.hosts < 1:
        parser.error("--hosts must be positive")
    layers = bench.layer_list(args.layers)
    workdir = tempfile.mkdtemp(prefix="gpulab-bench-dl-")
    cache_root = os.path.expanduser("~/.cache")
    os.makedirs(cache_root, exist_ok=True)
    cache = tempfile.mkdtemp(prefix="gpulab-bench-cold-", dir=cache_root)
    bench.sigterm_as_interrupt()
    names = ["%s-%d" % (args.prefix, n) for n in range(1, args.hosts + 1)]
    print("downloads: %d host(s), layers %s, empty controller cache %s"
          % (args.hosts, " ".join(layers), cache))
    print("machine: %s" % bench.describe_machine())
    print("logs: %s" % workdir, flush=True)
    phases = []
    try:
        for label in ("cold cache", "warm cache"):
            bench.start_containers(args.prefix, args.hosts)
            phases.append(converge(label, workdir, names, layers, cache, args.pip_config))
            print("%s: %.0f s, %.1f MiB into the cache, machine rx %.1f MiB"
                  % (label, phases[-1]["wall"], phases[-1]["cache"] / MIB,
                     phases[-1]["rx"] / MIB), flush=True)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130)
    finally:
        if args.keep:
            print("keeping %s and %s" % (" ".join(names), cache))
        else:
            bench.remove_containers(names)
            shutil.rmtree(cache, ignore_errors=True)

    report(phases, names, layers, args.pip_config)
    default_cache = os.path.expanduser(os.environ.get("GPULAB_CONTROLLER_CACHE", "~/.cache/gpulab"))
    houses = wheelhouse_manifests(default_cache)
    if houses:
        print()
        print("Wheelhouses in %s (from manifest.json, not downloaded by this run):" % default_cache)
        for key, wheels, size in houses:
            torch = [wheel for wheel in wheels if wheel.startswith("torch-")]
            print("  %s: %d wheels, %.1f MiB (%s)"
                  % (key, len(wheels), size / MIB, ", ".join(torch) or "no torch"))


if __name__ == "__main__":
    main()
