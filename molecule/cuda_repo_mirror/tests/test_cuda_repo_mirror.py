"""What the shared repository set-up left on the host, and what apt makes of it."""

import os
import sys

import testinfra

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import recap, run_playbook  # noqa: E402

HOST = "gpulab-cuda_repo_mirror-1"
MIRROR = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "mirror")
KEYRING = "/etc/apt/keyrings/gpulab-cuda-archive-keyring.asc"


def _host():
    return testinfra.get_host("ansible://%s?ansible_inventory=%s"
                              % (HOST, os.environ["MOLECULE_INVENTORY_FILE"]))


def _fingerprint():
    with open(os.path.join(MIRROR, "fingerprint")) as handle:
        return handle.read().strip()


def test_one_source_for_the_mirror_signed_by_one_keyring():
    host = _host()
    listing = host.check_output("grep -rl /srv/mirror /etc/apt/sources.list /etc/apt/sources.list.d"
                                " || true").split()
    assert listing == ["/etc/apt/sources.list.d/gpulab-cuda.list"]
    source = host.file(listing[0]).content_string
    assert "signed-by=%s" % KEYRING in source
    assert "trusted=" not in source
    keys = host.check_output("gpg --batch --with-colons --show-keys %s" % KEYRING)
    assert "fpr:::::::::%s:" % _fingerprint() in keys


def test_apt_accepts_the_signed_index_without_conflicts():
    host = _host()
    update = host.run("apt-get update 2>&1")
    assert update.rc == 0, update.stdout
    for problem in ("Conflicting values", "NO_PUBKEY", "not signed", "GPG error", "E: "):
        assert problem not in update.stdout, update.stdout
    assert not [line for line in update.stdout.splitlines()
                if line.startswith("W:") and "/srv/mirror" in line], update.stdout
    policy = host.check_output("apt-cache policy gpulab-mirror-probe")
    assert "Candidate: 1.0" in policy
    assert "file:/srv/mirror/debian12/x86_64" in policy


def test_a_wrong_fingerprint_is_refused_before_anything_changes(tmp_path):
    host = _host()
    before = host.check_output("sha256sum %s /etc/apt/sources.list.d/gpulab-cuda.list" % KEYRING)
    playbook = tmp_path / "wrong_key.yml"
    playbook.write_text(
        "- name: Wrong key\n  hosts: all\n  gather_facts: true\n  become: true\n  tasks:\n"
        "    - name: Repository\n      ansible.builtin.include_role:\n"
        "        name: gpulab.pytorch_stack.nvidia_driver\n        tasks_from: cuda_repo\n")
    run = run_playbook(str(playbook), "-e",
                       "nvidia_driver_cuda_repo_key_fingerprint=%s" % ("0" * 40))
    assert run.returncode != 0
    assert "expected exactly 0000000000000000000000000000000000000000" in run.stdout, run.stdout
    assert "Not trusting it" in run.stdout
    assert recap(run.stdout)[HOST]["changed"] == 0, run.stdout
    assert host.check_output(
        "sha256sum %s /etc/apt/sources.list.d/gpulab-cuda.list" % KEYRING) == before


def test_a_new_key_url_is_fetched_and_checked_not_a_stale_copy(tmp_path):
    # Last in this file: it leaves the other key in the download area (a normal run fetches
    # the right one again); the trusted keyring and the source file must not change.
    host = _host()
    before = host.check_output("sha256sum %s /etc/apt/sources.list.d/gpulab-cuda.list" % KEYRING)
    with open(os.path.join(MIRROR, "other_fingerprint")) as handle:
        other = handle.read().strip()
    playbook = tmp_path / "other_key.yml"
    playbook.write_text(
        "- name: Other key\n  hosts: all\n  gather_facts: true\n  become: true\n  tasks:\n"
        "    - name: Repository\n      ansible.builtin.include_role:\n"
        "        name: gpulab.pytorch_stack.nvidia_driver\n        tasks_from: cuda_repo\n")
    run = run_playbook(str(playbook), "-e", "nvidia_driver_cuda_repo_key_url=file:///srv/mirror/other.asc",
                       "-e", "nvidia_driver_cuda_repo_key_fingerprint=%s" % _fingerprint())
    assert run.returncode != 0
    assert "has the primary fingerprint(s) %s, expected exactly %s" % (other, _fingerprint()) \
        in " ".join(run.stdout.split()), run.stdout
    assert host.check_output(
        "sha256sum %s /etc/apt/sources.list.d/gpulab-cuda.list" % KEYRING) == before
