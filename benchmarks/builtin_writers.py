# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's file-writing modules against the builtins that replace them (a benchmark,
not a test): what a converged re-run pays for each.

Side by side, one throwaway Debian 12 container (gpulab-bench-writers, host network, the local
test image) reached with community.docker.docker, as the scenarios reach theirs:

- ``module``: the six layers' results written with ``gpulab.pytorch_stack.run_result`` and the
  system ``.condarc`` with ``gpulab.pytorch_stack.condarc`` (7 tasks), as on main (8f146f9);
- ``builtin``: a results directory (``ansible.builtin.file``), the six results with
  ``ansible.builtin.copy`` + ``to_nice_json`` and the ``.condarc`` with ``ansible.builtin.copy``
  + ``to_nice_yaml`` (8 tasks), as the roles do now.

Each variant writes its own files. Each is converged once, then both are re-run --repeat times, interleaved (so a change
in the shared machine's load hits them alike); every re-run must report changed=0. Prints the
median, min and max wall seconds of the re-runs and the difference per written file. The
container is removed at the end, also after a failure.

    .venv/bin/python benchmarks/builtin_writers.py --repeat 5

The ``module`` variant needs the modules, which this branch removes: run it from a checkout of
8f146f9 (``git worktree add``), or pass --skip-module for the builtin variant alone.
"""

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.dirname(os.path.abspath(sys.executable))
IMAGE = os.environ.get("GPULAB_TEST_IMAGE", "gpulab/debian12-test:local")
NAME = "gpulab-bench-writers"
LAYERS = ["nvidia_driver", "cuda_toolkit", "cudnn", "conda_env", "pytorch2", "acceptance"]
RECAP = re.compile(r"^\S+\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)",
                   re.M)

RESULT = {"summary": "a layer's result", "installed": ["a", "b", "c"], "verified": True,
          "versions": {"cuda": "13.2", "driver": "580.95.05"}, "skipped": []}
CONDARC = {"auto_update_conda": False, "channels": ["conda-forge"],
           "custom_channels": {"conda-forge": "https://conda-mirror.lab.example/"}}

MODULE_PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Result
      gpulab.pytorch_stack.run_result:
        name: "{{ item }}"
        dir: /var/lib/bench/results
        result: "{{ result }}"
      loop: %(layers)s
    - name: Condarc
      gpulab.pytorch_stack.condarc:
        prefix: /opt/bench-conda
        channels: "{{ condarc.channels }}"
        custom_channels: "{{ condarc.custom_channels }}"
"""

BUILTIN_PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Results directory
      ansible.builtin.file:
        path: /var/lib/bench/builtin
        state: directory
        mode: "0755"
    - name: Result
      ansible.builtin.copy:
        content: "{{ result | ansible.builtin.to_nice_json(indent=2) }}\\n"
        dest: /var/lib/bench/builtin/{{ item }}.json
        mode: "0644"
      loop: %(layers)s
    - name: Condarc
      ansible.builtin.copy:
        content: "{{ condarc | ansible.builtin.to_nice_yaml(indent=2) }}"
        dest: /opt/bench-conda-builtin/.condarc
        mode: "0644"
"""


def docker(*args, check=True):
    return subprocess.run(["docker"] + list(args), check=check, capture_output=True, text=True)


def play(workdir, name):
    argv = [os.path.join(BIN, "ansible-playbook"), "-i", os.path.join(workdir, "hosts.yml"),
            "-e", "@" + os.path.join(workdir, "vars.json"), os.path.join(workdir, name)]
    env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
               PATH=BIN + os.pathsep + os.environ["PATH"])
    start = time.monotonic()
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    recap = RECAP.search(done.stdout)
    if done.returncode != 0 or not recap:
        sys.exit("%s failed (rc %d):\n%s\n%s" % (name, done.returncode, done.stdout[-3000:],
                                                 done.stderr[-2000:]))
    return wall, int(recap.group(2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--skip-module", action="store_true",
                        help="only the builtin variant (a checkout without the modules)")
    args = parser.parse_args()
    variants = ["builtin"] if args.skip_module else ["module", "builtin"]
    workdir = tempfile.mkdtemp(prefix="gpulab-bench-writers-")
    layers = json.dumps(LAYERS)
    for variant, text in (("module", MODULE_PLAY), ("builtin", BUILTIN_PLAY)):
        with open(os.path.join(workdir, variant + ".yml"), "w") as handle:
            handle.write(text % {"layers": layers})
    with open(os.path.join(workdir, "hosts.yml"), "w") as handle:
        json.dump({"all": {"hosts": {NAME: {"ansible_connection": "community.docker.docker",
                                            "ansible_python_interpreter": "/usr/bin/python3"}}}},
                  handle)
    with open(os.path.join(workdir, "vars.json"), "w") as handle:
        json.dump({"result": RESULT, "condarc": CONDARC}, handle)
    docker("rm", "-f", NAME, check=False)
    docker("run", "-d", "--name", NAME, "--hostname", NAME, "--network", "host",
           "--label", "gpulab.benchmark=builtin_writers.py", IMAGE, "sleep", "infinity")
    try:
        docker("exec", NAME, "mkdir", "-p", "/opt/bench-conda", "/opt/bench-conda-builtin")
        walls = dict((variant, []) for variant in variants)
        for variant in variants:
            play(workdir, variant + ".yml")                         # converge
        for _round in range(args.repeat):
            for variant in variants:
                wall, changed = play(workdir, variant + ".yml")
                if changed:
                    sys.exit("%s re-run changed %d tasks" % (variant, changed))
                walls[variant].append(wall)
        load = os.getloadavg()[0]
        print("re-runs of 6 result files + 1 .condarc on one converged container, load %.1f,"
              " %d re-runs each" % (load, args.repeat))
        print("| variant | tasks | median s | min s | max s |")
        print("|---|---|---|---|---|")
        for variant in variants:
            w = walls[variant]
            tasks = 7 if variant == "module" else 8
            print("| %s | %d | %.2f | %.2f | %.2f |"
                  % (variant, tasks, statistics.median(w), min(w), max(w)))
        if len(variants) == 2:
            delta = statistics.median(walls["builtin"]) - statistics.median(walls["module"])
            print("builtin - module: %+.2f s per re-run, %+.2f s per file written"
                  % (delta, delta / 7))
    finally:
        docker("rm", "-f", NAME, check=False)


if __name__ == "__main__":
    main()
