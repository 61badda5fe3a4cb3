# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""First converge of bare hosts: site.yml against a hand-written install, side by side.

A benchmark, not a test. In one run, on fresh Debian 12 containers of the local test image
(host network), for the demo's layer set (inventories/demo/group_vars/all.yml, or --layers):

- the hand path: per layer, the plain shell a lab admin would write for the same result — the
  same distribution packages, the same wheel sets from the same controller cache (docker cp,
  one tar stream per wheel set), `pip install --no-index --require-hashes`, the same prefixes,
  group, environment and trainer run — timed per layer from the controller;
- site.yml on other fresh containers with the same layers, timed per role with the
  ansible.posix.profile_roles callback;
- both again on --hosts N containers at once (the hand path runs its N hosts in parallel, as a
  script with `&` and `wait` would).

For every run: wall time, controller CPU (this process's children: ansible-playbook, its workers,
their docker clients; the docker cp processes of the hand path), and the bytes the controller
pushed. Those bytes are read from the Docker daemon's I/O counter (/proc/<dockerd>/io rchar), so
they include anything else the daemon read meanwhile (other containers' logs): an upper bound on
a shared machine. The hand path's own payload (the files it copies) is given exactly beside it.

The controller cache must be warm (run `make demo` once): the benchmark refuses to start when a
wheel the layers need is missing, so that neither side pays for PyPI. Containers are removed at
the end, also after a failure or Ctrl-C, unless --keep.

    .venv/bin/python benchmarks/first_converge.py                       # demo layers, 1 and 4 hosts
    .venv/bin/python benchmarks/first_converge.py --layers cuda_toolkit cudnn conda_env --hosts 1
    .venv/bin/python benchmarks/first_converge.py --hand-installer uv   # the hand path with uv

--hand-installer uv: the hand path installs the torch wheelhouse with uv (the same wheel the
role pins, from the controller cache, `uv pip install --compile-bytecode`, as the role runs it)
instead of pip.
"""

import argparse
import glob
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import threading
import time

import yaml   # PyYAML comes with ansible-core

import site_rerun as common   # beside this script: the container, inventory and run helpers

CACHE = os.path.expanduser(os.environ.get("GPULAB_CONTROLLER_CACHE", "~/.cache/gpulab"))
ROLE_LINE = re.compile(r"^(?:gpulab\.pytorch_stack\.)?(?P<role>[a-z0-9_]+) -+ (?P<s>[0-9.]+)s$", re.M)
ACCEPTANCE_FILES = os.path.join(common.REPO, "roles", "acceptance", "files")


# The CPython tag of the test image's python3 (Debian 12: 3.11): the wheelhouse the demo's
# hosts install is the one built for it.
IMAGE_PYTHON = "cp311"


def torch_wheelhouses(torch_version, python_tag=IMAGE_PYTHON):
    """The controller cache's wheelhouse directories that hold torch ``torch_version`` for
    ``python_tag``, sorted (other scenarios leave sets for other releases and Pythons there)."""
    found = []
    for manifest in sorted(glob.glob(os.path.join(CACHE, "wheelhouse", "*", "manifest.json"))):
        with open(manifest) as handle:
            wheels = json.load(handle).get("wheels", {})
        if any(name.startswith("torch-%s" % torch_version) and "-%s-" % python_tag in name
               for name in wheels):
            found.append(os.path.dirname(manifest))
    return found


def role_defaults(role):
    with open(os.path.join(common.REPO, "roles", role, "defaults", "main.yml")) as handle:
        return yaml.safe_load(handle)


def demo_vars():
    with open(common.DEMO_VARS) as handle:
        return yaml.safe_load(handle)


def dockerd_rchar():
    """Bytes the Docker daemon has read so far (sockets included), or None when not readable."""
    pids = subprocess.run(["pidof", "dockerd"], capture_output=True, text=True, check=False).stdout.split()
    total = 0
    for pid in pids:
        try:
            with open("/proc/%s/io" % pid) as handle:
                total += int(dict(line.split(": ") for line in handle.read().splitlines())["rchar"])
        except (OSError, KeyError, ValueError):
            return None
    return total if pids else None


class HandPlan:
    """What the hand-written install of each layer does: shell steps and the files it sends."""

    def __init__(self, layers, installer="pip"):
        self.layers = layers
        self.installer = installer
        demo = demo_vars()
        cuda = role_defaults("cuda_toolkit")
        cuda_version = demo["cuda_toolkit_versions"][0]
        self.cuda_home = "%s/%s" % (cuda["cuda_toolkit_pip_prefix"], cuda_version)
        self.cuda_wheels = list(cuda["cuda_toolkit_pip_wheels"][cuda_version]["x86_64"])
        cudnn = role_defaults("cudnn")
        self.cudnn_wheels = self._cudnn_wheels(cudnn, cuda_version)
        self.cudnn_home = "%s/%s-cuda%s" % (cudnn["cudnn_prefix"], self.cudnn_wheels[0]["file"].split("-")[1],
                                            cuda_version.split(".")[0])
        conda = role_defaults("conda_env")
        self.env = "%s/envs/%s" % (conda["conda_env_prefix"], conda["conda_env_name"])
        self.prefix = conda["conda_env_prefix"]
        self.group = conda["conda_env_group"]
        torch = role_defaults("pytorch2")
        self.wheelhouse = self._wheelhouse(torch["pytorch2_torch_version"])
        self.uv_wheel = torch["pytorch2_uv_wheels"]["x86_64"]["file"]

    @staticmethod
    def _cudnn_wheels(cudnn, cuda_version):
        """cudnn_pip_wheels[cudnn_version][cuda major][arch]: one wheel, as the role picks it."""
        major = cuda_version.split(".")[0]
        try:
            return [cudnn["cudnn_pip_wheels"][cudnn["cudnn_version"]][major]["x86_64"]]
        except KeyError:
            raise SystemExit("roles/cudnn/defaults has no cuDNN %s wheel for CUDA %s"
                             % (cudnn["cudnn_version"], major))

    @staticmethod
    def _wheelhouse(torch_version):
        found = torch_wheelhouses(torch_version)
        if not found:
            raise SystemExit("no torch %s wheelhouse for %s in %s: run `make demo` once to fill "
                             "the cache" % (torch_version, IMAGE_PYTHON, CACHE))
        return found[0]

    def check_cache(self):
        missing = [w["file"] for w in self.cuda_wheels + self.cudnn_wheels
                   if not os.path.isfile(os.path.join(CACHE, "wheels", w["file"]))]
        if missing:
            raise SystemExit("controller cache lacks %s: run `make demo` once" % ", ".join(missing))

    @staticmethod
    def _requirements(wheels):
        lines = []
        for wheel in wheels:
            name, version = wheel["file"].split("-")[:2]
            lines.append("%s==%s --hash=sha256:%s\n" % (name, version, wheel["sha256"]))
        return "".join(lines)

    def _wheel_prefix(self, home, wheels, links):
        req = self._requirements(wheels)
        steps = ["mkdir -p /tmp/hand/%s && cat > /tmp/hand/%s/requirements.txt <<'EOF'\n%sEOF"
                 % (os.path.basename(home), os.path.basename(home), req),
                 "python3 -m pip install -q --no-index --no-deps --require-hashes --no-compile "
                 "--disable-pip-version-check --find-links /tmp/hand/wheels --target %s/wheels "
                 "-r /tmp/hand/%s/requirements.txt" % (home, os.path.basename(home))]
        steps += ["ln -sfn %s %s/%s" % (target, home, name) for name, target in links]
        return steps

    def steps(self, layer):
        """(shell lines, [(controller path, container dir)]) for one layer."""
        if layer == "cuda_toolkit":
            major = self.cuda_home.rsplit("/", 1)[1].split(".")[0]
            links = [(n, "wheels/nvidia/cu%s/%s" % (major, n)) for n in ("bin", "include", "lib", "nvvm")]
            links.append(("lib64", "lib"))
            return (["apt-get update -qq",
                     "DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-pip g++ >/dev/null"]
                    + self._wheel_prefix(self.cuda_home, self.cuda_wheels, links)
                    + ["ln -sfn %s /usr/local/cuda" % self.cuda_home,
                       "%s/bin/nvcc --version >/dev/null" % self.cuda_home],
                    [(os.path.join(CACHE, "wheels", w["file"]), "/tmp/hand/wheels") for w in self.cuda_wheels])
        if layer == "cudnn":
            return (self._wheel_prefix(self.cudnn_home, self.cudnn_wheels, []),
                    [(os.path.join(CACHE, "wheels", w["file"]), "/tmp/hand/wheels") for w in self.cudnn_wheels])
        if layer == "conda_env":
            return (["DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null",
                     "getent group %s >/dev/null || groupadd -r %s" % (self.group, self.group),
                     "install -d -o root -g %s -m 0750 %s %s/envs" % (self.group, self.prefix, self.prefix),
                     "python3 -m venv %s" % self.env,
                     "%s/bin/python -c 'import sys; print(sys.version)' >/dev/null" % self.env],
                    [])
        if layer == "pytorch2":
            check = "%s/bin/python -c 'import torch, torchvision; torch.ones(1)'" % self.env
            if self.installer == "uv":
                return (["python3 -m pip install -q --disable-pip-version-check --no-index --no-deps "
                         "--target /tmp/hand/uv /tmp/hand/uv-wheel/%s" % self.uv_wheel,
                         "/tmp/hand/uv/bin/uv pip install -q --python %s/bin/python --no-cache "
                         "--compile-bytecode --no-index --find-links /tmp/hand/wheelhouse --require-hashes "
                         "-r /tmp/hand/wheelhouse/requirements.txt" % self.env, check],
                        [(self.wheelhouse, "/tmp/hand"),
                         (os.path.join(CACHE, "wheels", self.uv_wheel), "/tmp/hand/uv-wheel")])
            return (["%s/bin/python -m pip install -q --disable-pip-version-check --no-index --find-links "
                     "/tmp/hand/wheelhouse --require-hashes -r /tmp/hand/wheelhouse/requirements.txt" % self.env,
                     check],
                    [(self.wheelhouse, "/tmp/hand")])
        if layer == "acceptance":
            lib = "/usr/local/lib/gpulab-hand"
            train = ("cd /var/lib/gpulab-hand && {py} {lib}/gpulab_synthetic_cifar10.py --dest data --seed 0"
                     " && {py} {lib}/gpulab_train_lenet.py --data-dir data --data-source synthetic"
                     " --host hand --allow-cpu --report report.json >/dev/null")
            train = train.format(py=self.env + "/bin/python", lib=lib)
            return (["id gpulab-hand >/dev/null 2>&1 || useradd -r -m -d /var/lib/gpulab-hand -G %s gpulab-hand" % self.group,
                     "runuser -u gpulab-hand -- sh -c %s" % shlex.quote(train)],
                    [(os.path.join(ACCEPTANCE_FILES, name), "/usr/local/lib/gpulab-hand")
                     for name in ("gpulab_train_lenet.py", "gpulab_synthetic_cifar10.py")])
        raise SystemExit("no hand-written equivalent for layer %s" % layer)

    def payload_bytes(self, layer):
        total = 0
        for src, _dest in self.steps(layer)[1]:
            if os.path.isdir(src):
                total += sum(os.path.getsize(p) for p in glob.glob(os.path.join(src, "*")))
            else:
                total += os.path.getsize(src)
        return total


def hand_layer(name, plan, layer, log):
    """Run one layer's hand-written install on one container; raises on failure."""
    lines, files = plan.steps(layer)
    for src, dest in files:
        common.docker("exec", name, "mkdir", "-p", dest)
        if os.path.isdir(src):   # the wheelhouse directory: one tar stream, as `docker cp` sends it
            target = dest + "/wheelhouse"
            common.docker("exec", name, "rm", "-rf", target)
            done = common.docker("cp", src, "%s:%s" % (name, target), check=False)
        else:
            done = common.docker("cp", src, "%s:%s/" % (name, dest), check=False)
        if done.returncode != 0:
            raise RuntimeError("docker cp %s failed: %s" % (src, done.stderr))
    script = "set -eu\n" + "\n".join(lines) + "\n"
    done = subprocess.run(["docker", "exec", "-i", name, "bash", "-s"], input=script, text=True,
                          capture_output=True, check=False)
    log.write("### %s %s rc=%d\n%s\n%s\n%s\n" % (name, layer, done.returncode, script, done.stdout, done.stderr))
    if done.returncode != 0:
        raise RuntimeError("hand-written %s failed on %s:\n%s" % (layer, name, done.stderr[-3000:]))


def _hand_layer_into(errors, host, plan, layer, log):
    """hand_layer for a thread: a failure goes into errors instead of ending the thread."""
    try:
        hand_layer(host, plan, layer, log)
    except RuntimeError as err:
        errors.append(str(err))


def hand_path(names, plan, layers, log):
    """{layer: wall seconds} with every host of names running each layer at the same time."""
    times = {}
    for layer in layers:
        errors = []
        start = time.monotonic()
        threads = [threading.Thread(target=_hand_layer_into, args=(errors, host, plan, layer, log))
                   for host in names]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        times[layer] = time.monotonic() - start
        if errors:
            raise SystemExit(errors[0])
    return times


def measured(func, *args):
    """(result, wall s, controller CPU s, bytes the Docker daemon read) of func(*args)."""
    rchar = dockerd_rchar()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    result = func(*args)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    pushed = None if rchar is None else dockerd_rchar() - rchar
    return result, wall, cpu, pushed


def site_path(workdir, names, layers, label):
    inventory, extra = common.write_inventory(workdir, names, {"gpulab_layers": layers})
    env = common.ansible_env(workdir, ANSIBLE_CALLBACKS_ENABLED="ansible.posix.profile_roles")
    run = common.run_site(label, workdir, inventory, extra, env=env)
    if run.returncode != 0:
        common.fail_run(run, workdir)
    recap = run.stdout.split("ROLES RECAP", 1)[-1]
    roles = dict((m["role"], float(m["s"])) for m in ROLE_LINE.finditer(recap))
    return run, roles


def gib(count):
    return "-" if count is None else "%.2f" % (count / 2.0 ** 30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layers", nargs="+", default=None,
                        help="layers (default: the demo's gpulab_layers)")
    parser.add_argument("--hosts", type=int, nargs="+", default=[1, 4],
                        help="host counts, each on fresh containers (default: 1 4)")
    parser.add_argument("--hand-installer", choices=["pip", "uv"], default="pip",
                        help="what the hand path installs the torch wheelhouse with (default pip)")
    parser.add_argument("--keep", action="store_true", help="leave the containers running")
    parser.add_argument("--log-dir", default=None, help="where logs go (default: a temp dir)")
    args = parser.parse_args()
    layers = common.layer_list(args.layers if args.layers is not None else common.demo_layers())
    if "nvidia_driver" in layers:
        parser.error("nvidia_driver has no container equivalent here (no kernel module to load)")
    plan = HandPlan(layers, args.hand_installer)
    plan.check_cache()
    workdir = args.log_dir or tempfile.mkdtemp(prefix="gpulab-first-")
    os.makedirs(workdir, exist_ok=True)
    common.sigterm_as_interrupt()
    print("first converge: layers %s; hosts %s; hand path installs torch with %s"
          % (" ".join(layers), " ".join(map(str, args.hosts)), args.hand_installer))
    print("machine: %s" % common.describe_machine())
    print("logs: %s" % workdir, flush=True)
    rows, started = [], []
    try:
        with open(os.path.join(workdir, "hand.log"), "w") as log:
            for count in args.hosts:
                hand = common.start_containers("gpulab-first-hand", count)
                started += hand
                times, wall, cpu, pushed = measured(hand_path, hand, plan, layers, log)
                rows.append(("hand-written", count, times, wall, cpu, pushed))
                print("hand-written, %d host(s): %.0f s" % (count, wall), flush=True)
                common.remove_containers(hand)
                site = common.start_containers("gpulab-first-site", count)
                started += site
                (run, roles), wall, cpu, pushed = measured(site_path, workdir, site, layers,
                                                           "site %d hosts" % count)
                rows.append(("site.yml", count, roles, wall, cpu, pushed))
                print("site.yml, %d host(s): %.0f s, changed=%d" % (count, wall, run.changed), flush=True)
                common.remove_containers(site)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        raise SystemExit(130)
    finally:
        if not args.keep:
            common.remove_containers(started)

    payload = sum(plan.payload_bytes(layer) for layer in layers)
    print()
    print("Fresh containers each time; %s; load average at the end %.1f." % (common.MACHINE, os.getloadavg()[0]))
    print("Per layer: the hand path's wall time per layer; site.yml's time per role "
          "(profile_roles; preflight and the summary are the rest of its total).")
    print()
    head = ["path", "hosts"] + layers + ["total s", "controller CPU s", "pushed GiB (dockerd read)",
                                         "hand payload GiB"]
    print("| " + " | ".join(head) + " |")
    print("|---|---:|" + "---:|" * (len(layers) + 4))
    for path, count, times, wall, cpu, pushed in rows:
        cells = ["%.1f" % times[layer] if layer in times else "-" for layer in layers]
        print("| %s | %d | %s | %.1f | %.1f | %s | %s |"
              % (path, count, " | ".join(cells), wall, cpu, gib(pushed),
                 gib(payload * count) if path == "hand-written" else "-"))
    print()
    for count in args.hosts:
        hand = next(r for r in rows if r[0] == "hand-written" and r[1] == count)
        site = next(r for r in rows if r[0] == "site.yml" and r[1] == count)
        print("%d host(s): site.yml takes %.2f x the hand-written wall time, %.2f x its controller CPU"
              % (count, site[3] / hand[3], site[4] / max(hand[4], 0.01)))


if __name__ == "__main__":
    main()
