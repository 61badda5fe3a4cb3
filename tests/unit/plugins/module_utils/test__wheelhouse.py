# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import os

import pytest

from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._results import write_if_changed
from ansible_collections.gpulab.pytorch_stack.plugins.module_utils._wheelhouse import (
    MANIFEST,
    REQUIREMENTS,
    WheelhouseError,
    build_manifest,
    cache_key,
    check_manifest,
    complete_manifest,
    download_argv,
    extra_files,
    fetch,
    fetch_from_mirror,
    incomplete_wheels,
    manylinux_platforms,
    mirror_url,
    place_staged,
    requirements_text,
    to_send,
    verify,
    wheel_platform_tags,
    wheel_requirement,
    wheels_manifest,
)

TORCH = "torch-2.14.1-cp311-cp311-manylinux_2_28_x86_64.whl"
CUDNN = "nvidia_cudnn_cu13-9.24.0.43-py3-none-manylinux_2_27_x86_64.whl"


def test_manylinux_platforms_list_every_tag_down_to_manylinux1():
    tags = manylinux_platforms("2.36", "x86_64")
    assert tags[0] == "manylinux_2_36_x86_64"
    for tag in ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux2014_x86_64",
                "manylinux_2_17_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64",
                "manylinux_2_5_x86_64", "linux_x86_64"):
        assert tag in tags
    assert "manylinux_2_37_x86_64" not in tags
    arm = manylinux_platforms("2.28", "aarch64")
    assert "manylinux2014_aarch64" in arm and "manylinux1_aarch64" not in arm


@pytest.mark.parametrize("glibc, arch", [("2.16", "x86_64"), ("236", "x86_64"), ("2.36", "i386")])
def test_manylinux_platforms_refuse_unusable_targets(glibc, arch):
    with pytest.raises(WheelhouseError):
        manylinux_platforms(glibc, arch)


def test_download_command_names_the_target_not_the_controller():
    argv = download_argv("/venv/bin/python", "/cache/x", ["torch==2.14.1"], "", "3.11", "2.36",
                         "x86_64")
    assert argv[:4] == ["/venv/bin/python", "-m", "pip", "download"]
    assert "--only-binary=:all:" in argv
    assert argv[argv.index("--python-version") + 1] == "3.11"
    assert argv[argv.index("--abi") + 1] == "cp311"
    assert "--index-url" not in argv
    assert argv[-1] == "torch==2.14.1"
    with_index = download_argv("p", "d", ["torch"], "https://download.pytorch.org/whl/cu130",
                               "3.12", "2.35", "x86_64")
    assert with_index[with_index.index("--index-url") + 1].endswith("/cu130")


def test_cache_key_changes_with_what_was_asked():
    base = cache_key(["torch==2.14.1", "torchvision==0.29.1"], "", "3.11", "2.36", "x86_64",
                     "pypi")
    assert base == cache_key(["torchvision==0.29.1", "torch==2.14.1"], "", "3.11", "2.36",
                             "x86_64", "pypi")
    for other in (cache_key(["torch==2.14.0", "torchvision==0.29.1"], "", "3.11", "2.36",
                            "x86_64", "pypi"),
                  cache_key(["torch==2.14.1", "torchvision==0.29.1"], "", "3.12", "2.36",
                            "x86_64", "pypi"),
                  cache_key(["torch==2.14.1", "torchvision==0.29.1"], "u", "3.11", "2.36",
                            "x86_64", "cu130"),
                  cache_key(["torch==2.14.1", "torchvision==0.29.1"], "", "3.11", "2.36",
                            "aarch64", "pypi")):
        assert other != base


@pytest.mark.parametrize("name, requirement", [
    (TORCH, "torch==2.14.1"),
    ("torch-2.14.1+cu130-cp311-cp311-manylinux_2_28_x86_64.whl", "torch==2.14.1+cu130"),
    (CUDNN, "nvidia-cudnn-cu13==9.24.0.43"),
    ("typing_extensions-4.16.0-py3-none-any.whl", "typing-extensions==4.16.0"),
])
def test_wheel_requirement(name, requirement):
    assert wheel_requirement(name) == requirement


@pytest.mark.parametrize("name, tags", [
    # uv's and ninja's pinned wheels (pytorch2_uv_wheels, pytorch2_ninja_wheels)
    ("uv-0.13.9-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
     ["manylinux_2_17_x86_64", "manylinux2014_x86_64"]),
    ("/c/uv-0.13.9-py3-none-manylinux_2_17_aarch64.manylinux2014_aarch64.musllinux_1_1_aarch64.whl",
     ["manylinux_2_17_aarch64", "manylinux2014_aarch64", "musllinux_1_1_aarch64"]),
    ("torch-2.14.1+cu130-cp311-cp311-manylinux_2_28_x86_64.whl", ["manylinux_2_28_x86_64"]),
    # a build tag: six parts, the platform is still the last
    ("pkg-1.0-1-py3-none-any.whl", ["any"]),
])
def test_wheel_platform_tags(name, tags):
    assert wheel_platform_tags(name) == tags


def test_wheel_platform_tags_refuses_what_is_no_wheel():
    with pytest.raises(WheelhouseError, match="uv-0.13.9.tar.gz' is not a wheel file name"):
        wheel_platform_tags("uv-0.13.9.tar.gz")


def test_wheel_requirement_refuses_sdists():
    with pytest.raises(WheelhouseError):
        wheel_requirement("torch-2.14.1.tar.gz")


def make_wheels(directory, names=(TORCH, CUDNN)):
    for name in names:
        with open(os.path.join(str(directory), name), "wb") as handle:
            handle.write(name.encode() * 100)


def test_manifest_records_sha256_and_requirements_pin_every_wheel(tmp_path):
    make_wheels(tmp_path)
    manifest = build_manifest(str(tmp_path))
    digest = hashlib.sha256((TORCH.encode() * 100)).hexdigest()
    assert manifest["wheels"][TORCH] == {"sha256": digest, "size": len(TORCH) * 100,
                                         "requirement": "torch==2.14.1"}
    text = requirements_text(manifest)
    assert "torch==2.14.1 --hash=sha256:%s" % digest in text
    assert "nvidia-cudnn-cu13==9.24.0.43 --hash=sha256:" in text


def test_manifest_refuses_non_wheels_and_empty_dirs(tmp_path):
    with pytest.raises(WheelhouseError, match="no wheels"):
        build_manifest(str(tmp_path))
    (tmp_path / "torch-2.14.1.tar.gz").write_text("x")
    with pytest.raises(WheelhouseError, match="not a wheel"):
        build_manifest(str(tmp_path))


def test_verify_finds_missing_truncated_and_altered_wheels(tmp_path):
    make_wheels(tmp_path)
    manifest = build_manifest(str(tmp_path))
    assert verify(str(tmp_path), manifest) == []
    with open(os.path.join(str(tmp_path), TORCH), "r+b") as handle:
        handle.write(b"X")
    os.unlink(os.path.join(str(tmp_path), CUDNN))
    problems = verify(str(tmp_path), manifest)
    assert any(CUDNN in p and "missing" in p for p in problems)
    assert any(TORCH in p and "different sha256" in p for p in problems)
    with open(os.path.join(str(tmp_path), TORCH), "ab") as handle:
        handle.write(b"more")
    assert any("bytes" in p for p in verify(str(tmp_path), manifest))


def test_extra_files_are_wheels_the_manifest_does_not_list(tmp_path):
    make_wheels(tmp_path)
    manifest = build_manifest(str(tmp_path))
    make_wheels(tmp_path, ["old-1.0-py3-none-any.whl"])
    assert extra_files(str(tmp_path), manifest) == ["old-1.0-py3-none-any.whl"]


def test_fetch_downloads_once_then_hits_the_cache(tmp_path):
    calls = []

    def download(dest):
        calls.append(dest)
        make_wheels(dest)

    path, manifest, downloaded = fetch(str(tmp_path), "k1", download, write_if_changed)
    assert downloaded and len(calls) == 1
    assert path == str(tmp_path / "k1")
    assert json.loads((tmp_path / "k1" / MANIFEST).read_text()) == manifest
    assert "--hash=sha256:" in (tmp_path / "k1" / REQUIREMENTS).read_text()
    again = fetch(str(tmp_path), "k1", download, write_if_changed)
    assert again == (path, manifest, False) and len(calls) == 1


def test_an_interrupted_download_is_not_a_cache_hit(tmp_path):
    def broken(dest):
        make_wheels(dest)
        raise RuntimeError("network gone")

    with pytest.raises(RuntimeError):
        fetch(str(tmp_path), "k2", broken, write_if_changed)
    assert not (tmp_path / "k2").exists()
    path, _manifest, downloaded = fetch(str(tmp_path), "k2", make_wheels, write_if_changed)
    assert downloaded and os.path.isfile(os.path.join(path, MANIFEST))


def _truncate(path, size=10):
    with open(path, "r+b") as handle:
        handle.truncate(size)


def test_a_truncated_cached_wheel_is_fetched_again_once_and_only_it(tmp_path):
    calls = []

    def download(dest):
        calls.append(sorted(os.listdir(dest)))
        make_wheels(dest, [n for n in (TORCH, CUDNN) if not os.path.exists(os.path.join(dest, n))])

    path, manifest, _downloaded = fetch(str(tmp_path), "k3", download, write_if_changed)
    _truncate(os.path.join(path, TORCH))
    told = []
    again = fetch(str(tmp_path), "k3", download, write_if_changed, on_damaged=told.append)
    assert again == (path, manifest, True)
    # The intact wheel was kept (linked into the new copy), the truncated one fetched again.
    assert calls[-1] == [CUDNN]
    assert told and TORCH in told[0][0] and "bytes" in told[0][0]
    assert verify(path, manifest) == []
    assert not os.path.exists(path + ".partial")
    assert fetch(str(tmp_path), "k3", download, write_if_changed) == (path, manifest, False)
    assert len(calls) == 2


def test_a_damaged_wheel_the_index_does_not_give_back_names_the_controller_path(tmp_path):
    def download(dest):
        make_wheels(dest)

    path, manifest, _downloaded = fetch(str(tmp_path), "k4", download, write_if_changed)
    with open(os.path.join(path, CUDNN), "r+b") as handle:
        handle.write(b"X")     # same size, other sha256

    def other(dest):
        for name in (TORCH, CUDNN):
            if not os.path.exists(os.path.join(dest, name)):
                with open(os.path.join(dest, name), "wb") as handle:
                    handle.write(b"something else")

    with pytest.raises(WheelhouseError) as err:
        fetch(str(tmp_path), "k4", other, write_if_changed)
    assert "the controller's wheelhouse %s had damaged wheels" % path in str(err.value)
    assert CUDNN in str(err.value) and "Remove %s on the controller" % path in str(err.value)
    assert not os.path.exists(path + ".partial")


def test_incomplete_wheels_are_those_that_are_no_complete_zip(tmp_path):
    import zipfile
    for name in (TORCH, CUDNN):
        with zipfile.ZipFile(str(tmp_path / name), "w") as archive:
            archive.writestr("a.py", "x" * 1000)
    manifest = build_manifest(str(tmp_path))
    assert incomplete_wheels(str(tmp_path), manifest) == []
    _truncate(str(tmp_path / TORCH), 200)
    assert incomplete_wheels(str(tmp_path), manifest) == [TORCH]


def _entry(data):
    return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
            "requirement": "demo==1.0"}


DEMO = "demo-1.0-py3-none-any.whl"
OTHER = "other-2.0-py3-none-any.whl"


def test_complete_manifest_takes_the_size_from_the_controller_and_the_requirement_from_the_name():
    manifest = complete_manifest({CUDNN: "A" * 64, DEMO: {"sha256": "b" * 64, "size": 3}},
                                 lambda name: 1234)
    assert manifest["wheels"][CUDNN] == {"sha256": "a" * 64, "size": 1234,
                                         "requirement": "nvidia-cudnn-cu13==9.24.0.43"}
    assert manifest["wheels"][DEMO]["size"] == 3


@pytest.mark.parametrize("wheels, message", [
    ({}, "no wheels"),
    ({"notes.txt": "a" * 64}, "not a wheel file name"),
    ({DEMO: "abc"}, "has no sha256"),
])
def test_complete_manifest_refuses_what_cannot_be_checked(wheels, message):
    with pytest.raises(WheelhouseError, match=message):
        complete_manifest(wheels, lambda name: 1)


def test_a_manifest_entry_without_a_size_is_refused():
    with pytest.raises(WheelhouseError, match="no size"):
        check_manifest({"wheels": {DEMO: {"sha256": "a" * 64, "requirement": "demo==1.0"}}})


def test_to_send_names_the_missing_and_the_wrong_sized_wheels_only(tmp_path):
    (tmp_path / DEMO).write_bytes(b"demo")
    (tmp_path / OTHER).write_bytes(b"cut")
    manifest = {"wheels": {DEMO: _entry(b"demo"), OTHER: _entry(b"other"), CUDNN: _entry(b"x")}}
    assert to_send(str(tmp_path), manifest) == [CUDNN, OTHER]


def test_place_staged_moves_what_arrived_intact_and_refuses_what_arrived_damaged(tmp_path):
    house, staged = tmp_path / "house", tmp_path / "staged"
    house.mkdir()
    staged.mkdir()
    (staged / DEMO).write_bytes(b"demo")
    (staged / OTHER).write_bytes(b"othex")   # right size, other bytes
    (house / OTHER).write_bytes(b"other")
    manifest = {"wheels": {DEMO: _entry(b"demo"), OTHER: _entry(b"other")}}
    placed, problems = place_staged(str(house), str(staged), manifest)
    assert placed == [DEMO]
    assert (house / DEMO).read_bytes() == b"demo" and not (staged / DEMO).exists()
    assert oct((house / DEMO).stat().st_mode & 0o777) == "0o644"
    assert len(problems) == 1 and problems[0].startswith(OTHER + " arrived")
    assert (house / OTHER).read_bytes() == b"other"   # the host's copy is kept
    assert verify(str(house), manifest, skip=placed) == []


def test_place_staged_in_check_mode_moves_nothing(tmp_path):
    (tmp_path / DEMO).write_bytes(b"demo")
    manifest = {"wheels": {DEMO: _entry(b"demo")}}
    house = tmp_path / "house"
    house.mkdir()
    assert place_staged(str(house), str(tmp_path), manifest, check_mode=True) == ([DEMO], [])
    assert not (house / DEMO).exists()


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")
def test_a_wheel_sent_by_another_login_user_belongs_to_root_once_placed(tmp_path):
    house, staged = tmp_path / "house", tmp_path / "staged"
    house.mkdir()
    staged.mkdir()
    (staged / DEMO).write_bytes(b"demo")
    os.chown(str(staged / DEMO), 65534, 65534)
    assert place_staged(str(house), str(staged), {"wheels": {DEMO: _entry(b"demo")}}) == ([DEMO], [])
    assert ((house / DEMO).stat().st_uid, (house / DEMO).stat().st_gid) == (0, 0)


# A mirror as fetch_from_mirror sees it: an opener over a directory of this machine (the real
# HTTP path, nginx and Ansible's URL client, is run by tests/integration/test_wheelhouse_push.py
# and molecule cuda_pip).
def _mirror(root, asked):
    def opener(url):
        asked.append(url)
        path = os.path.join(str(root), url.split("/mirror/", 1)[1])
        if not os.path.isfile(path):
            raise WheelhouseError("%s could not be fetched: HTTP Error 404: Not Found" % url)
        return open(path, "rb")
    return opener


def _mirror_setup(tmp_path, wheels):
    mirror, host = tmp_path / "mirror", tmp_path / "host"
    mirror.mkdir()
    host.mkdir()
    for name, data in wheels.items():
        (mirror / name).write_bytes(data)
    manifest = {"wheels": dict((name, {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                                       "requirement": wheel_requirement(name)})
                               for name, data in wheels.items())}
    return mirror, host, manifest


WHEELS = {"demo-1.0-py3-none-any.whl": b"demo wheel bytes", "b_c-2.0-py3-none-any.whl": b"b+c wheel"}


def test_mirror_url_quotes_the_file_name_and_joins_once():
    assert mirror_url("http://m:8081/wheels/", "torch-2.14.1+cu130-cp313-cp313-linux_x86_64.whl") == \
        "http://m:8081/wheels/torch-2.14.1%2Bcu130-cp313-cp313-linux_x86_64.whl"


def test_wheels_fetched_from_the_mirror_are_checked_and_placed_0644(tmp_path):
    mirror, host, manifest = _mirror_setup(tmp_path, WHEELS)
    asked = []
    placed = fetch_from_mirror(str(host), "http://m/mirror", sorted(WHEELS), manifest, _mirror(mirror, asked))
    assert placed == sorted(WHEELS)
    assert asked == ["http://m/mirror/" + name for name in sorted(WHEELS)]
    for name, data in WHEELS.items():
        assert (host / name).read_bytes() == data
        assert os.stat(str(host / name)).st_mode & 0o777 == 0o644
    assert verify(str(host), manifest) == []
    assert sorted(os.listdir(str(host))) == sorted(WHEELS)   # no staging directory left


@pytest.mark.parametrize("served, expected", [
    (b"demo wheel BYTES", "gave 16 bytes with sha256"),          # same size, other bytes
    (b"demo wheel", "gave 10 bytes with sha256"),                # cut short
    (b"demo wheel bytes and more", "gave more than the 16 bytes"),
    (None, "HTTP Error 404"),                                    # the mirror lacks it
])
def test_a_wrong_mirror_fails_naming_the_url_and_nothing_is_placed(tmp_path, served, expected):
    mirror, host, manifest = _mirror_setup(tmp_path, WHEELS)
    (host / "demo-1.0-py3-none-any.whl").write_bytes(b"kept")   # what the host held before
    if served is None:
        (mirror / "demo-1.0-py3-none-any.whl").unlink()
    else:
        (mirror / "demo-1.0-py3-none-any.whl").write_bytes(served)
    with pytest.raises(WheelhouseError) as err:
        fetch_from_mirror(str(host), "http://m/mirror", sorted(WHEELS), manifest, _mirror(mirror, []))
    assert "http://m/mirror/demo-1.0-py3-none-any.whl" in str(err.value)
    assert expected in str(err.value)
    # the other wheel of the batch came through intact, but is not placed either
    assert sorted(os.listdir(str(host))) == ["demo-1.0-py3-none-any.whl"]
    assert (host / "demo-1.0-py3-none-any.whl").read_bytes() == b"kept"


def test_nothing_to_fetch_asks_the_mirror_nothing_and_clears_a_left_staging(tmp_path):
    mirror, host, manifest = _mirror_setup(tmp_path, WHEELS)
    (host / ".mirror-staging").mkdir()
    (host / ".mirror-staging" / "demo-1.0-py3-none-any.whl").write_bytes(b"from a killed run")
    asked = []
    assert fetch_from_mirror(str(host), "http://m/mirror", [], manifest, _mirror(mirror, asked)) == []
    assert asked == [] and os.listdir(str(host)) == []


def test_wheels_manifest_takes_the_wheels_and_leaves_the_cache_s_other_files_out(tmp_path):
    (tmp_path / "demo-1.0-py3-none-any.whl").write_bytes(b"demo")
    (tmp_path / "requirements-ninja-25fc.txt").write_text("ninja==1.13.2\n")
    (tmp_path / ".demo-2.0-py3-none-any.whl.part").write_bytes(b"half")
    assert wheels_manifest(str(tmp_path)) == {"wheels": {"demo-1.0-py3-none-any.whl": {
        "sha256": hashlib.sha256(b"demo").hexdigest(), "size": 4, "requirement": "demo==1.0"}}}
    (tmp_path / "demo-1.0-py3-none-any.whl").unlink()
    with pytest.raises(WheelhouseError, match="holds no wheels"):
        wheels_manifest(str(tmp_path))
