# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_gpg.primary_fingerprints on listings real gpg prints: test keys, Debian's own key.

The test keys (A; B with an encryption subkey and A as its designated revoker) were made once
with GnuPG 2.2.40 and committed as armored exports under fixtures/, beside the --list-keys
listing gpg printed for B in the home that made them (the only listing with B's rvk record).
Reading an export with --show-keys needs no gpg-agent; generating keys did, and under a loaded
2-core CI machine the agent's autostart failed (gpg exit 2), so nothing here generates keys.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._gpg import primary_fingerprints

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs gpg (Debian: gnupg)")

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
KEY_A = "6D9F0C9DEA40BAC8E6AC5489EF5548C7D4AF801C"
KEY_B = "B9F4B6B4E1C7B5EE6199BB2CABD40C169EA412FD"
KEY_B_SUBKEY = "427A96A8B65410E55BD763E3C9636B240713060D"
DEBIAN_12_KEYRING = "/usr/share/keyrings/debian-archive-bookworm-stable.gpg"
DEBIAN_12_KEY = "4D64FEC119C2029067D6E791F8D2585B8783D481"


def _fixture(name):
    return os.path.join(FIXTURES, name)


@pytest.fixture
def show(tmp_path):
    """gpg --show-keys FILE in a throwaway home, as the role runs it on a downloaded key."""
    home = str(tmp_path)
    os.chmod(home, 0o700)

    def _show(path):
        return subprocess.run(["gpg", "--batch", "--with-colons", "--show-keys", path],
                              env=dict(os.environ, GNUPGHOME=home), check=True,
                              capture_output=True, text=True).stdout
    return _show


def test_one_key_with_a_subkey_gives_the_primary_fingerprint_only(show):
    listing = show(_fixture("gpg_key_b_with_subkey_and_revoker.asc"))
    assert "\nsub:" in listing and KEY_B_SUBKEY in listing
    assert primary_fingerprints(listing) == [KEY_B]


def test_a_file_with_two_keys_gives_both_in_listing_order(show):
    assert primary_fingerprints(show(_fixture("gpg_keys_a_and_b.asc"))) == [KEY_A, KEY_B]


def test_a_designated_revoker_is_not_taken_for_the_key():
    with open(_fixture("gpg_list_keys_b_with_revoker.txt")) as handle:
        listing = handle.read()
    assert "\nrvk:" in listing and KEY_A in listing
    assert primary_fingerprints(listing) == [KEY_B]


@pytest.mark.skipif(not os.path.exists(DEBIAN_12_KEYRING), reason="needs debian-archive-keyring")
def test_debians_archive_key_is_read_as_apt_knows_it(show):
    assert primary_fingerprints(show(DEBIAN_12_KEYRING)) == [DEBIAN_12_KEY]


@pytest.mark.parametrize("listing", [None, "", "gpg: no valid OpenPGP data found.\n",
                                     "pub:-:255:22:C217EF382283F01D:1796206786:::-:::scESC:\n",
                                     "fpr:::::::::%s:\n" % DEBIAN_12_KEY])
def test_no_primary_key_record_gives_no_fingerprint(listing):
    assert primary_fingerprints(listing) == []
