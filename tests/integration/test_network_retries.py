# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wheelhouse_fetch when pip download fails (an index that refuses connections, a wheel no index
has): it tries `retries + 1` times (with its back-off in between), keeps no half wheelhouse, and
its error names the index."""

import time

TASK = """
    - name: fetch
      gpulab.pytorch_stack.wheelhouse_fetch:
        cache_dir: "{{ cache }}"
        # No index anywhere has it, so every try fails whatever pip.conf adds.
        requirements: [gpulab-no-such-wheel==0.0.1]
        index_url: http://127.0.0.1:9/simple
        python_version: "3.11"
        glibc: "2.36"
        arch: x86_64
        retries: "{{ retries }}"
        # pip's own retries off, so that the tries counted are the module's.
        extra_args: [--retries, "0", --timeout, "5"]
      ignore_errors: true
"""


def test_refused_index_is_tried_again_and_named(localhost_play, tmp_path):
    cache = tmp_path / "cache"
    started = time.monotonic()
    done = localhost_play(TASK, {"cache": str(cache), "retries": 2})["fetch"]
    took = time.monotonic() - started
    assert done["failed"] is True
    assert done["tries"] == 3
    assert "http://127.0.0.1:9/simple" in done["msg"] and "3 time(s)" in done["msg"]
    assert took >= 6      # waited 2 s and 4 s between the three tries
    assert not any(p.name.endswith(".partial") and any(p.iterdir()) for p in cache.iterdir())


def test_zero_retries_tries_once(localhost_play, tmp_path):
    done = localhost_play(TASK, {"cache": str(tmp_path / "cache"), "retries": 0})["fetch"]
    assert done["failed"] is True and done["tries"] == 1
