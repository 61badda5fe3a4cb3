# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
#
# PRIVATE: this module_utils file is internal to gpulab.pytorch_stack. Its API may change at any
# time; other collections must not import it.
"""Read ``gpg --with-colons`` key listings (GnuPG's DETAILS file describes the format)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

_FINGERPRINT = re.compile(r"^[0-9A-F]{40}$|^[0-9A-F]{64}$")


def primary_fingerprints(listing):
    """Fingerprints of the primary keys in a ``gpg --with-colons --show-keys`` (or
    ``--list-keys``) listing, in listing order, upper-case hex.

    A primary key is a ``pub`` record; its fingerprint is the first ``fpr`` record after it and
    before the next key record (``pub``, ``sub``, ``sec``, ``ssb``). Other records may come
    between (``rvk``, a designated revoker, names a fingerprint in field 10 that is not the
    key's own, which is why a plain search for ``fpr`` lines is not enough). Subkey
    fingerprints are not returned. A ``pub`` record without a fingerprint record adds nothing.
    """
    if listing is None:
        return []
    found = []
    want = False
    for line in str(listing).splitlines():
        fields = line.split(":")
        kind = fields[0]
        if kind in ("pub", "sec"):
            want = True
        elif kind in ("sub", "ssb"):
            want = False
        elif kind == "fpr" and want:
            want = False
            value = fields[9].upper() if len(fields) > 9 else ""
            if _FINGERPRINT.match(value):
                found.append(value)
    return found
