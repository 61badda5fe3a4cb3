# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""wheelhouse_push through a real play (local connection: the action plugin's transfers, the
host part's checks): only what the host lacks, holds cut short or holds damaged is sent; a
converged wheelhouse sends nothing and reports no change; check mode sends nothing; a
controller copy that is not the one recorded is refused before anything is sent."""

import hashlib

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
