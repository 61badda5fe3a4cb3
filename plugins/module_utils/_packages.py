# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Which of a list of package specs are not installed, from one dpkg-query or rpm call.

A converged host needs no package manager run at all: the roles ask this first and start apt or
dnf (and refresh apt's lists) only for what is missing. Specs are written as the roles give them
to ansible.builtin.apt / ansible.builtin.dnf: ``name`` or, for apt, ``name=version``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Both tools expand the backslash escapes themselves.
DPKG_FORMAT = "${Package}\\t${Version}\\t${db:Status-Abbrev}\\n"
RPM_FORMAT = "%{NAME}\\t%{VERSION}-%{RELEASE}\\n"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+._:-]*$")


class PackageSpecError(ValueError):
    """A spec this module cannot check (wildcards, ranges, paths)."""


def parse_spec(spec, manager):
    """(name, version or None) of one spec; raises PackageSpecError for what apt/dnf would
    treat as a pattern, a range or a file."""
    text = (spec or "").strip()
    name, version = text, None
    if manager == "apt" and "=" in text:
        name, version = text.split("=", 1)
        if not version or any(c in version for c in "*?<>="):
            raise PackageSpecError("cannot check %r: only exact name=version pins" % spec)
    if not _NAME.match(name) or any(c in name for c in "*?[]<>/"):
        raise PackageSpecError("cannot check %r: give a package name%s"
                               % (spec, " or name=version" if manager == "apt" else ""))
    return name, version


def dpkg_query_argv(specs):
    names = [parse_spec(s, "apt")[0] for s in specs]
    return ["dpkg-query", "-W", "-f", DPKG_FORMAT, "--"] + sorted(set(names))


def rpm_query_argv(specs):
    names = [parse_spec(s, "dnf")[0] for s in specs]
    return ["rpm", "-q", "--qf", RPM_FORMAT, "--"] + sorted(set(names))


def installed_from_dpkg(output):
    """{name: set of versions} of the packages dpkg-query lists as installed (held or not)."""
    found = {}
    for line in output.splitlines():
        fields = line.split("\t")
        if len(fields) < 3:
            continue
        name, version, status = fields[0], fields[1], fields[2].strip()
        name = name.split(":", 1)[0]  # multiarch: libfoo:amd64
        # db:Status-Abbrev is desired state, package state, error flag: "ii " installed, "hi "
        # installed and held, "rc " removed with its configuration left, "un " unknown.
        if len(status) >= 2 and status[1] == "i":
            found.setdefault(name, set()).add(version)
    return found


def installed_from_rpm(output):
    """{name: set of version-release} from rpm -q --qf; 'is not installed' lines are skipped."""
    found = {}
    for line in output.splitlines():
        fields = line.split("\t")
        if len(fields) != 2 or " " in fields[0]:
            continue
        found.setdefault(fields[0], set()).add(fields[1])
    return found


def missing(specs, installed, manager):
    """The specs, in their order, that the installed set does not satisfy."""
    out = []
    for spec in specs:
        name, version = parse_spec(spec, manager)
        versions = installed.get(name)
        if not versions or (version is not None and version not in versions):
            out.append(spec)
    return out


def query_installed(module, specs, manager):
    """{name: set of versions} installed of the packages that ``specs`` name, from one
    dpkg-query (manager apt) or rpm call run by the AnsibleModule ``module``; fails the module
    on a spec it cannot check or on an answer that is no answer."""
    if not specs:
        return {}
    try:
        argv = dpkg_query_argv(specs) if manager == "apt" else rpm_query_argv(specs)
    except PackageSpecError as err:
        module.fail_json(msg=str(err))
    argv[0] = module.get_bin_path(argv[0], required=True)
    # Both tools exit non-zero when a package is unknown or not installed: that is an answer.
    rc, out, err = module.run_command(argv, environ_update={"LC_ALL": "C"})
    if rc != 0 and not out and "no packages found" not in err and "not installed" not in out + err:
        module.fail_json(msg="%s failed (rc %d): %s" % (argv[0], rc, err.strip()), rc=rc)
    return installed_from_dpkg(out) if manager == "apt" else installed_from_rpm(out)
