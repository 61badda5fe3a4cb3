# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The driver decision: installed package vs loaded module vs NVML -> ok / reload / reboot."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import errno
import os

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils import _driver_state as ds


@pytest.mark.parametrize("package_version, upstream", [
    ("535.261.03-1", "535.261.03"),
    ("535.216.03-2~bpo12+1", "535.216.03"),
    ("535.309.01-0+deb12u1", "535.309.01"),
    ("550.127.05-0ubuntu0.24.04.1", "550.127.05"),
    ("3:550.54.15-1.el9", "550.54.15"),
    ("570.26", "570.26"),
    ("20220217+3~deb12u1", None),
    ("not-a-version", None),
    ("", None),
    (None, None),
])
def test_upstream_version(package_version, upstream):
    assert ds.upstream_version(package_version) == upstream


@pytest.mark.parametrize("value, ok", [
    ("535.261.03", True), ("570.26", True), ("535", False), ("535.261.03-1", False),
    ("latest", False), ("53.5.1", False), ("", False),
])
def test_is_driver_version(value, ok):
    assert ds.is_driver_version(value) is ok


def test_branch_of():
    assert ds.branch_of("535.261.03-1") == "535"
    with pytest.raises(ds.DriverStateError, match="not an NVIDIA driver version"):
        ds.branch_of("current")


MADISON = """\
libnvidia-ml1 | 535.309.01-0+deb12u1 | http://deb.debian.org/debian-security bookworm-security/non-free amd64 Packages
libnvidia-ml1 | 535.261.03-1 | http://deb.debian.org/debian bookworm/non-free amd64 Packages
libnvidia-ml1 | 535.216.03-2~bpo12+1 | http://deb.debian.org/debian bookworm-backports/non-free amd64 Packages
"""


def test_parse_apt_madison():
    assert ds.parse_apt_madison(MADISON) == ["535.309.01-0+deb12u1", "535.261.03-1",
                                             "535.216.03-2~bpo12+1"]


def test_parse_dnf_versions():
    out = "Last metadata expiration check\n3:550.54.15-1.el9\n3:550.90.07-1.el9\n0:1.0-1\n"
    assert ds.parse_dnf_versions(out) == ["3:550.54.15-1.el9", "3:550.90.07-1.el9", "1.0-1"]


AVAILABLE = ds.parse_apt_madison(MADISON)


@pytest.mark.parametrize("branch, version, chosen", [
    ("535", None, "535.309.01-0+deb12u1"),
    (None, None, "535.309.01-0+deb12u1"),
    (None, "535.216.03", "535.216.03-2~bpo12+1"),
    ("550", "535.261.03", "535.261.03-1"),
    (None, "535.261.03-1", "535.261.03-1"),
])
def test_select_version(branch, version, chosen):
    assert ds.select_version(AVAILABLE, branch=branch, version=version) == chosen


def test_select_version_prefers_newest_upstream_across_epochs():
    available = ["3:550.54.15-1.el9", "3:550.90.07-1.el9", "3:560.35.03-1.el9"]
    assert ds.select_version(available, branch="550") == "3:550.90.07-1.el9"


@pytest.mark.parametrize("branch, version, message", [
    ("550", None, "Debian non-free does not provide the NVIDIA driver branch 550; it offers "
                  "535.216.03, 535.261.03, 535.309.01"),
    (None, "535.1.1", "does not provide the NVIDIA driver version 535.1.1"),
    (None, "535.261.03-9", "does not provide the NVIDIA driver version 535.261.03-9"),
    (None, "latest", "is not a driver version"),
    ("r550", None, "is not a driver branch"),
])
def test_select_version_fails_with_what_is_offered(branch, version, message):
    with pytest.raises(ds.DriverStateError, match=message.replace(".", r"\.").replace("(", r"\(")):
        ds.select_version(AVAILABLE, branch=branch, version=version, source="Debian non-free")


def test_select_version_with_nothing_offered():
    with pytest.raises(ds.DriverStateError, match="offers no driver at all"):
        ds.select_version([], branch="535")


def test_dkms_source_versions(tmp_path):
    for name in ("nvidia-current-535.216.03", "nvidia-550.54.15", "nvidia-srv-550.127.05",
                 "linux-headers-6.1.0-27-amd64", "nvidia-open-560.35.03"):
        (tmp_path / name).mkdir()
    assert ds.dkms_source_versions(str(tmp_path)) == [
        "560.35.03", "550.127.05", "550.54.15", "535.216.03"]
    assert ds.dkms_source_versions(str(tmp_path / "missing")) == []


def _proc(tmp_path, pid, name, targets, exe=None):
    """A fake /proc/<pid>: ``comm`` as the kernel writes it (cut to 15 characters), fds
    pointing at ``targets`` and, if given, the ``exe`` link."""
    fd = tmp_path / str(pid) / "fd"
    fd.mkdir(parents=True)
    (tmp_path / str(pid) / "comm").write_text(name[:15] + "\n")
    if exe:
        os.symlink(exe, str(tmp_path / str(pid) / "exe"))
    for number, target in enumerate(targets):
        os.symlink(target, str(fd / str(number)))


def _entry(pid, name, daemon=False, service=None, unreadable=False):
    return {"pid": pid, "name": name, "daemon": daemon, "service": service,
            "unreadable": unreadable}


def test_gpu_processes(tmp_path):
    _proc(tmp_path, 10, "python3", ["/dev/null", "/dev/nvidia0", "/dev/nvidiactl"],
          exe="/usr/bin/python3.11")
    _proc(tmp_path, 7, "nvidia-persistenced", ["/dev/nvidiactl"],
          exe="/usr/bin/nvidia-persistenced")
    _proc(tmp_path, 12, "bash", ["/dev/pts/0"])
    (tmp_path / "self").mkdir()
    assert ds.gpu_processes(str(tmp_path)) == [
        _entry(7, "nvidia-persistenced", True, "nvidia-persistenced"),
        _entry(10, "python3.11"),
    ]


def test_the_driver_daemons_count_by_their_executable_not_the_cut_comm(tmp_path):
    # The kernel writes "nvidia-persiste", "nv-fabricmanag" is short enough to survive whole
    # except its last letter: every daemon is recognised, from exe or from cmdline.
    _proc(tmp_path, 7, "nvidia-persistenced", ["/dev/nvidiactl"],
          exe="/usr/bin/nvidia-persistenced")
    _proc(tmp_path, 8, "nv-fabricmanager", ["/dev/nvidiactl", "/dev/nvidia-nvswitchctl"],
          exe="/usr/bin/nv-fabricmanager (deleted)")
    _proc(tmp_path, 9, "nv-hostengine", ["/dev/nvidiactl", "/dev/nvidia0"])
    (tmp_path / "9" / "cmdline").write_bytes(b"/usr/bin/nv-hostengine\0-n\0")
    assert (tmp_path / "7" / "comm").read_text() == "nvidia-persiste\n"
    processes = ds.gpu_processes(str(tmp_path))
    assert processes == [
        _entry(7, "nvidia-persistenced", True, "nvidia-persistenced"),
        _entry(8, "nv-fabricmanager", True, "nvidia-fabricmanager"),
        _entry(9, "nv-hostengine", True, "nvidia-dcgm"),
    ]
    result = ds.decide("535.261.03-1", "535.216.03", gpu_count=8, processes=processes)
    assert result["state"] == ds.STATE_RELOAD and result["busy_pids"] == []


def test_only_comm_left_still_recognises_the_truncated_daemon_name(tmp_path):
    _proc(tmp_path, 7, "nvidia-persistenced", ["/dev/nvidiactl"])
    assert ds.gpu_processes(str(tmp_path))[0]["daemon"] is True
    assert ds.daemon_service("nvidia-persiste") == "nvidia-persistenced"
    assert ds.daemon_service("nvidia-persist") is None   # 14 characters: not a kernel cut
    assert ds.daemon_service("python3") is None


def test_a_process_whose_files_cannot_be_read_counts_as_a_gpu_user(tmp_path, monkeypatch):
    _proc(tmp_path, 7, "nvidia-persistenced", ["/dev/nvidiactl"],
          exe="/usr/bin/nvidia-persistenced")
    _proc(tmp_path, 30, "trainer", ["/dev/nvidia0"], exe="/usr/bin/python3")
    real_listdir = os.listdir

    def listdir(path):
        if str(path).endswith(os.path.join("30", "fd")):
            raise OSError(errno.EACCES, "Permission denied", path)
        return real_listdir(path)

    monkeypatch.setattr(ds.os, "listdir", listdir)
    processes = ds.gpu_processes(str(tmp_path))
    assert processes[1] == _entry(30, "python3", unreadable=True)
    result = ds.decide("535.261.03-1", "535.216.03", gpu_count=1, processes=processes)
    assert result["state"] == ds.STATE_REBOOT and result["busy_pids"] == [30]
    assert "could not be read" in result["reason"]


def test_gpu_processes_of_the_running_system_is_a_list():
    # Real /proc: whatever runs here, the result is well-formed (no GPU on CI: usually empty).
    for process in ds.gpu_processes():
        assert set(process) == {"pid", "name", "daemon", "service", "unreadable"}


def _module(sysfs, name, refcnt, holders=()):
    base = sysfs / "module" / name
    (base / "holders").mkdir(parents=True)
    (base / "refcnt").write_text("%d\n" % refcnt)
    for holder in holders:
        (base / "holders" / holder).mkdir()


def _loaded_stack(sysfs, drm_refcnt=0, extra_holders=()):
    """nvidia held by nvidia_uvm, nvidia_modeset (and ``extra_holders``); nvidia_modeset by
    nvidia_drm; the refcounts a host shows with persistenced holding /dev/nvidiactl."""
    holders = ("nvidia_modeset", "nvidia_uvm") + tuple(extra_holders)
    _module(sysfs, "nvidia", len(holders) + 1, holders)
    _module(sysfs, "nvidia_modeset", 1, ("nvidia_drm",))
    _module(sysfs, "nvidia_uvm", 0)
    _module(sysfs, "nvidia_drm", drm_refcnt)
    for holder in extra_holders:
        _module(sysfs, holder, 0)


def test_an_idle_module_stack_blocks_nothing(tmp_path):
    _loaded_stack(tmp_path)
    assert ds.module_blockers(str(tmp_path)) == []
    assert ds.module_blockers(str(tmp_path / "missing")) == []


@pytest.mark.parametrize("holders", [("nvidia_peermem",), ("nvidia_fs",)])
def test_a_module_that_depends_on_nvidia_makes_a_reload_impossible(tmp_path, holders):
    _loaded_stack(tmp_path, extra_holders=holders)
    blockers = ds.module_blockers(str(tmp_path))
    assert blockers == ["module nvidia is used by %s, which the reload does not unload (rmmod "
                        "it first)" % holders[0]]
    result = ds.decide("535.261.03-1", "535.216.03", gpu_count=1, blockers=blockers)
    assert result["state"] == ds.STATE_REBOOT
    assert holders[0] in result["reason"]


def test_a_framebuffer_on_nvidia_drm_makes_a_reload_impossible(tmp_path):
    _loaded_stack(tmp_path, drm_refcnt=2)   # fbcon + a display server, no /dev/nvidia* fd
    blockers = ds.module_blockers(str(tmp_path))
    assert blockers == ["module nvidia_drm has 2 user(s) besides the modules that depend on it "
                        "(a framebuffer console or display server)"]
    assert ds.decide("535.261.03-1", "535.216.03", gpu_count=1,
                     blockers=blockers)["state"] == ds.STATE_REBOOT


# ---- decide ------------------------------------------------------------------------------

def test_ok_when_the_loaded_module_is_the_installed_version():
    result = ds.decide("535.261.03-1", "535.261.03", nvml_state="ok",
                       nvml_driver_version="535.261.03", gpu_count=1)
    assert result["state"] == ds.STATE_OK
    assert result["installed_version"] == result["loaded_version"] == "535.261.03"


def test_upgrade_without_reboot_and_idle_gpu_can_reload():
    result = ds.decide("535.261.03-1", "535.216.03", nvml_state="driver_library_mismatch",
                       gpu_count=1,
                       processes=[{"pid": 7, "name": "nvidia-persistenced", "daemon": True}])
    assert result["state"] == ds.STATE_RELOAD
    assert "loaded nvidia module is 535.216.03 but 535.261.03 is installed" in result["reason"]
    assert "NVML reports a driver/library version mismatch" in result["reason"]
    assert result["busy_pids"] == []


def test_upgrade_with_a_running_job_needs_a_reboot():
    result = ds.decide("535.261.03-1", "535.216.03", gpu_count=8,
                       processes=[{"pid": 4242, "name": "python3", "daemon": False}])
    assert result["state"] == ds.STATE_REBOOT
    assert "processes 4242 use the GPU" in result["reason"]
    assert result["busy_pids"] == [4242]


def test_nvml_mismatch_alone_is_not_ok():
    # Same package version as the module, but NVML loads a different library (a stray copy).
    result = ds.decide("535.261.03-1", "535.261.03", nvml_state="driver_library_mismatch",
                       gpu_count=1)
    assert result["state"] == ds.STATE_RELOAD


def test_nvml_reporting_another_version_is_not_ok():
    result = ds.decide("550.90.07-1", "550.90.07", nvml_state="ok",
                       nvml_driver_version="550.54.15", gpu_count=1)
    assert result["state"] == ds.STATE_RELOAD
    assert "NVML reports driver 550.54.15 but 550.90.07 is installed" in result["reason"]


def test_wrong_flavour_loaded():
    result = ds.decide("570.86.10-1", "570.86.10", gpu_count=1, loaded_flavor="proprietary",
                       wanted_flavor="open")
    assert result["state"] == ds.STATE_RELOAD
    assert "proprietary flavour but open was chosen" in result["reason"]


def test_fresh_install_loads_the_module():
    assert ds.decide("535.261.03-1", None, gpu_count=1)["state"] == ds.STATE_RELOAD


def test_fresh_install_with_nouveau_needs_a_reboot():
    result = ds.decide("535.261.03-1", None, gpu_count=1, nouveau_loaded=True)
    assert result["state"] == ds.STATE_REBOOT
    assert "nouveau" in result["reason"]


def test_host_without_gpu_has_nothing_to_load():
    assert ds.decide("535.261.03-1", None, gpu_count=0)["state"] == ds.STATE_NO_GPU


def test_not_installed():
    assert ds.decide(None, "535.216.03")["state"] == ds.STATE_NOT_INSTALLED


def test_container_without_host_module_is_userspace_only():
    result = ds.decide("535.261.03-1", None, container=True, gpu_count=0)
    assert result["state"] == ds.STATE_USERSPACE_ONLY
    assert "host must load the 535.261.03 kernel module" in result["reason"]


def test_container_whose_host_runs_another_version():
    result = ds.decide("535.261.03-1", "535.216.03", container=True)
    assert result["state"] == ds.STATE_RELOAD
    assert "container host's nvidia module is 535.216.03" in result["reason"]


def test_an_installed_version_that_is_no_driver_version_is_an_error():
    with pytest.raises(ds.DriverStateError, match="does not contain a driver version"):
        ds.decide("1.0-1", None)


# ---- branch limits from the compatibility data --------------------------------------------

def test_blackwell_needs_570():
    limits = ds.device_branch_limits("0x2901")
    assert limits["architecture"] == "blackwell"
    assert limits["min_branch"] == "570"
    assert ds.branch_problems("550", ["0x2901"]) == [
        "0x2901 (%s, blackwell) needs driver 570.26 or newer (branch 570+), not branch 550"
        % (limits["name"] or "NVIDIA GPU")]
    assert ds.branch_problems("570", ["0x2901"]) == []


def test_b300_needs_the_cuda_12_9_driver():
    # CUDA 12.9 is the first toolkit for compute capability 10.3 (CUDA 12.9 release notes);
    # its minimum driver is 575.51.03, not 13.0's 580.65.06.
    limits = ds.device_branch_limits("0x3182")
    assert (limits["compute_capability"], limits["min_driver"], limits["min_branch"]) == (
        "10.3", "575.51.03", "575")
    assert ds.branch_problems("575", ["0x3182"]) == []


def test_hopper_runs_535():
    assert ds.branch_problems("535", ["0x2330"]) == []


def test_volta_ends_with_580():
    problems = ds.branch_problems("590", ["0x1db1"])
    assert len(problems) == 1 and "up to branch 580 only" in problems[0]
    assert ds.branch_problems("580", ["0x1db1"]) == []
