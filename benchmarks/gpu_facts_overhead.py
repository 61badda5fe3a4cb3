# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What gpu_facts adds to plain fact gathering (a benchmark, not a test).

One ansible-playbook run against localhost (connection local) times, interleaved, R times each:

  setup                 gather_facts with facts_modules = [setup]
  setup+gpu_facts       gather_facts with [setup, gpu_facts] (run in parallel, the default)
  setup+gpu_facts ser.  the same with ansible_facts_parallel: false
  gpu_facts alone       the gpu_facts module as a task

and, outside Ansible, what the module's own work costs: importing its module_utils (nvidia-ml-py
included) once, and building the fact (NVML init, 8 devices, shutdown, PCI scan) 50 times.

NVML is the test double (tests/nvml_double) with the a100_x8 profile, through the real
nvidia-ml-py binding; the PCI scan reads this host's real /sys. Task durations come from the
json callback. Prints medians (and min/max)
in milliseconds and the overhead of gpu_facts over setup alone.

    .venv/bin/python benchmarks/gpu_facts_overhead.py [--repetitions 11] [--profile a100_x8]
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from datetime import datetime

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.dirname(os.path.abspath(sys.executable))

VARIANTS = [
    ("setup", "ansible.builtin.gather_facts", {"ansible_facts_modules": ["ansible.builtin.setup"]}),
    ("setup+gpu_facts", "ansible.builtin.gather_facts",
     {"ansible_facts_modules": ["ansible.builtin.setup", "gpulab.pytorch_stack.gpu_facts"]}),
    ("setup+gpu_facts serial", "ansible.builtin.gather_facts",
     {"ansible_facts_modules": ["ansible.builtin.setup", "gpulab.pytorch_stack.gpu_facts"],
      "ansible_facts_parallel": False}),
    ("gpu_facts alone", "gpulab.pytorch_stack.gpu_facts", {}),
]


def playbook(repetitions):
    tasks = []
    for round_ in range(repetitions):
        for label, action, task_vars in VARIANTS:
            tasks.append({"name": "%s #%d" % (label, round_), action: {}, "vars": task_vars})
    return [{"name": "gpu_facts overhead", "hosts": "localhost", "connection": "local",
             "gather_facts": False, "tasks": tasks}]


IN_PROCESS = """
import json, statistics, time
start = time.perf_counter()
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _gpu
imported = time.perf_counter()
runs = []
for _ in range(50):
    begin = time.perf_counter()
    facts = _gpu.gpu_facts()[0]
    runs.append(time.perf_counter() - begin)
assert facts["count"] == 8, facts
print(json.dumps({"import": imported - start, "median": statistics.median(runs)}))
"""


def seconds(stamp):
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()


def cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=11)
    parser.add_argument("--profile", default="a100_x8")
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="gpu_facts_bench-")
    subprocess.run([os.path.join(REPO, "tests", "nvml_double", "build.sh"), work], check=True)
    config = os.path.join(work, "ansible.cfg")
    with open(config, "w") as handle:
        handle.write("[defaults]\ncollections_path = %s\ninterpreter_python = %s\n"
                     "deprecation_warnings = false\nlocal_tmp = %s\n"
                     % (os.path.join(REPO, ".collections"), sys.executable,
                        os.path.join(work, "tmp")))
    book = os.path.join(work, "bench.yml")
    with open(book, "w") as handle:
        json.dump(playbook(args.repetitions), handle)   # JSON is YAML
    env = dict(os.environ, ANSIBLE_CONFIG=config, ANSIBLE_STDOUT_CALLBACK="ansible.builtin.json",
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
               LD_LIBRARY_PATH=work, PYTHONPATH=os.path.join(REPO, ".collections"),
               GPULAB_NVML_PROFILE=os.path.join(REPO, "tests", "nvml_double", "profiles",
                                                args.profile + ".profile"))
    done = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", "localhost,", book],
                          env=env, capture_output=True, text=True, check=True, cwd=work)
    output = json.loads(done.stdout)

    labels = [variant[0] for variant in VARIANTS]
    durations = dict((label, []) for label in labels)
    for task in output["plays"][0]["tasks"]:
        label = task["task"]["name"].rsplit(" #", 1)[0]
        took = task["task"]["duration"]
        durations[label].append(1000.0 * (seconds(took["end"]) - seconds(took["start"])))
        result = task["hosts"]["localhost"]
        if "gpu_facts" in label:
            assert result["ansible_facts"]["gpu"]["count"] == 8, result

    logic = json.loads(subprocess.run([sys.executable, "-c", IN_PROCESS], env=env, check=True,
                                      capture_output=True, text=True).stdout)

    import ansible  # the ansible-core of this interpreter
    print("gpu_facts overhead: NVML test double (profile %s) through nvidia-ml-py, no GPU"
          % args.profile)
    print("machine: %s, %d CPUs, Python %s, ansible-core %s"
          % (cpu_model(), os.cpu_count(), platform.python_version(), ansible.__version__))
    print("%d repetitions each, interleaved, in one ansible-playbook run, connection local"
          % args.repetitions)
    print()
    print("| measurement | median ms | min ms | max ms |")
    print("|---|---:|---:|---:|")
    medians = {}
    for label in labels:
        values = durations[label]
        medians[label] = statistics.median(values)
        print("| %s | %.0f | %.0f | %.0f |" % (label, medians[label], min(values), max(values)))
    print()
    print("outside Ansible: importing gpu_facts' module_utils (nvidia-ml-py included) %.0f ms; "
          "building the fact %.1f ms (median of 50)" % (1000 * logic["import"], 1000 * logic["median"]))
    base = medians["setup"]
    for label in ("setup+gpu_facts", "setup+gpu_facts serial"):
        extra = medians[label] - base
        print("%s adds %.0f ms to setup alone (%+.0f%%)" % (label, extra, 100.0 * extra / base))


if __name__ == "__main__":
    main()
