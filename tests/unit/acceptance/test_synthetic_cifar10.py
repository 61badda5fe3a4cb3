# -*- coding: utf-8 -*-
# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The synthetic CIFAR-10 has the official python version's format. Needs no numpy or torch:
the pickles are read with stand-ins for the numpy globals they name, as the trainer does."""

import importlib.util
import json
import pickle
import pickletools
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "roles" / "acceptance" / "files" / \
    "gpulab_synthetic_cifar10.py"
CIFAR10_NAMES = [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog",
                 b"horse", b"ship", b"truck"]
NUMPY_GLOBALS = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
                 ("numpy", "dtype")}


def load_script():
    spec = importlib.util.spec_from_file_location("gpulab_synthetic_cifar10", str(SCRIPT))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeDtype:
    def __init__(self, code, align, copy):
        self.args = (code, align, copy)

    def __setstate__(self, state):
        self.state = state


class FakeArray:
    def __setstate__(self, state):
        self.version, self.shape, self.dtype, self.fortran, self.raw = state


def fake_reconstruct(cls, shape, typecode):
    assert (cls, shape, typecode) in ((FakeArray, (0,), b"b"), (FakeArray, (0,), "b"))
    return FakeArray()


class NumpyFreeUnpickler(pickle.Unpickler):
    stand_ins = {("numpy.core.multiarray", "_reconstruct"): fake_reconstruct,
                 ("numpy", "ndarray"): FakeArray, ("numpy", "dtype"): FakeDtype}

    def find_class(self, module, name):
        return self.stand_ins[(module, name)]


def read(path, encoding="bytes"):
    with open(path, "rb") as handle:
        return NumpyFreeUnpickler(handle, encoding=encoding).load()


def globals_named(path):
    """The (module, name) pairs a pickle file refers to."""
    with open(path, "rb") as handle:
        ops = pickletools.genops(handle.read())
        return {tuple(op[1].split(" ", 1)) for op in ops if op[0].name == "GLOBAL"}


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    """The default dataset: 50,000 + 10,000 images, seed 0."""
    dest = tmp_path_factory.mktemp("cifar")
    out = subprocess.run([sys.executable, str(SCRIPT), "--dest", str(dest)], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    return dest / "cifar-10-batches-py", json.loads(out.splitlines()[-1])


def test_folder_holds_exactly_the_cifar10_files(full):
    folder = full[0]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["batches.meta", "test_batch"] + ["data_batch_%d" % i for i in range(1, 6)])


@pytest.mark.parametrize("name, label, rows", [
    ("data_batch_1", b"training batch 1 of 5", 10000),
    ("data_batch_5", b"training batch 5 of 5", 10000),
    ("test_batch", b"testing batch 1 of 1", 10000),
])
def test_batch_is_a_cifar10_dict(full, name, label, rows):
    entry = read(full[0] / name)
    assert list(entry) == [b"batch_label", b"labels", b"data", b"filenames"]
    assert entry[b"batch_label"] == label
    data = entry[b"data"]
    assert (data.version, data.shape, data.fortran) == (1, (rows, 3072), False)
    assert data.dtype.args == (b"u1", False, True)
    assert data.dtype.state == (3, b"|", None, None, None, -1, -1, 0)
    assert isinstance(data.raw, bytes) and len(data.raw) == rows * 3072
    assert len(entry[b"labels"]) == rows
    assert all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 9
               for v in entry[b"labels"])
    assert len(entry[b"filenames"]) == rows
    assert all(isinstance(f, bytes) and f.endswith(b".png") for f in entry[b"filenames"])


@pytest.mark.parametrize("name", ["data_batch_1", "test_batch", "batches.meta"])
def test_pickle_is_protocol_2_and_names_only_numpy(full, name):
    path = full[0] / name
    assert path.read_bytes()[:2] == b"\x80\x02"
    assert globals_named(path) <= NUMPY_GLOBALS


def test_latin1_reading_gives_str_keys_like_torchvision_sees(full):
    entry = read(full[0] / "data_batch_2", encoding="latin1")
    assert sorted(entry) == ["batch_label", "data", "filenames", "labels"]


def test_meta_matches_cifar10(full):
    meta = read(full[0] / "batches.meta")
    assert meta == {b"num_cases_per_batch": 10000, b"label_names": CIFAR10_NAMES,
                    b"num_vis": 3072}


@pytest.mark.parametrize("names, per_class", [
    (["data_batch_%d" % i for i in range(1, 6)], 5000),
    (["test_batch"], 1000),
])
def test_labels_are_balanced(full, names, per_class):
    counts = Counter()
    for name in names:
        counts.update(read(full[0] / name)[b"labels"])
    assert counts == Counter({label: per_class for label in range(10)})


def test_colour_alone_does_not_decide_the_class(full):
    """A nearest-mean-colour classifier beats chance (there is a signal) but stays far from
    perfect (every colour is shared by two classes, under noise and a distractor)."""
    train, test = read(full[0] / "data_batch_1"), read(full[0] / "test_batch")

    def colours(entry, count=3000):
        raw = entry[b"data"].raw
        return [tuple(sum(raw[i * 3072 + c * 1024:i * 3072 + (c + 1) * 1024]) / 1024.0
                      for c in range(3)) for i in range(count)]

    sums = {}
    for colour, label in zip(colours(train), train[b"labels"]):
        total = sums.setdefault(label, [0.0, 0.0, 0.0, 0])
        total[0] += colour[0]
        total[1] += colour[1]
        total[2] += colour[2]
        total[3] += 1
    means = {label: [v / t[3] for v in t[:3]] for label, t in sums.items()}
    right = sum(
        min(means, key=lambda k: sum((a - b) ** 2 for a, b in zip(means[k], colour))) == label
        for colour, label in zip(colours(test), test[b"labels"]))
    assert 0.15 < right / 3000.0 < 0.5


def test_same_seed_same_bytes_other_seed_other_images():
    script = load_script()
    first, again = script.build(7, 500, 100), script.build(7, 500, 100)
    other = script.build(8, 500, 100)
    assert first == again
    assert first["data_batch_1"] != other["data_batch_1"]
    assert first["batches.meta"] == other["batches.meta"]


def test_rewriting_identical_data_changes_nothing(tmp_path):
    cmd = [sys.executable, str(SCRIPT), "--dest", str(tmp_path), "--train", "500",
           "--test", "100", "--seed", "3"]
    first = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout)
    again = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE).stdout)
    assert first["changed"] is True and len(first["written"]) == 7
    assert again["changed"] is False and again["written"] == []
    assert again["sha256"] == first["sha256"]


def test_small_sizes_split_into_five_equal_batches(tmp_path):
    subprocess.run([sys.executable, str(SCRIPT), "--dest", str(tmp_path), "--train", "500",
                    "--test", "100"], check=True, stdout=subprocess.DEVNULL)
    folder = tmp_path / "cifar-10-batches-py"
    assert [len(read(folder / ("data_batch_%d" % i))[b"labels"]) for i in range(1, 6)] == [100] * 5
    assert read(folder / "batches.meta")[b"num_cases_per_batch"] == 100


@pytest.mark.parametrize("args", [["--train", "49"], ["--train", "0"], ["--test", "15"]])
def test_sizes_that_cannot_be_balanced_are_refused(tmp_path, args):
    proc = subprocess.run([sys.executable, str(SCRIPT), "--dest", str(tmp_path)] + args,
                          stderr=subprocess.PIPE, universal_newlines=True, check=False)
    assert proc.returncode == 2
    assert "multiple of" in proc.stderr
