# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller pushing every host its wheels against the hosts fetching from a lab mirror.

A benchmark, not a test. In one run, on fresh Debian 12 containers of the local test image
(host network), for the wheel layers of the demo (--layers, default cuda_toolkit cudnn conda_env
pytorch2: CUDA 13.0 and cuDNN from NVIDIA's wheels, the torch 2.14.1 wheelhouse):

1. push: site.yml on --hosts N fresh hosts, the controller sending each host its wheels
   (wheelhouse_push over the docker connection);
2. fill: playbooks/wheel_mirror.yml on one more container that runs systemd, nginx from Debian
   serving a copy of the controller cache (only the sets the layers need);
3. mirror: site.yml on N other fresh hosts with gpulab_wheel_mirror_url pointing there.

For each: wall time, controller CPU (this process's children: ansible-playbook, its workers,
their docker clients) and the bytes the controller pushed, read from the Docker daemon's I/O
counter (/proc/<dockerd>/io rchar: every byte `docker exec` and `docker cp` stream into a
container passes through it; the hosts' downloads from nginx do not, they go over the loopback
device). That counter also counts anything else the daemon read meanwhile (container logs): an
upper bound on a shared machine.

The controller cache must be warm (run `make demo` once). Containers are removed at the end,
also after a failure or Ctrl-C, unless --keep.

    .venv/bin/python benchmarks/wheel_mirror.py                  # 4 hosts
    .venv/bin/python benchmarks/wheel_mirror.py --hosts 2 --layers cuda_toolkit cudnn
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import site_rerun as common   # beside this script: the container, inventory and run helpers
from first_converge import CACHE, dockerd_rchar, gib, role_defaults, torch_wheelhouses

PORT = 18082


def start_mirror(name):
    """A container that runs systemd (cgroup v1 host: the hierarchy read-only), for nginx."""
    common.docker("rm", "-f", name, check=False)
    common.docker("run", "-d", "--name", name, "--hostname", name, "--network", "host",
                  "--tmpfs", "/run", "--tmpfs", "/run/lock", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:ro",
                  "-e", "container=docker", "--label", "gpulab.benchmark=wheel_mirror.py",
                  common.IMAGE, "/lib/systemd/systemd")
    for _attempt in range(60):
        state = subprocess.run(["docker", "exec", name, "systemctl", "is-system-running"],
                               capture_output=True, text=True, check=False).stdout.strip()
        if state in ("running", "degraded"):
            return name
        time.sleep(1)
    raise SystemExit("the mirror container's systemd did not come up (%s)" % state)


def torch_sets():
    """The controller cache's wheelhouses (wheelhouse/<set>) of the demo's torch release for the
    test image's Python; the mirror gets only those."""
    version = role_defaults("pytorch2")["pytorch2_torch_version"]
    return [os.path.basename(path) for path in torch_wheelhouses(version)]


def measured(label, func):
    rchar = dockerd_rchar()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    run = func()
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    pushed = None if rchar is None else dockerd_rchar() - rchar
    print("%s: %.0f s, controller CPU %.0f s, pushed %s GiB" % (label, wall, cpu, gib(pushed)),
          flush=True)
    return run, wall, cpu, pushed


def playbook(workdir, inventory, extra, path, label):
    argv = [os.path.join(common.BIN, "ansible-playbook"), "-i", inventory, "-e", "@" + extra, path]
    done = subprocess.run(argv, cwd=common.REPO, env=common.ansible_env(workdir), text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
    with open(os.path.join(workdir, "%s.log" % label), "w") as handle:
        handle.write(done.stdout)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-6000:])
        raise SystemExit("%s failed (rc=%d); logs in %s" % (label, done.returncode, workdir))
    return done


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=4, help="hosts per run (default 4)")
    parser.add_argument("--layers", nargs="+", default=["cuda_toolkit", "cudnn", "conda_env", "pytorch2"])
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    parser.add_argument("--log-dir", default=None, help="where logs go (default: a temp dir)")
    args = parser.parse_args()
    layers = common.layer_list(args.layers)
    sets = torch_sets() if "pytorch2" in layers else []
    if "pytorch2" in layers and not sets:
        raise SystemExit("no torch wheelhouse in %s: run `make demo` once" % CACHE)
    workdir = args.log_dir or tempfile.mkdtemp(prefix="gpulab-mirror-")
    os.makedirs(workdir, exist_ok=True)
    common.sigterm_as_interrupt()
    print("wheel mirror: layers %s; %d hosts per run" % (" ".join(layers), args.hosts))
    print("machine: %s" % common.describe_machine())
    print("logs: %s" % workdir, flush=True)
    started, rows = [], []
    try:
        push_hosts = common.start_containers("gpulab-bench-push", args.hosts)
        started += push_hosts
        inventory, extra = common.write_inventory(workdir, push_hosts, {"gpulab_layers": layers})
        run, wall, cpu, pushed = measured("push, %d hosts" % args.hosts, lambda: common.run_site(
            "push", workdir, inventory, extra))
        if run.returncode != 0:
            common.fail_run(run, workdir)
        rows.append(("controller pushes to every host", wall, cpu, pushed))
        common.remove_containers(push_hosts)

        mirror = start_mirror("gpulab-bench-mirror")
        started.append(mirror)
        mirror_dir = os.path.join(workdir, "mirror")
        os.makedirs(mirror_dir, exist_ok=True)
        inventory, extra = common.write_inventory(mirror_dir, [mirror], {
            "gpulab_wheel_mirror_hosts": "all", "gpulab_wheel_mirror_port": PORT,
            "gpulab_wheel_mirror_sets": sets})
        _done, wall, cpu, pushed = measured("fill the mirror", lambda: playbook(
            mirror_dir, inventory, extra, os.path.join(common.REPO, "playbooks", "wheel_mirror.yml"),
            "wheel_mirror"))
        rows.append(("fill the mirror (wheel_mirror.yml, once per cluster)", wall, cpu, pushed))

        fetch_hosts = common.start_containers("gpulab-bench-fetch", args.hosts)
        started += fetch_hosts
        fetch_dir = os.path.join(workdir, "fetch")
        os.makedirs(fetch_dir, exist_ok=True)
        inventory, extra = common.write_inventory(fetch_dir, fetch_hosts, {
            "gpulab_layers": layers, "gpulab_wheel_mirror_url": "http://127.0.0.1:%d" % PORT})
        run, wall, cpu, pushed = measured("mirror, %d hosts" % args.hosts, lambda: common.run_site(
            "mirror", fetch_dir, inventory, extra))
        if run.returncode != 0:
            common.fail_run(run, fetch_dir)
        rows.append(("hosts fetch from the mirror", wall, cpu, pushed))
        log = subprocess.run(["docker", "exec", mirror, "cat",
                              "/var/log/nginx/gpulab-wheel-mirror.access.log"],
                             capture_output=True, text=True, check=True).stdout
        served = sum(int(line.split('" 200 ', 1)[1].split()[0]) for line in log.splitlines()
                     if '" 200 ' in line and ".whl " in line)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130)
    finally:
        if not args.keep:
            common.remove_containers(started)

    print()
    print("Fresh containers for each site.yml run; %s; load average at the end %.1f."
          % (common.MACHINE, os.getloadavg()[0]))
    print("pushed: bytes the Docker daemon read while the step ran (what the controller sent "
          "into containers); nginx served %s GiB of wheels to the %d mirror hosts."
          % (gib(served), args.hosts))
    print()
    print("| %d hosts, layers %s | wall s | controller CPU s | pushed GiB |" % (args.hosts, " ".join(layers)))
    print("|---|---:|---:|---:|")
    for label, wall, cpu, pushed in rows:
        print("| %s | %.1f | %.1f | %s |" % (label, wall, cpu, gib(pushed)))
    print(json.dumps({"rows": rows, "served_bytes": served}))


if __name__ == "__main__":
    main()
