# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""The shared Python environment of the conda_env role: Miniforge installer command line, the
system ``.condarc``, the environment's spec and the commands that (re)create it.

Pure functions over plain values; the ``condarc`` filter and the ``python_env`` module run them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os
import re

MANAGERS = ("conda", "venv")
SPEC_FILE = ".gpulab-spec.json"
# A channel name (conda-forge, nvidia, pytorch) or a channel URL (https://mirror/conda-forge,
# file:///srv/channels/local).
_CHANNEL = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9_.-]+)*|(https?|file)://\S+)$")
_PYTHON = re.compile(r"^3\.\d{1,2}$")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class CondaError(ValueError):
    """A value the conda_env role cannot use; the message says what to change."""


def python_version(value):
    """``"3.11"`` -> ``"3.11"``; a patch level or anything else is refused (conda and venv
    both pick the newest patch of a minor)."""
    text = str(value).strip()
    if not _PYTHON.match(text):
        raise CondaError("Python version %r is not like '3.11' (major.minor)" % (value,))
    return text


def env_name(value):
    text = str(value).strip()
    if not _NAME.match(text) or text in (".", ".."):
        raise CondaError("environment name %r must be letters, digits, '.', '_' or '-'" % (value,))
    return text


def channels(values, allow_defaults=False):
    """Validated channel list, in order, without duplicates. ``defaults`` (Anaconda's channels,
    whose terms of service restrict use in many organisations) only when allowed."""
    if isinstance(values, (str, bytes)):
        raise CondaError("channels must be a list, got the string %r" % (values,))
    result = []
    for value in values:
        text = str(value).strip()
        if not _CHANNEL.match(text):
            raise CondaError("channel %r is neither a channel name like 'conda-forge' nor a URL"
                             % (value,))
        if text == "defaults" and not allow_defaults:
            raise CondaError("the 'defaults' channel is listed but conda_env_allow_defaults is "
                             "false; remove it or set conda_env_allow_defaults: true")
        if text not in result:
            result.append(text)
    if not result:
        raise CondaError("at least one channel is needed, e.g. conda-forge")
    return result


def condarc_data(channel_list, channel_alias=None, custom_channels=None, default_channels=None,
                 allow_defaults=False, settings=None):
    """The system ``.condarc`` as a dict. ``custom_channels`` maps a channel name to the base
    URL of its mirror; ``default_channels`` replaces what ``defaults`` means (a mirror of it).
    Other conda settings come through ``settings`` and cannot override these keys."""
    data = dict(settings or {})
    clash = sorted(set(data) & {"channels", "channel_alias", "custom_channels",
                                "default_channels"})
    if clash:
        raise CondaError("conda_env_condarc_settings must not set %s; use the role's own "
                         "variables for them" % ", ".join(clash))
    data.setdefault("auto_update_conda", False)
    data["channels"] = channels(channel_list, allow_defaults)
    if channel_alias:
        if not re.match(r"^(https?|file)://\S+$", channel_alias):
            raise CondaError("channel_alias %r is not an http(s):// or file:// URL"
                             % (channel_alias,))
        data["channel_alias"] = channel_alias
    mirrors = {}
    for name, url in sorted((custom_channels or {}).items()):
        if not re.match(r"^(https?|file)://\S+$", str(url)):
            raise CondaError("custom channel %r: %r is not an http(s):// or file:// URL"
                             % (name, url))
        mirrors[str(name)] = str(url)
    if mirrors:
        data["custom_channels"] = mirrors
    if default_channels:
        data["default_channels"] = [str(url) for url in default_channels]
    return data


def env_prefix(root_prefix, name):
    if not os.path.isabs(root_prefix):
        raise CondaError("prefix %r must be an absolute path" % (root_prefix,))
    return os.path.join(root_prefix, "envs", env_name(name))


def spec(manager, python, packages=None, channel_list=None):
    """What the environment was built from; a change means rebuilding it."""
    if manager not in MANAGERS:
        raise CondaError("manager %r is not one of %s" % (manager, ", ".join(MANAGERS)))
    return {"manager": manager, "python": python_version(python),
            "packages": sorted(str(p) for p in (packages or [])),
            "channels": list(channel_list or []) if manager == "conda" else []}


def spec_text(value):
    return json.dumps(value, indent=2, sort_keys=True) + "\n"


def spec_hash(value):
    return hashlib.sha256(spec_text(value).encode("utf-8")).hexdigest()


def plan(desired, recorded_text, python_exists):
    """``"keep"``, ``"create"`` or ``"rebuild"`` for an environment whose recorded spec file
    holds ``recorded_text`` (None: no file) and whose python does (not) exist."""
    if recorded_text is None and not python_exists:
        return "create"
    try:
        recorded = json.loads(recorded_text) if recorded_text is not None else None
    except ValueError:
        recorded = None
    if python_exists and recorded == desired:
        return "keep"
    return "rebuild"


def create_argvs(desired, root_prefix, name, venv_python="/usr/bin/python3"):
    """Commands that create the environment from scratch, in order."""
    target = env_prefix(root_prefix, name)
    if desired["manager"] == "conda":
        conda = os.path.join(root_prefix, "bin", "conda")
        return [[conda, "create", "--yes", "--quiet", "--prefix", target,
                 "python=%s" % desired["python"]] + desired["packages"]]
    argvs = [[venv_python, "-m", "venv", target]]
    if desired["packages"]:
        argvs.append([os.path.join(target, "bin", "python"), "-m", "pip", "install",
                      "--disable-pip-version-check", "--no-cache-dir"] + desired["packages"])
    return argvs
