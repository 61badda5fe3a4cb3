# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as a user gets it: `ansible-galaxy collection build` from this checkout,
`ansible-galaxy collection install` of the tarball into an empty path (which also checks that
the running ansible-core lies in requires_ansible), and playbooks run from that installed copy
with no checkout ansible.cfg, no GPULAB_REPORT_DIR and no PWD, the way cron or systemd run them."""

import json
import os
import shutil
import subprocess
import tarfile

import pytest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture(scope="module")
def installed(ansible_bin, tmp_path_factory):
    """(tarball path, collections path holding only the installed gpulab.pytorch_stack)."""
    work = tmp_path_factory.mktemp("installed")
    env = _clean_env(work)
    built = subprocess.run([ansible_bin("ansible-galaxy"), "collection", "build", REPO,
                            "--output-path", str(work)], env=env, cwd=str(work),
                           capture_output=True, text=True, timeout=300, check=False)
    assert built.returncode == 0, built.stdout + built.stderr
    tarball = [str(p) for p in work.glob("gpulab-pytorch_stack-*.tar.gz")][0]
    colls = work / "collections"
    done = subprocess.run([ansible_bin("ansible-galaxy"), "collection", "install", tarball,
                           "-p", str(colls)], env=env, cwd=str(work),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return tarball, colls


def _clean_env(work, colls=None):
    """The environment of a user's run: no checkout settings, no PWD, no GPULAB_REPORT_DIR, and
    nothing that would let Ansible find the checkout (PYTHONPATH) instead of the installed copy."""
    drop = ("ANSIBLE_", "GPULAB_", "PYTHONPATH", "PWD", "MOLECULE_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    config = work / "empty.cfg"
    config.write_text("")
    env.update(ANSIBLE_NOCOLOR="1", ANSIBLE_LOCAL_TEMP=str(work / "tmp"), ANSIBLE_CONFIG=str(config))
    # A home of its own: nothing these runs install (ansible-builder, runner) lands in the real
    # ~/.ansible/collections, where it would shadow the checkout for later ansible-lint runs.
    home = work / "home"
    home.mkdir(exist_ok=True)
    env["HOME"] = str(home)
    if colls is not None:
        env["ANSIBLE_COLLECTIONS_PATH"] = str(colls)
    return env


def _playbook(ansible_bin, colls, work, playbook, inventory, *args):
    env = _clean_env(work, colls)
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.json"
    return subprocess.run([ansible_bin("ansible-playbook"), "-i", inventory, playbook] + list(args),
                          env=env, cwd="/", capture_output=True, text=True, timeout=300, check=False)


def _inventory(tmp_path):
    inv = tmp_path / "site" / "inventory"
    inv.mkdir(parents=True)
    (inv / "hosts.yml").write_text(
        "all:\n  hosts:\n    gpu1:\n      ansible_host: 192.0.2.1\n")
    return inv


def _failures(done):
    out = json.loads(done.stdout)
    return [(t["task"]["name"], h, r.get("msg", ""))
            for play in out["plays"] for t in play["tasks"]
            for h, r in t["hosts"].items() if r.get("failed")], out


def test_tarball_holds_what_a_user_runs_and_no_checkout_files(installed):
    tarball, colls = installed
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    for needed in ("playbooks/site.yml", "playbooks/controller_check.yml", "meta/runtime.yml",
                   "README.md", "CHANGELOG.md", "roles/pytorch2/tasks/main.yml"):
        assert needed in names, needed
    for checkout_only in ("ansible.cfg", "DEVELOPING.md", "site.yml", "inventories/demo",
                          "Makefile", "requirements-dev.txt", "tests", "molecule", "scripts"):
        assert not [n for n in names if n == checkout_only or n.startswith(checkout_only + "/")], \
            checkout_only
    assert (colls / "ansible_collections" / "gpulab" / "pytorch_stack" / "MANIFEST.json").is_file()


def test_site_from_the_installed_collection_passes_syntax_check(installed, ansible_bin, tmp_path):
    colls = installed[1]
    inv = _inventory(tmp_path)
    env = _clean_env(tmp_path, colls)
    done = subprocess.run([ansible_bin("ansible-playbook"), "-i", str(inv), "--syntax-check",
                           "gpulab.pytorch_stack.site"], env=env, cwd="/",
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "does not support Ansible version" not in done.stderr


def test_reports_go_beside_the_inventory_not_the_current_directory(installed, ansible_bin, tmp_path):
    colls = installed[1]
    inv = _inventory(tmp_path)
    done = _playbook(ansible_bin, colls, tmp_path, "gpulab.pytorch_stack.controller_check", str(inv))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "site" / "reports").is_dir()
    assert not os.path.exists("/reports")
    # No ansible.cfg, so no pipelining: the run says what becoming the training user needs.
    tasks = {t["task"]["name"]: t["hosts"]["localhost"]
             for play in json.loads(done.stdout)["plays"] for t in play["tasks"]}
    reminder = tasks["Say what becoming an unprivileged user needs when pipelining is off"]
    assert not reminder.get("skipped") and "acl" in reminder["msg"]


def test_unwritable_report_dir_stops_site_before_any_host(installed, ansible_bin, tmp_path):
    colls = installed[1]
    inv = _inventory(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    done = _playbook(ansible_bin, colls, tmp_path, "gpulab.pytorch_stack.site", str(inv),
                     "-e", "gpulab_report_dir=%s/reports" % blocker)
    assert done.returncode != 0
    failures, out = _failures(done)
    assert [(name, host) for name, host, _msg in failures] == [
        ("Check that the report directory is writable", "localhost")]
    msg = failures[0][2]
    assert "%s/reports" % blocker in msg and "gpulab_report_dir" in msg
    # The run ended there: no play reached the inventory's host.
    assert all("gpu1" not in t["hosts"] for play in out["plays"] for t in play["tasks"])


def test_core_outside_requires_ansible_is_refused_at_the_start(installed, ansible_bin, tmp_path):
    """The installed copy's own meta/runtime.yml is what the check reads: narrowing it to a range
    that excludes the running core makes site.yml stop, naming the core and the range."""
    colls = installed[1]
    runtime = colls / "ansible_collections" / "gpulab" / "pytorch_stack" / "meta" / "runtime.yml"
    original = runtime.read_text()
    runtime.write_text('---\nrequires_ansible: ">=2.10.0,<2.11.0"\n')
    try:
        done = _playbook(ansible_bin, colls, tmp_path, "gpulab.pytorch_stack.site",
                         str(_inventory(tmp_path)))
    finally:
        runtime.write_text(original)
    assert done.returncode != 0
    failures = _failures(done)[0]
    assert [(name, host) for name, host, _msg in failures] == [
        ("Check that this ansible-core is one the collection supports", "localhost")]
    assert ">=2.10.0,<2.11.0" in failures[0][2] and "ansible-core" in failures[0][2]


def test_site_runs_through_ansible_runner(installed, ansible_bin, tmp_path):
    """AWX runs playbooks with ansible-runner: a private data directory whose project imports
    gpulab.pytorch_stack.site. Its target group is empty (the controller here may run an OS the
    roles refuse, e.g. Debian 13), so the run is the controller check and plays that match no
    host: site.yml loads, resolves and runs end to end under runner."""
    colls = installed[1]
    pdd = tmp_path / "pdd"
    for sub in ("project", "inventory", "env"):
        (pdd / sub).mkdir(parents=True)
    (pdd / "project" / "site.yml").write_text(
        "---\n- name: The whole stack, as AWX runs it\n"
        "  ansible.builtin.import_playbook: gpulab.pytorch_stack.site\n")
    (pdd / "inventory" / "hosts.yml").write_text(
        "all:\n  children:\n    gpu:\n      hosts: {}\n")
    env = _clean_env(tmp_path, colls)
    (pdd / "env" / "envvars").write_text(json.dumps(
        {"ANSIBLE_COLLECTIONS_PATH": str(colls), "ANSIBLE_CONFIG": env["ANSIBLE_CONFIG"]}))
    (pdd / "env" / "extravars").write_text(json.dumps({"gpulab_hosts": "gpu"}))
    done = subprocess.run([ansible_bin("ansible-runner"), "run", str(pdd), "-p", "site.yml",
                           "--ident", "site"], env=env, cwd="/", capture_output=True,
                          text=True, timeout=600, check=False)
    artifacts = pdd / "artifacts" / "site"
    assert (artifacts / "status").read_text() == "successful", done.stdout[-3000:] + done.stderr
    assert (artifacts / "rc").read_text() == "0"
    events = [json.loads(p.read_text()) for p in (artifacts / "job_events").glob("*.json")]
    ran = {(e["event_data"].get("task"), e["event_data"].get("host"))
           for e in events if e["event"] == "runner_on_ok"}
    assert ("Check that this ansible-core is one the collection supports", "localhost") in ran
    plays = [e["event_data"]["play"] for e in events if e["event"] == "playbook_on_play_start"]
    assert "Install and verify the GPU stack" in plays and "Summarise the run on every host" in plays
    # The report directory is beside the inventory runner passes (<pdd>/inventory).
    assert (pdd / "reports").is_dir()


def test_execution_environment_definition_builds_a_context(installed, ansible_bin, tmp_path):
    """execution-environment.yml through `ansible-builder create` (building the image needs its
    base image from a registry this machine cannot reach): the context holds this release's
    tarball, the collection requirement, nvidia-ml-py and the system packages."""
    import yaml
    tarball = installed[0]
    with open(os.path.join(REPO, "galaxy.yml")) as handle:
        version = yaml.safe_load(handle)["version"]
    assert os.path.basename(tarball) == "gpulab-pytorch_stack-%s.tar.gz" % version
    with open(os.path.join(REPO, "execution-environment.yml")) as handle:
        ee = yaml.safe_load(handle)
    assert ee["version"] == 3
    # The definition names this release's tarball (bump it with galaxy.yml's version).
    assert ee["additional_build_files"][0]["src"] == os.path.basename(tarball)
    work = tmp_path / "ee"
    work.mkdir()
    shutil.copy(os.path.join(REPO, "execution-environment.yml"), str(work))
    shutil.copy(tarball, str(work))
    done = subprocess.run([ansible_bin("ansible-builder"), "create", "-f",
                           "execution-environment.yml", "-c", "context"],
                          env=_clean_env(tmp_path), cwd=str(work), capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    build = work / "context" / "_build"
    assert (build / "collections" / os.path.basename(tarball)).is_file()
    wanted = yaml.safe_load((build / "requirements.yml").read_text())["collections"]
    assert wanted == [{"name": "collections/" + os.path.basename(tarball), "type": "file"}]
    assert "nvidia-ml-py==" in (build / "requirements.txt").read_text()
    assert "openssh-clients" in (build / "bindep.txt").read_text()
    containerfile = [p for p in (work / "context").iterdir() if p.name in ("Containerfile", "Dockerfile")]
    assert containerfile and "ansible-galaxy collection install" in containerfile[0].read_text()
