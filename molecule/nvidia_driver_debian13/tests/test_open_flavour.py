"""The open kernel modules of Debian 13's driver as a first install, on a container with a
Debian kernel: whatever Debian's archive holds that day, the outcome is one of the two that
issue #16 allows, and the test says which.

- built: the open module (nvidia-current-open) for that kernel, of the driver's version;
- not built: the layer fails naming the module, the kernel, the compiler's error and the
  make.log, rolls the install back and leaves a clean package database and no open module
  behind (550.163.01-2 and -4~bpo13+1 did not compile for 6.12.118+deb13 on 2026-12-07).
"""

import os
import re
import sys

sys.path.insert(0, os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "molecule", "shared"))
from ansible_run import run_playbook  # noqa: E402

testinfra_hosts = ["ansible://gpulab-nvidia_driver_debian13-open"]

PLAYBOOK = os.path.join("molecule", "nvidia_driver_debian13", "open_flavour.yml")


def test_the_open_flavour_is_built_or_fails_cleanly_and_is_rolled_back(host):
    kernels = [name[len("vmlinuz-"):] for name in host.check_output("ls /boot").split()
               if name.startswith("vmlinuz-")]
    assert len(kernels) == 1, kernels
    kernel = kernels[0]
    run = run_playbook(PLAYBOOK)
    out = " ".join(run.stdout.split())
    if run.returncode == 0:
        print("open flavour: built for %s" % kernel)
        version = host.check_output("dpkg-query -W -f '${Version}' nvidia-open-kernel-dkms").split("-")[0]
        info = host.check_output("modinfo -k %s nvidia-current-open" % kernel)
        fields = dict(re.findall(r"^(version|vermagic):\s*(.*)$", info, re.M))
        assert fields["version"] == version and fields["vermagic"].split()[0] == kernel, fields
        assert "nvidia-current-open/%s, %s, x86_64: installed" % (version, kernel) \
            in host.check_output("dkms status")
        return
    print("open flavour: the build failed for %s and was rolled back" % kernel)
    print(out[out.find("installing the driver packages failed"):][:1500])
    assert run.returncode == 2, run.stdout[-3000:]
    assert re.search(r"Module nvidia-current-open/[0-9.]+ for kernel %s: " % re.escape(kernel), out), \
        run.stdout[-3000:]
    assert " error: " in out
    assert "make.log: /var/lib/dkms/nvidia-current-open/" in out
    assert "Rolled back: removed" in out and "nvidia-open-kernel-dkms" in out
    assert "Package database: clean (dpkg --audit is empty)" in out
    assert "No module was loaded and no reboot started" in out
    assert host.run("dpkg --audit").stdout.strip() == ""
    assert not host.package("nvidia-open-kernel-dkms").is_installed
    # No open module anywhere (the rollback also removed dkms itself, which the install added).
    assert host.check_output("find /lib/modules /usr/src -name 'nvidia-current-open*'") == ""
    assert host.check_output("ls /var/log/gpulab/nvidia-driver").startswith("nvidia-current-open-")
    # The layer recorded no result: the next run starts the install again instead of trusting it.
    assert not host.file("/var/lib/gpulab/results/nvidia_driver.json").exists
