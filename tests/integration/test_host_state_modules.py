# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The missing-package check of the internal role's packages entry point (its listing command
and filters) and the toolkit links (ansible.builtin.file, as roles/internal/tasks/wheels.yml
makes them) through ansible-playbook on this machine: the real dpkg database (or rpm's, on a
RHEL-family controller) and a real directory tree."""

import os
import shutil
import subprocess

import pytest

# As roles/internal/tasks/packages.yml asks and reads.
PACKAGES = """
    - name: listing
      ansible.builtin.command:
        argv: "{{ names | gpulab.pytorch_stack.package_query_argv(manager) }}"
      environment:
        LC_ALL: C
      register: listing
      changed_when: false
      failed_when: false
    - name: state
      ansible.builtin.debug:
        msg: "{{ listing.stdout | gpulab.pytorch_stack.missing_packages(names, manager) }}"
"""

# roles/internal/tasks/wheels.yml
LINKS = """
    - name: links
      ansible.builtin.file:
        src: "{{ item.value }}"
        dest: "{{ root }}/{{ item.key }}"
        state: link
        force: true
      loop: "{{ links | dict2items }}"
      ignore_errors: "{{ may_fail | default(false) }}"
"""

PRESENT = "libc6" if shutil.which("dpkg-query") else "glibc"
needs_a_package_database = pytest.mark.skipif(
    not (shutil.which("dpkg-query") or shutil.which("rpm")),
    reason="needs dpkg-query or rpm on the machine running the tests")


MANAGER = "apt" if shutil.which("dpkg-query") else "dnf"


@needs_a_package_database
def test_the_missing_packages_are_named_in_their_order(localhost_play):
    names = ["gpulab-no-such-package", PRESENT, "gpulab-no-such-package-either"]
    result = localhost_play(PACKAGES, {"names": names, "manager": MANAGER})
    assert result["listing"]["rc"] != 0                 # not installed is an answer
    assert result["state"]["msg"] == ["gpulab-no-such-package", "gpulab-no-such-package-either"]
    assert localhost_play(PACKAGES, {"names": [PRESENT], "manager": MANAGER})["state"]["msg"] == []


@pytest.mark.skipif(not shutil.which("dpkg-query"), reason="apt version pins need dpkg")
def test_an_apt_version_pin_is_checked(localhost_play):
    version = subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "libc6"], capture_output=True,
                             text=True, check=True).stdout.strip()
    result = localhost_play(PACKAGES, {"names": ["libc6=%s" % version, "libc6=0.0-0"],
                                       "manager": "apt"})
    assert result["state"]["msg"] == ["libc6=0.0-0"]


def test_a_pattern_is_refused_before_anything_is_asked(localhost_play):
    result = localhost_play(PACKAGES, {"names": ["python3-*"], "manager": "apt"})["listing"]
    assert result["failed"] is True
    assert "python3-*" in result["msg"]
    assert "cmd" not in result                          # dpkg-query never ran


def _changed_links(result):
    return sorted(os.path.basename(r["dest"]) for r in result["results"] if r["changed"])


def test_toolkit_links_are_made_repaired_and_then_left_alone(localhost_play, tmp_path):
    root = tmp_path / "cuda-13.0"
    root.mkdir()
    (root / "lib64").write_text("a file where a link belongs")
    links = {"bin": "wheels/nvidia/cu13/bin", "lib64": "lib", "include": "wheels/nvidia/cu13/include"}
    variables = {"root": str(root), "links": links}

    checked = localhost_play(LINKS, variables, check=True)["links"]
    assert _changed_links(checked) == ["bin", "include", "lib64"]
    assert sorted(os.listdir(str(root))) == ["lib64"] and not os.path.islink(str(root / "lib64"))

    first = localhost_play(LINKS, variables)["links"]
    assert first["changed"] is True
    assert {name: os.readlink(str(root / name)) for name in links} == links

    os.unlink(str(root / "bin"))
    os.unlink(str(root / "include"))
    os.symlink("elsewhere", str(root / "include"))
    repaired = localhost_play(LINKS, variables)["links"]
    assert _changed_links(repaired) == ["bin", "include"]
    assert {name: os.readlink(str(root / name)) for name in links} == links
    assert localhost_play(LINKS, variables)["links"]["changed"] is False


def test_toolkit_links_refuse_to_replace_a_directory_with_files(localhost_play, tmp_path):
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "nvcc").write_text("")
    result = localhost_play(LINKS, {"root": str(tmp_path), "links": {"bin": "x"},
                                    "may_fail": True})["links"]
    assert result["failed"] is True and "not empty" in result["results"][0]["msg"]
    assert (tmp_path / "bin" / "nvcc").exists()
