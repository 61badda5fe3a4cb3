"""Cut an install short in the middle of one package's unpack, as a power cut would.

Run inside the test host (python3, no other tools): python3 dpkg_killer.py PACKAGE MARK

It waits on dpkg's journal directory with inotify. dpkg writes a package's new status there
(/var/lib/dpkg/updates/NNNN) as it goes; the moment the record that says PACKAGE is
half-installed lands, it freezes apt-get (so that apt-get neither reports the failure nor lets
the run go on) and kills dpkg, then touches MARK for the test. Any other record (another
package, trigger processing, the unpacked or installed state) is passed over, so the cut can
only happen where the test wants it; if it never comes the script ends after ten minutes
without touching MARK, and the test says so.

A polling loop (`ls updates/0*` every 10 ms) missed the few milliseconds a small library is
half-installed on a loaded machine and killed dpkg during a later trigger instead
(CI, 2026-12-02): the watch is woken by the kernel, and the record is read, not guessed.
"""

import ctypes
import os
import select
import signal
import struct
import sys

UPDATES = "/var/lib/dpkg/updates"
IN_CLOSE_WRITE = 0x008
IN_MOVED_TO = 0x080
EVENT = struct.Struct("iIII")   # wd, mask, cookie, len; then len bytes of name
GIVE_UP_AFTER = 600


def _processes(*names):
    found = {name: [] for name in names}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/comm" % entry) as comm:
                    name = comm.read().strip()
            except OSError:
                continue
            if name in found:
                found[name].append(int(entry))
    return found


def _half_installed(path, package):
    try:
        with open(path) as record:
            lines = record.read().splitlines()
    except OSError:   # folded into the status file already
        return False
    return "Package: " + package in lines and any(
        line.startswith("Status: ") and line.endswith(" half-installed") for line in lines)


def main(package, mark):
    libc = ctypes.CDLL(None, use_errno=True)
    watch = libc.inotify_init1(os.O_CLOEXEC)
    if watch < 0 or libc.inotify_add_watch(watch, UPDATES.encode(),
                                           IN_CLOSE_WRITE | IN_MOVED_TO) < 0:
        sys.exit("dpkg_killer: inotify on %s failed (errno %d)" % (UPDATES, ctypes.get_errno()))
    while select.select([watch], [], [], GIVE_UP_AFTER)[0]:
        events, offset = os.read(watch, 65536), 0
        while offset < len(events):
            length = EVENT.unpack_from(events, offset)[3]
            start = offset + EVENT.size
            name = events[start:start + length].rstrip(b"\0").decode()
            offset = start + length
            if name.isdigit() and _half_installed(os.path.join(UPDATES, name), package):
                running = _processes("apt-get", "dpkg")
                for pid in running["apt-get"]:
                    os.kill(pid, signal.SIGSTOP)
                for pid in running["dpkg"]:
                    os.kill(pid, signal.SIGKILL)
                with open(mark, "w"):
                    pass
                return
    sys.exit("dpkg_killer: %s was not half-installed within %d s" % (package, GIVE_UP_AFTER))


if __name__ == "__main__":
    main(*sys.argv[1:3])
