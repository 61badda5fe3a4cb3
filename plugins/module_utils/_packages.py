# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""The collection's one reader of the package database: dpkg-query and rpm listings.

Every listing is asked for in one format (``DPKG_FORMAT``, ``RPM_FORMAT``: name, version, source
package, dpkg's status) and read by ``package_rows``; the rest derive from it:

- which of a list of package specs are not installed (``missing_packages`` over the listing of
  ``package_query_argv``, both filters; the internal role's ``packages`` entry point): a host
  that has them all needs no package manager run at all, apt or dnf start (and apt's lists are
  refreshed) only for what is missing. Specs are written as the roles give them to
  ansible.builtin.apt / ansible.builtin.dnf: ``name`` or, for apt, ``name=version``;
- the installed version of a package (``installed_versions``, the nvidia_driver_state module);
- through filters, the nvidia_driver role's apt decisions: the installed rows it holds or moves
  along (``installed_packages``), the ``name=version`` pins it installs (``apt_pins``) and what
  a failed install changed, to undo it (``package_rollback``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

# Both tools expand the backslash escapes themselves. The nvidia_driver role's own dpkg-query
# tasks pass the same string (roles/nvidia_driver/vars/main.yml; a unit test keeps them equal).
DPKG_FORMAT = "${Package}\\t${Version}\\t${source:Package}\\t${db:Status-Abbrev}\\n"
RPM_FORMAT = "%{NAME}\\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\\t%{SOURCERPM}\\n"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9+._:-]*$")
# A Debian version: [epoch:]upstream[-revision] (Debian Policy 5.6.12).
_DEB_VERSION = re.compile(r"^([0-9]+:)?[0-9][A-Za-z0-9.+~:-]*$")
# rpm's source package file name: <name>-<version>-<release>.src.rpm
_SOURCE_RPM = re.compile(r"^(?P<name>.+)-[^-]+-[^-]+\.(no)?src\.rpm$")


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


def _dpkg_state(status):
    # db:Status-Abbrev is desired state, package state, error flag: "ii " installed, "hi "
    # installed and held, "rc " removed with its configuration left, "un " unknown, "iU "
    # unpacked, "iF " half-configured, "iH " half-installed (a failed or cut transaction).
    state = status.strip()[1:2]
    if state == "i":
        return "installed"
    if state in ("", "n", "c"):
        return "absent"
    return "half"


def _rpm_source(source, name):
    match = _SOURCE_RPM.match(source or "")
    return match.group("name") if match else name


def package_rows(output, manager):
    """Every row of a ``DPKG_FORMAT`` (manager apt) or ``RPM_FORMAT`` (dnf) listing, in listing
    order, as ``{"name", "version", "source", "state"}``: state ``installed``, ``half`` (dpkg
    holds it unfinished: unpacked, half-configured, half-installed, triggers pending) or
    ``absent`` (dpkg knows only its name or its configuration files). Multiarch suffixes
    (``libc6:amd64``) are dropped from names; rpm's epoch 0 is left out of versions, as rpm and
    versionlock write them; rpm's "package x is not installed" lines are no rows."""
    rows = []
    for line in (output or "").splitlines():
        fields = line.split("\t")
        if manager == "apt":
            if len(fields) != 4 or not fields[0]:
                continue
            name, version, source, status = fields
            state = _dpkg_state(status) if version else "absent"
            source = source or name
        else:
            if len(fields) != 3 or not fields[0] or " " in fields[0]:
                continue
            name, version, source = fields
            version = version[2:] if version.startswith("0:") else version
            source, state = _rpm_source(source, name), "installed"
        rows.append({"name": name.split(":", 1)[0], "version": version, "source": source,
                     "state": state})
    return rows


def installed_packages(output, manager="apt"):
    """The installed rows of a listing (see ``package_rows``), in listing order."""
    return [row for row in package_rows(output, manager) if row["state"] == "installed"]


def installed(output, manager):
    """{name: set of versions} of the installed packages of a listing (multiarch packages may be
    installed at more than one version)."""
    found = {}
    for row in installed_packages(output, manager):
        found.setdefault(row["name"], set()).add(row["version"])
    return found


def installed_versions(output, manager):
    """{name: version} of the installed packages of a listing."""
    return dict((row["name"], row["version"]) for row in installed_packages(output, manager))


def apt_pins(names, version):
    """``name=version`` for each name, once, in first-seen order: the specs that install those
    packages at exactly that Debian version. Raises PackageSpecError for a name that is not a
    package name or a version that is not a Debian version."""
    if not isinstance(version, str) or not _DEB_VERSION.match(version):
        raise PackageSpecError("%r is not a Debian package version (like 550.163.01-2)"
                               % (version,))
    pins = []
    for name in names or []:
        parse_spec(name, "dnf")  # a plain name, no pin, pattern or path
        spec = "%s=%s" % (name, version)
        if spec not in pins:
            pins.append(spec)
    return pins


def package_rollback(before, after, manager="apt"):
    """What undoes a failed install, from the listings taken ``before`` and ``after`` it:
    ``{"added": [names], "changed": ["name=old version"]}``, each sorted. ``added`` are packages
    dpkg holds now (installed or left half-done) that were not installed before; ``changed``
    those installed before that are now at another version or gone (a transaction that swapped
    one package for a conflicting one removed it): installing each at its old version undoes
    the change. ``before`` None (the install failed before its listing was taken) gives nothing
    to undo."""
    if before is None:
        return {"added": [], "changed": []}
    was = installed_versions(before, manager)
    now = dict((row["name"], row["version"]) for row in package_rows(after, manager)
               if row["state"] != "absent")
    return {"added": sorted(set(now) - set(was)),
            "changed": sorted("%s=%s" % (name, version) for name, version in was.items()
                              if now.get(name) != version)}


def missing(specs, installed, manager):
    """The specs, in their order, that the installed set does not satisfy."""
    out = []
    for spec in specs:
        name, version = parse_spec(spec, manager)
        versions = installed.get(name)
        if not versions or (version is not None and version not in versions):
            out.append(spec)
    return out


def package_query_argv(specs, manager):
    """The one listing command (``DPKG_FORMAT`` / ``RPM_FORMAT``) for the names of ``specs``;
    raises PackageSpecError on a spec that cannot be checked (a pattern, a range, a path)."""
    return dpkg_query_argv(specs) if manager == "apt" else rpm_query_argv(specs)


def missing_packages(output, specs, manager="apt"):
    """The specs, in their order, that a listing of ``package_query_argv`` does not show
    installed (or not at the pinned version)."""
    return missing(specs, installed(output, manager), manager)


def query_installed(module, specs, manager):
    """{name: set of versions} installed of the packages that ``specs`` name, from one
    dpkg-query (manager apt) or rpm call run by the AnsibleModule ``module``; fails the module
    on a spec it cannot check or on an answer that is no answer."""
    if not specs:
        return {}
    try:
        argv = package_query_argv(specs, manager)
    except PackageSpecError as err:
        module.fail_json(msg=str(err))
    argv[0] = module.get_bin_path(argv[0], required=True)
    # Both tools exit non-zero when a package is unknown or not installed: that is an answer.
    rc, out, err = module.run_command(argv, environ_update={"LC_ALL": "C"})
    if rc != 0 and not out and "no packages found" not in err and "not installed" not in out + err:
        module.fail_json(msg="%s failed (rc %d): %s" % (argv[0], rc, err.strip()), rc=rc)
    return installed(out, manager)
