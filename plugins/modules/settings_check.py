#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: settings_check
short_description: Check the settings of a whole-stack run before any layer changes anything
version_added: 0.2.0
description:
  - Runs on the controller (an action plugin; nothing is sent to the host) and changes nothing.
  - Refuses, with one sentence per problem that names the variable and the fix, layer names
    that are not layers of this collection (with the closest one), path settings that are not
    absolute and normalised (options of type C(path) in the roles' argument specs, and the
    controller caches; C(..), C(.), relative paths and C(/) itself are refused, a leading C(~)
    only for controller paths), device lists that C(CUDA_VISIBLE_DEVICES) would misread (empty
    or repeated entries, entries that are no GPU index, GPU UUID or MIG id), torch, torchvision
    and torchaudio versions that are not full C(major.minor.patch) versions, and acceptance
    settings that cannot give a meaningful result (C(acceptance_min_accuracy) outside 0..1,
    a batch size or timeout that is not positive, an C(acceptance_device) that is not C(cuda),
    C(cuda:<n>) or C(cpu)).
  - Names with a prefix of this collection (C(gpulab_), C(preflight_) and the six layers'
    prefixes) that no role's argument spec documents are reported with the closest known name
    - as warnings, or as errors with O(strict).
  - Only the settings of the chosen O(layers) (and C(preflight_*), C(gpulab_*)) are checked.
author:
  - gpulab maintainers (@gpulab)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - gpulab.pytorch_stack.attributes
options:
  layers:
    description: The layers of the run (C(gpulab_layers)).
    type: list
    elements: str
    required: true
  settings:
    description: The effective values of the settings to check, by name. Absent names are not checked.
    type: dict
    default: {}
  names:
    description:
      - Every variable name set for the host, checked for misspellings.
      - Default - the names among the task's variables that start with a prefix of this collection.
    type: list
    elements: str
  strict:
    description: Report unknown names as errors instead of warnings.
    type: bool
    default: false
notes:
  - The logic is in C(plugins/module_utils/_settings.py) of this collection.
"""

EXAMPLES = r"""
- name: Check the settings of the chosen layers
  gpulab.pytorch_stack.settings_check:
    layers: "{{ gpulab_layers }}"
    names: "{{ __names }}"
    settings: "{{ dict(__names | zip(query('ansible.builtin.vars', *__names))) }}"
    strict: "{{ gpulab_strict_settings | default(false) }}"
  vars:
    __names: "{{ query('ansible.builtin.varnames', '^(gpulab|pytorch2|acceptance)_') }}"
"""

RETURN = r"""
errors:
  description: Every problem found, one sentence each (the task fails when there is one).
  returned: always
  type: list
  elements: str
  sample: ["cuda_toolkit_pip_prefix 'opt/cuda' is a relative path: give an absolute one"]
unknown:
  description: The unknown names with their closest known name (warnings; empty with O(strict)).
  returned: always
  type: list
  elements: str
  sample: ["cuda_toolkit_verisons is not a setting of gpulab.pytorch_stack and is ignored (did you mean cuda_toolkit_versions?)"]
"""
