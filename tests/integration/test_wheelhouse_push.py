# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wheelhouse_push through a real play (local connection: the action plugin's transfers, the
host part's checks): only what the host lacks, holds cut short or holds damaged is sent; a
converged wheelhouse sends nothing and reports no change; check mode sends nothing; a
controller copy that is not the one recorded is refused before anything is sent. With a mirror
(a real HTTP server on the loopback address, serving a copy of the cache), the host fetches what
it lacks itself; a mirror that is unreachable, lacks a wheel or serves other bytes fails naming
the URL, with nothing placed."""

import functools
import hashlib
import http.server
import shutil
import threading

import pytest

PUSH = """
    - name: push
      gpulab.pytorch_stack.wheelhouse_push:
        src: "{{ src }}"
        path: "{{ dest }}"
        manifest: "{{ manifest }}"
"""

WHEELS = {"demo-1.0-py3-none-any.whl": b"demo wheel bytes",
          "other-2.0-py3-none-any.whl": b"other wheel, longer bytes"}


def _setup(tmp_path):
    src, dest = tmp_path / "cache", tmp_path / "host"
    src.mkdir()
    dest.mkdir()
    for name, data in WHEELS.items():
        (src / name).write_bytes(data)
    # As cuda_toolkit passes it: only the sha256; size and requirement come from the controller.
    manifest = {"wheels": {name: hashlib.sha256(data).hexdigest() for name, data in WHEELS.items()}}
    return src, dest, {"src": str(src), "dest": str(dest), "manifest": manifest}


def test_first_push_sends_every_wheel_and_a_second_sends_nothing(localhost_play, tmp_path):
    _src, dest, variables = _setup(tmp_path)
    first = localhost_play(PUSH, variables)["push"]
    assert first["changed"] is True and not first.get("failed")
    assert first["sent"] == sorted(WHEELS) and first["sent_bytes"] == sum(map(len, WHEELS.values()))
    for name, data in WHEELS.items():
        assert (dest / name).read_bytes() == data
    requirements = (dest / "requirements.txt").read_text()
    assert "demo==1.0 --hash=sha256:%s" % hashlib.sha256(WHEELS["demo-1.0-py3-none-any.whl"]).hexdigest() \
        in requirements
    again = localhost_play(PUSH, variables)["push"]
    assert again["changed"] is False and again["sent"] == []


def test_only_the_cut_and_the_damaged_wheels_are_sent_again(localhost_play, tmp_path):
    _src, dest, variables = _setup(tmp_path)
    localhost_play(PUSH, variables)
    (dest / "demo-1.0-py3-none-any.whl").write_bytes(b"demo")                       # cut short
    (dest / "other-2.0-py3-none-any.whl").write_bytes(b"other wheel, LONGER bytes")  # same size
    (dest / "old-0.1-py3-none-any.whl").write_bytes(b"left from an older set")
    done = localhost_play(PUSH, variables)["push"]
    assert not done.get("failed"), done
    assert done["changed"] is True
    assert done["sent"] == ["demo-1.0-py3-none-any.whl", "other-2.0-py3-none-any.whl"]
    assert done["pruned"] == ["old-0.1-py3-none-any.whl"]
    for name, data in WHEELS.items():
        assert (dest / name).read_bytes() == data


def test_check_mode_sends_nothing(localhost_play, tmp_path):
    _src, dest, variables = _setup(tmp_path)
    done = localhost_play(PUSH, variables, check=True)["push"]
    assert done["changed"] is True and done["sent"] == sorted(WHEELS)
    assert sorted(p.name for p in dest.iterdir()) == []


def test_a_controller_copy_of_another_size_than_recorded_is_refused_before_sending(
        localhost_play, tmp_path):
    src, dest, variables = _setup(tmp_path)
    variables["manifest"]["wheels"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data) + 1}
        for name, data in WHEELS.items()}
    done = localhost_play(PUSH, variables)["push"]
    assert done["failed"] is True
    assert str(src / "demo-1.0-py3-none-any.whl") in done["msg"] and "fetch it anew" in done["msg"]
    assert list(dest.iterdir()) == []


def test_a_controller_copy_with_other_bytes_fails_naming_the_wheel_and_keeps_nothing_of_it(
        localhost_play, tmp_path):
    src, dest, variables = _setup(tmp_path)
    (src / "demo-1.0-py3-none-any.whl").write_bytes(b"demo wheel BYTES")   # same size
    done = localhost_play(PUSH, variables)["push"]
    assert done["failed"] is True
    assert "demo-1.0-py3-none-any.whl arrived" in done["msg"]
    assert not (dest / "demo-1.0-py3-none-any.whl").exists()
    assert not (dest / "requirements.txt").exists()


MIRROR_PUSH = """
    - name: push
      gpulab.pytorch_stack.wheelhouse_push:
        src: "{{ src }}"
        mirror: "{{ mirror }}"
        mirror_timeout: 10
        path: "{{ dest }}"
        manifest: "{{ manifest }}"
"""


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):   # the requests are counted, not printed
        self.server.requests.append(self.path)


@pytest.fixture
def mirror_server(tmp_path):
    """An HTTP server on 127.0.0.1 serving tmp_path/served (a copy of the controller cache
    under wheels/); yields (served directory, base URL, requests seen)."""
    served = tmp_path / "served"
    served.mkdir()
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(served)))
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served, "http://127.0.0.1:%d" % server.server_address[1], server.requests
    finally:
        server.shutdown()
        server.server_close()


def _mirrored(tmp_path, mirror_server):
    src, dest, variables = _setup(tmp_path)
    served, base, requests = mirror_server
    shutil.copytree(str(src), str(served / "wheels"))
    variables["mirror"] = base + "/wheels"
    return served, dest, variables, requests


def test_the_host_fetches_from_the_mirror_what_it_lacks_and_nothing_when_converged(
        localhost_play, tmp_path, mirror_server):
    served, dest, variables, requests = _mirrored(tmp_path, mirror_server)
    (dest / "demo-1.0-py3-none-any.whl").write_bytes(WHEELS["demo-1.0-py3-none-any.whl"])  # held
    first = localhost_play(MIRROR_PUSH, variables)["push"]
    assert not first.get("failed"), first
    assert first["changed"] is True and first["fetched"] == ["other-2.0-py3-none-any.whl"]
    assert first["fetched_bytes"] == len(WHEELS["other-2.0-py3-none-any.whl"])
    assert "sent" not in first   # nothing went through the controller's connection
    assert requests == ["/wheels/other-2.0-py3-none-any.whl"]
    for name, data in WHEELS.items():
        assert (dest / name).read_bytes() == data
    assert "other==2.0 --hash=sha256:" in (dest / "requirements.txt").read_text()
    again = localhost_play(MIRROR_PUSH, variables)["push"]
    assert again["changed"] is False and again["fetched"] == []
    assert len(requests) == 1


def test_a_kept_wheel_with_other_bytes_is_fetched_again(localhost_play, tmp_path, mirror_server):
    _served, dest, variables, _requests = _mirrored(tmp_path, mirror_server)
    localhost_play(MIRROR_PUSH, variables)
    (dest / "other-2.0-py3-none-any.whl").write_bytes(b"other wheel, LONGER bytes")   # same size
    done = localhost_play(MIRROR_PUSH, variables)["push"]
    assert not done.get("failed"), done
    assert done["fetched"] == ["other-2.0-py3-none-any.whl"]
    assert (dest / "other-2.0-py3-none-any.whl").read_bytes() == WHEELS["other-2.0-py3-none-any.whl"]


def test_a_mirror_serving_other_bytes_fails_naming_the_url_and_places_nothing(
        localhost_play, tmp_path, mirror_server):
    served, dest, variables, _requests = _mirrored(tmp_path, mirror_server)
    (served / "wheels" / "other-2.0-py3-none-any.whl").write_bytes(b"other wheel, LONGER bytes")
    done = localhost_play(MIRROR_PUSH, variables)["push"]
    assert done["failed"] is True
    assert variables["mirror"] + "/other-2.0-py3-none-any.whl gave 25 bytes with sha256" in done["msg"]
    assert list(dest.iterdir()) == []   # the intact demo wheel of the same batch is not kept either


def test_a_mirror_without_the_wheel_fails_with_the_url_and_the_fix(localhost_play, tmp_path,
                                                                   mirror_server):
    served, dest, variables, _requests = _mirrored(tmp_path, mirror_server)
    (served / "wheels" / "demo-1.0-py3-none-any.whl").unlink()
    done = localhost_play(MIRROR_PUSH, variables)["push"]
    assert done["failed"] is True
    assert variables["mirror"] + "/demo-1.0-py3-none-any.whl could not be fetched: HTTP Error 404" \
        in done["msg"]
    assert "gpulab_wheel_mirror_url" in done["msg"] and "playbooks/wheel_mirror.yml" in done["msg"]
    assert list(dest.iterdir()) == []


def test_an_unreachable_mirror_fails_naming_it(localhost_play, tmp_path, mirror_server):
    _served, dest, variables, _requests = _mirrored(tmp_path, mirror_server)
    variables["mirror"] = "http://127.0.0.1:9/wheels"   # discard port: nothing listens there
    done = localhost_play(MIRROR_PUSH, variables)["push"]
    assert done["failed"] is True
    assert "http://127.0.0.1:9/wheels/demo-1.0-py3-none-any.whl could not be fetched" in done["msg"]
    assert list(dest.iterdir()) == []


def test_check_mode_fetches_nothing_from_the_mirror(localhost_play, tmp_path, mirror_server):
    _served, dest, variables, requests = _mirrored(tmp_path, mirror_server)
    done = localhost_play(MIRROR_PUSH, variables, check=True)["push"]
    assert done["changed"] is True and done["fetched"] == sorted(WHEELS)
    assert requests == [] and list(dest.iterdir()) == []
