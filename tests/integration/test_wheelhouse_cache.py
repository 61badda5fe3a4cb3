# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wheelhouse_fetch with a damaged controller cache, with a real pip download of a small wheel
from the package index: a truncated wheel is fetched again once (only it) before anything could
be copied to a host; when that cannot be done, the error names the entry's path on the
controller. A truncated wheel in an administrator's wheelhouse (src) is refused, naming it."""

import os

FETCH = """
    - name: fetch
      gpulab.pytorch_stack.wheelhouse_fetch:
        cache_dir: "{{ cache }}"
        requirements: [six==1.17.0]
        index_url: "{{ index | default('') }}"
        python_version: "3.11"
        glibc: "2.36"
        arch: x86_64
        retries: 0
        extra_args: [--retries, "0", --timeout, "10"]
      ignore_errors: true
"""


def _truncate(path):
    with open(path, "r+b") as handle:
        handle.truncate(100)


def test_a_truncated_cached_wheel_is_fetched_again(localhost_play, tmp_path):
    cache = tmp_path / "cache"
    first = localhost_play(FETCH, {"cache": str(cache)})["fetch"]
    assert first.get("failed") is not True, first
    (wheel, entry), = first["manifest"]["wheels"].items()
    path = os.path.join(first["path"], wheel)
    _truncate(path)
    again = localhost_play(FETCH, {"cache": str(cache)})["fetch"]
    assert again.get("failed") is not True, again
    assert again["downloaded"] is True and again["manifest"] == first["manifest"]
    assert os.path.getsize(path) == entry["size"]
    hit = localhost_play(FETCH, {"cache": str(cache)})["fetch"]
    assert hit["downloaded"] is False and hit["changed"] is False


def test_a_damaged_wheel_that_cannot_be_fetched_again_names_the_controller_path(localhost_play, tmp_path):
    cache = tmp_path / "cache"
    first = localhost_play(FETCH, {"cache": str(cache)})["fetch"]
    (wheel, _entry), = first["manifest"]["wheels"].items()
    _truncate(os.path.join(first["path"], wheel))
    # The same key needs the same index: the refetch goes to where the entry came from, here
    # made unreachable by a pip.conf that points pip at a closed port.
    conf = tmp_path / "pip.conf"
    conf.write_text("[global]\nindex-url = http://127.0.0.1:9/simple\n")
    os.environ["PIP_CONFIG_FILE"] = str(conf)
    try:
        failed = localhost_play(FETCH, {"cache": str(cache)})["fetch"]
    finally:
        del os.environ["PIP_CONFIG_FILE"]
    assert failed["failed"] is True
    assert "the controller's wheelhouse %s has damaged wheels (%s has 100 bytes" % (
        first["path"], wheel) in failed["msg"], failed["msg"]
    assert "fetching them again failed" in failed["msg"]


def test_a_truncated_wheel_in_an_admin_wheelhouse_is_refused(localhost_play, tmp_path):
    first = localhost_play(FETCH, {"cache": str(tmp_path / "cache")})["fetch"]
    (wheel, _entry), = first["manifest"]["wheels"].items()
    _truncate(os.path.join(first["path"], wheel))
    task = """
    - name: src
      gpulab.pytorch_stack.wheelhouse_fetch:
        cache_dir: "{{ cache }}"
        src: "{{ src }}"
        python_version: "3.11"
        glibc: "2.36"
        arch: x86_64
      ignore_errors: true
"""
    done = localhost_play(task, {"cache": str(tmp_path / "other"), "src": first["path"]})["src"]
    assert done["failed"] is True and done["damaged"] == [wheel]
    assert os.path.join(first["path"], wheel) in done["msg"]
