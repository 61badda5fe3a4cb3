# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The driver role's reboot step refuses to start a reboot into a kernel that has no built
module (roles/nvidia_driver/tasks/reboot.yml), run for real on the controller. Only the
refusing side can run here: the other side reboots."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

ROLE = "gpulab.pytorch_stack.nvidia_driver : "
TASKS = """
    - name: Reboot step
      ansible.builtin.include_role:
        name: gpulab.pytorch_stack.nvidia_driver
        tasks_from: reboot
"""


def test_a_reboot_into_a_kernel_without_the_module_is_refused(localhost_play):
    results = localhost_play(TASKS, {
        "__nvidia_driver_build_kernels": ["6.12.41+deb13-amd64", "6.12.57+deb13-amd64"],
        "__nvidia_driver_next_boot_kernel": "6.12.57+deb13-amd64",
        "__nvidia_driver_dkms_module": "nvidia-current",
        "__nvidia_driver_kernel_builds": [{"kernel": "6.12.41+deb13-amd64", "module": "nvidia"}],
        "__nvidia_driver_current": {"busy_pids": [], "gpu_processes": [],
                                    "installed_version": "550.163.01", "reason": "test"},
    })
    refused = results[ROLE + "Refuse to reboot into a kernel without the driver's module"]
    assert refused.get("failed"), refused
    assert ("would boot into kernel 6.12.57+deb13-amd64, for which no nvidia-current module was "
            "built (built for: 6.12.41+deb13-amd64). Not rebooting") in refused["msg"]
    assert sorted(results) == ["Reboot step", ROLE + "Refuse to reboot into a kernel without the driver's module"]
