# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`make test` runs every molecule scenario once in one of its two streams: a scenario added to
molecule/ and left off the Makefile's lists, or named in both streams, is caught here."""

import os
import re

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
# Needs a reachable Miniforge installer (README, "conda_env manager conda"): run by hand only.
NOT_IN_CI = {"conda_env_miniforge"}


def _make_list(name):
    with open(os.path.join(REPO, "Makefile")) as handle:
        match = re.search(r"^%s \?= (.*)$" % re.escape(name), handle.read(), re.M)
    assert match, "Makefile has no %s" % name
    return match.group(1).split()


def _scenarios():
    root = os.path.join(REPO, "molecule")
    return {name for name in os.listdir(root)
            if os.path.isfile(os.path.join(root, name, "molecule.yml"))}


def test_every_scenario_runs_in_make_test_once():
    listed = _make_list("SCENARIOS")
    assert len(listed) == len(set(listed)), listed
    assert set(listed) == _scenarios() - NOT_IN_CI


def test_the_checks_streams_share_and_the_2_21_leg_name_scenarios_of_the_list():
    listed = set(_make_list("SCENARIOS"))
    assert set(_make_list("SCENARIOS_WITH_CHECKS")) < listed
    assert set(_make_list("SCENARIOS_2_21")) <= listed
