# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The gpg_primary_fingerprints filter as Jinja2 calls it: registered, errors name it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.gpulab.pytorch_stack.plugins.filter.keys import FilterModule

LISTING = """\
pub:-:255:22:C217EF382283F01D:1796206786:::-:::scaESCA:::::ed25519:::0:
rvk:::22::::::04747848A78FB39625C998760F68D8F09E22645D:c0s:
fpr:::::::::4290105DCADA6970D03372BAC217EF382283F01D:
uid:-::::1796206786::C6018AA11938F164467FA9D496A4A2B40A832B16::B <b@gpulab.invalid>::::::::::0:
sub:-:255:18:DF7E3B264D4B8C91:1796206786::::::e:::::cv25519::
fpr:::::::::A623448C26811B061A8DA5F6DF7E3B264D4B8C91:
"""


def test_the_filter_is_registered_and_names_itself_on_wrong_arguments():
    gpg_primary_fingerprints = FilterModule().filters()["gpg_primary_fingerprints"]
    assert gpg_primary_fingerprints(LISTING) == ["4290105DCADA6970D03372BAC217EF382283F01D"]
    with pytest.raises(AnsibleFilterError, match="gpg_primary_fingerprints: wrong arguments"):
        gpg_primary_fingerprints(LISTING, "extra")
