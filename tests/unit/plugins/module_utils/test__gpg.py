# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""_gpg.primary_fingerprints on listings real gpg prints: keys made here, Debian's own key."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._gpg import primary_fingerprints

pytestmark = pytest.mark.skipif(shutil.which("gpg") is None, reason="needs gpg (Debian: gnupg)")

DEBIAN_12_KEYRING = "/usr/share/keyrings/debian-archive-bookworm-stable.gpg"
DEBIAN_12_KEY = "4D64FEC119C2029067D6E791F8D2585B8783D481"


def _gpg(home, *args, **kwargs):
    return subprocess.run(["gpg", "--batch"] + list(args), env=dict(os.environ, GNUPGHOME=home),
                          check=True, capture_output=True, text=True, **kwargs).stdout


def _show(home, path):
    return _gpg(home, "--with-colons", "--show-keys", path)


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    """Key A; key B with an encryption subkey and A as its designated revoker; their exports."""
    top = tmp_path_factory.mktemp("gpg")
    home = str(top / "home")
    os.mkdir(home, 0o700)
    _gpg(home, "--passphrase", "", "--quick-gen-key", "A <a@gpulab.invalid>", "ed25519",
         "default", "never")
    a = _gpg(home, "--with-colons", "--list-keys", "a@gpulab.invalid").split("fpr:::::::::")[1][:40]
    _gpg(home, "--gen-key", input="\n".join([
        "%no-protection", "Key-Type: EDDSA", "Key-Curve: ed25519",
        "Revoker: 22:%s sensitive" % a, "Subkey-Type: ECDH", "Subkey-Curve: cv25519",
        "Name-Real: B", "Name-Email: b@gpulab.invalid", "Expire-Date: 0", "%commit", ""]))
    listing_b = _gpg(home, "--with-colons", "--list-keys", "b@gpulab.invalid")
    b = listing_b.split("\nfpr:::::::::")[1][:40]
    files = {}
    for name, who in (("b", ["b@gpulab.invalid"]), ("both", [])):
        path = str(top / ("%s.gpg" % name))
        with open(path, "wb") as handle:
            handle.write(subprocess.run(["gpg", "--batch", "--export"] + who,
                                        env=dict(os.environ, GNUPGHOME=home), check=True,
                                        capture_output=True).stdout)
        files[name] = path
    return {"home": home, "a": a, "b": b, "listing_b": listing_b, "files": files}


def test_one_key_with_a_subkey_gives_the_primary_fingerprint_only(keys):
    listing = _show(keys["home"], keys["files"]["b"])
    assert "\nsub:" in listing and listing.count("\nfpr:") == 2
    assert primary_fingerprints(listing) == [keys["b"]]


def test_a_file_with_two_keys_gives_both_in_listing_order(keys):
    found = primary_fingerprints(_show(keys["home"], keys["files"]["both"]))
    assert sorted(found) == sorted([keys["a"], keys["b"]]) and len(found) == 2


def test_a_designated_revoker_is_not_taken_for_the_key(keys):
    assert "\nrvk:" in keys["listing_b"] and keys["a"] in keys["listing_b"]
    assert primary_fingerprints(keys["listing_b"]) == [keys["b"]]


@pytest.mark.skipif(not os.path.exists(DEBIAN_12_KEYRING), reason="needs debian-archive-keyring")
def test_debians_archive_key_is_read_as_apt_knows_it(tmp_path):
    home = str(tmp_path)
    os.chmod(home, 0o700)
    assert primary_fingerprints(_show(home, DEBIAN_12_KEYRING)) == [DEBIAN_12_KEY]


@pytest.mark.parametrize("listing", [None, "", "gpg: no valid OpenPGP data found.\n",
                                     "pub:-:255:22:C217EF382283F01D:1796206786:::-:::scESC:\n",
                                     "fpr:::::::::%s:\n" % DEBIAN_12_KEY])
def test_no_primary_key_record_gives_no_fingerprint(listing):
    assert primary_fingerprints(listing) == []
