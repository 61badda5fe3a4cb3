# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sending a torch wheel set to a host and installing it: the old way against the new, side by
side in one run (a benchmark, not a test).

One throwaway container of the local test image (host network), reached with
community.docker.docker as the scenarios reach theirs, and one wheelhouse of the warm controller
cache (the one holding torch --torch, by default the role's version, for the container's Python):

- ``copy``: one ansible.builtin.copy per wheel, as pytorch2 did before wheelhouse_push;
- ``wheelhouse_push``: the wheels the host lacks, one plain transfer each, sha256 checked on the
  host; then again on the host that now holds them (what a reinstall pays);
- ``docker cp``: the whole directory in one stream, outside Ansible: the floor;
- ``pip`` and ``uv``: installing the same set into two fresh venvs, ``pip install --no-index
  --require-hashes`` against ``uv pip install --no-index --require-hashes --no-cache
  --compile-bytecode`` (both compile bytecode), then ``pip check`` on each.

Each variant writes its own directory. The container is removed at the end, also after a
failure. Prints a Markdown table (seconds, wall clock from the controller) and the load.

    .venv/bin/python benchmarks/wheel_transfer.py                      # Debian 13 image, cp313 set
    GPULAB_TEST_IMAGE=gpulab/debian12-test:local .venv/bin/python benchmarks/wheel_transfer.py
"""

import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import yaml   # PyYAML comes with ansible-core

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
BIN = os.path.dirname(os.path.abspath(sys.executable))
IMAGE = os.environ.get("GPULAB_TEST_IMAGE", "gpulab/debian13-test:local")
CACHE = os.path.expanduser(os.environ.get("GPULAB_CONTROLLER_CACHE", "~/.cache/gpulab"))
NAME = "gpulab-bench-transfer"

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Directories
      ansible.builtin.file:
        path: "{{ item }}"
        state: directory
        mode: "0750"
      loop: [/opt/bench/copy, /opt/bench/push]
    - name: copy
      ansible.builtin.copy:
        src: "{{ src }}/{{ item }}"
        dest: /opt/bench/copy/{{ item }}
        mode: "0644"
      loop: "{{ manifest.wheels | list }}"
      when: variant == 'copy'
    - name: push
      gpulab.pytorch_stack.wheelhouse_push:
        src: "{{ src }}"
        path: /opt/bench/push
        manifest: "{{ manifest }}"
      when: variant == 'push'
"""


def docker(*args, check=True):
    return subprocess.run(["docker"] + list(args), check=check, capture_output=True, text=True)


def timed(argv, **kwargs):
    start = time.monotonic()
    done = subprocess.run(argv, capture_output=True, text=True, check=False, **kwargs)
    wall = time.monotonic() - start
    if done.returncode != 0:
        sys.exit("%s failed (rc %d):\n%s\n%s" % (" ".join(argv[:4]), done.returncode,
                                                 done.stdout[-3000:], done.stderr[-2000:]))
    return wall, done.stdout


def wheelhouse_for(torch, python_tag):
    for manifest in sorted(glob.glob(os.path.join(CACHE, "wheelhouse", "*", "manifest.json"))):
        with open(manifest) as handle:
            wheels = json.load(handle)
        if any(n.startswith("torch-%s-%s-" % (torch, python_tag)) for n in wheels["wheels"]):
            return os.path.dirname(manifest), wheels
    sys.exit("no torch %s %s wheelhouse in %s: run the pytorch2 scenario or `make demo` once"
             % (torch, python_tag, CACHE))


def main():
    defaults = yaml.safe_load(open(os.path.join(REPO, "roles", "pytorch2", "defaults", "main.yml")))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torch", default=defaults["pytorch2_torch_version"])
    args = parser.parse_args()
    uv_wheel = os.path.join(CACHE, "wheels", defaults["pytorch2_uv_wheels"]["x86_64"]["file"])
    if not os.path.isfile(uv_wheel):
        sys.exit("no %s in the controller cache: run the pytorch2 scenario or `make demo` once" % uv_wheel)
    docker("rm", "-f", NAME, check=False)
    docker("run", "-d", "--name", NAME, "--hostname", NAME, "--network", "host",
           "--label", "gpulab.benchmark=wheel_transfer.py", IMAGE, "sleep", "infinity")
    workdir = tempfile.mkdtemp(prefix="gpulab-bench-transfer-")
    try:
        tag = "cp" + docker("exec", NAME, "python3", "-c",
                            "import sys; print('%d%d' % sys.version_info[:2])").stdout.strip()
        src, manifest = wheelhouse_for(args.torch, tag)
        size = sum(entry["size"] for entry in manifest["wheels"].values())
        with open(os.path.join(workdir, "play.yml"), "w") as handle:
            handle.write(PLAY)
        with open(os.path.join(workdir, "hosts.yml"), "w") as handle:
            json.dump({"all": {"hosts": {NAME: {"ansible_connection": "community.docker.docker",
                                                "ansible_python_interpreter": "/usr/bin/python3"}}}},
                      handle)
        env = dict(os.environ, ANSIBLE_CONFIG=os.path.join(REPO, "ansible.cfg"),
                   PATH=BIN + os.pathsep + os.environ["PATH"])
        rows = []

        def play(variant):
            with open(os.path.join(workdir, "vars.json"), "w") as handle:
                json.dump({"src": src, "manifest": manifest, "variant": variant}, handle)
            return timed([os.path.join(BIN, "ansible-playbook"), "-i", os.path.join(workdir, "hosts.yml"),
                          "-e", "@" + os.path.join(workdir, "vars.json"), os.path.join(workdir, "play.yml")],
                         cwd=REPO, env=env)[0]

        play("none")   # the directories, and a warm connection
        rows.append(("copy (one ansible.builtin.copy per wheel)", play("copy")))
        rows.append(("wheelhouse_push (host holds nothing)", play("push")))
        rows.append(("wheelhouse_push (host holds every wheel)", play("push")))
        docker("exec", NAME, "mkdir", "-p", "/opt/bench/cp")
        rows.append(("docker cp of the directory (outside Ansible)",
                     timed(["docker", "cp", src + "/.", NAME + ":/opt/bench/cp/"])[0]))
        # Installs: two fresh venvs, the same wheel set and requirements (untimed set-up first).
        docker("exec", NAME, "sh", "-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive "
               "apt-get install -y -qq python3-venv >/dev/null && python3 -m venv /opt/bench/pip-env"
               " && python3 -m venv /opt/bench/uv-env")
        docker("cp", uv_wheel, NAME + ":/opt/bench/")
        docker("exec", NAME, "sh", "-c", "/opt/bench/pip-env/bin/python -m pip install -q --no-index "
               "--no-deps --target /opt/bench/uv /opt/bench/%s" % os.path.basename(uv_wheel))
        req = ["--no-index", "--find-links", "/opt/bench/push", "--require-hashes", "-r",
               "/opt/bench/push/requirements.txt"]
        rows.append(("pip install", timed(["docker", "exec", NAME, "/opt/bench/pip-env/bin/python", "-m", "pip",
                                           "install", "-q", "--disable-pip-version-check", "--no-cache-dir"]
                                          + req)[0]))
        rows.append(("uv pip install --compile-bytecode", timed(
            ["docker", "exec", NAME, "/opt/bench/uv/bin/uv", "pip", "install", "-q", "--python",
             "/opt/bench/uv-env/bin/python", "--no-cache", "--compile-bytecode"] + req)[0]))
        for env_dir in ("pip-env", "uv-env"):
            docker("exec", NAME, "/opt/bench/%s/bin/python" % env_dir, "-m", "pip", "check")
        same = docker("exec", NAME, "sh", "-c", "for e in pip-env uv-env; do /opt/bench/$e/bin/python -m pip "
                      "list --format freeze 2>/dev/null | md5sum; done").stdout.split("\n")
        print("%s: %d wheels, %.2f GiB (%s), container %s, load %.1f; environments identical: %s"
              % (os.path.basename(src), len(manifest["wheels"]), size / 2.0 ** 30, tag, IMAGE,
                 os.getloadavg()[0], same[0].split()[0] == same[1].split()[0]))
        print("| step | s |")
        print("|---|---:|")
        for label, wall in rows:
            print("| %s | %.1f |" % (label, wall))
    finally:
        docker("rm", "-f", NAME, check=False)


if __name__ == "__main__":
    main()
