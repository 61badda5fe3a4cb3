# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The two pinned dependency sets (make test's ansible-core 2.19 and 2.21 legs) pin the same
tools, and the collection's requires_ansible admits both cores, so that
`ansible-galaxy collection install` accepts the tarball on each of them."""

import os
import re

import yaml
from packaging.specifiers import SpecifierSet

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def _pins(name):
    pins = {}
    with open(os.path.join(REPO, name)) as handle:
        for line in handle:
            line = line.split("#", 1)[0].strip()
            if line:
                match = re.match(r"^([A-Za-z0-9_.\-]+)(\[[^\]]*\])?==(\S+)$", line)
                assert match, "%s: not a pin: %r" % (name, line)
                pins[match.group(1).lower()] = match.group(3)
    return pins


def test_both_legs_pin_the_same_tools_and_differ_only_in_ansible():
    old, new = _pins("requirements-dev.txt"), _pins("requirements-dev-2.21.txt")
    assert set(old) == set(new)
    differ = sorted(k for k in old if old[k] != new[k])
    assert set(differ) <= {"ansible", "ansible-core"}, differ


def test_requires_ansible_admits_every_core_make_test_runs():
    with open(os.path.join(REPO, "meta", "runtime.yml")) as handle:
        spec = SpecifierSet(yaml.safe_load(handle)["requires_ansible"])
    for name in ("requirements-dev.txt", "requirements-dev-2.21.txt"):
        core = _pins(name)["ansible-core"]
        assert core in spec, "%s pins ansible-core %s outside requires_ansible %s" % (name, core, spec)
    # 2.20 lies between them and is declared too; 2.18 and 2.22 are not.
    assert "2.20.0" in spec and "2.18.9" not in spec and "2.22.0" not in spec
