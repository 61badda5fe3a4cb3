# Copyright: (c) 2026, gpulab.pytorch_stack contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write a synthetic CIFAR-10 in exactly the format of the official python version.

The result is ``DEST/cifar-10-batches-py/`` with ``data_batch_1`` .. ``data_batch_5``,
``test_batch`` and ``batches.meta``: Python-2-style pickles (protocol 2) of dicts with
``b'batch_label'``, ``b'labels'`` (list of int), ``b'data'`` (a numpy uint8 array N x 3072: the R,
G and B planes of a 32x32 image) and ``b'filenames'``, so the acceptance trainer, torchvision and
the CIFAR-10 web page's own snippet read it exactly as they read the real data.

Images carry a learnable but not trivially separable signal: each class is one of five shapes
in one of five colours (every shape and every colour is shared by two classes, so neither alone
decides the class), shifted by up to 4 pixels, at a random contrast, over the shape of another
class at up to 80% of that strength (so some images are truly ambiguous) and Gaussian-like
pixel noise. The guides' loop reaches about 60% on it after one epoch. Deterministic from
``--seed``. Standard library only (no numpy needed to write it): 60,000 images take seconds.

Exit codes: 0 written or already identical, 2 bad arguments.
The last stdout line is JSON: dest, seed, train/test sizes, changed, sha256 per file.
"""

from __future__ import print_function

import argparse
import hashlib
import json
import os
import random
import struct
import sys
from statistics import NormalDist

LABEL_NAMES = (b"airplane", b"automobile", b"bird", b"cat", b"deer",
               b"dog", b"frog", b"horse", b"ship", b"truck")
SIDE = 32                    # image side
SHIFT = 4                    # templates are drawn on a (SIDE + 2*SHIFT) canvas and cropped
CANVAS = SIDE + 2 * SHIFT
PLANE = SIDE * SIDE
IMAGE_BYTES = 3 * PLANE      # 3072, like CIFAR-10's rows
TRAIN_BATCHES = 5
# Intensity budget per pixel; the three parts add up to at most 255 so that they can be summed
# as one big integer per image (8-bit lanes, no carries): see _compose.
SIGNAL_MAX, DISTRACTOR_MAX, NOISE_MAX = 100, 80, 75
NOISE_SIGMA = 25.0
CONTRASTS = tuple(0.3 + 0.7 * i / 7 for i in range(8))
PALETTE = ((1.0, 0.15, 0.1), (0.15, 0.9, 0.2), (0.2, 0.3, 1.0), (0.95, 0.85, 0.1),
           (0.8, 0.2, 0.9))


def _inside(shape, dy, dx):
    """Whether offset (dy, dx) from the canvas centre lies inside one of the five shapes."""
    if shape == 0:                                   # disc
        return dy * dy + dx * dx <= 81
    if shape == 1:                                   # square
        return abs(dy) <= 7 and abs(dx) <= 7
    if shape == 2:                                   # horizontal bar
        return abs(dy) <= 3 and abs(dx) <= 12
    if shape == 3:                                   # ring
        return 30 <= dy * dy + dx * dx <= 100
    return (abs(dy) <= 2 and abs(dx) <= 11) or (abs(dx) <= 2 and abs(dy) <= 11)  # cross


def _class_canvas(label):
    """Three CANVAS x CANVAS planes (bytes, 0..255) of one class: its shape in its colour over
    a soft vertical gradient shared by all classes."""
    shape = label % 5
    colour = PALETTE[(label + 2 * (label // 5)) % 5]
    centre = (CANVAS - 1) / 2.0
    planes = []
    for channel in range(3):
        values = bytearray()
        for y in range(CANVAS):
            background = 0.25 + 0.2 * y / CANVAS
            for x in range(CANVAS):
                inside = _inside(shape, round(y - centre), round(x - centre))
                values.append(int(255 * (colour[channel] if inside else background)))
        planes.append(bytes(values))
    return planes


def _crops(planes):
    """All (2*SHIFT+1)^2 shifted SIDE x SIDE crops of a canvas, each as CHW bytes."""
    crops = []
    for y0 in range(2 * SHIFT + 1):
        for x0 in range(2 * SHIFT + 1):
            crops.append(b"".join(plane[(y0 + y) * CANVAS + x0:(y0 + y) * CANVAS + x0 + SIDE]
                                  for plane in planes for y in range(SIDE)))
    return crops


def _scale_table(factor):
    return bytes(min(255, int(round(v * factor))) for v in range(256))


def _noise_table():
    """Maps a uniform byte to a clipped Gaussian value in 0..NOISE_MAX (inverse CDF)."""
    dist = NormalDist(NOISE_MAX / 2.0, NOISE_SIGMA)
    return bytes(max(0, min(NOISE_MAX, int(round(dist.inv_cdf((v + 0.5) / 256)))))
                 for v in range(256))


class _Generator(object):
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.templates = [_crops(_class_canvas(label)) for label in range(len(LABEL_NAMES))]
        self.signal = [_scale_table(c * SIGNAL_MAX / 255.0) for c in CONTRASTS]
        self.distractor = [_scale_table(c * DISTRACTOR_MAX / 255.0) for c in CONTRASTS]
        self.noise = _noise_table()

    def image(self, label):
        """One image of class ``label`` as 3072 bytes (R plane, G plane, B plane)."""
        rng = self.rng
        n_shifts = len(self.templates[0])
        other = (label + 1 + rng.randrange(len(LABEL_NAMES) - 1)) % len(LABEL_NAMES)
        signal = self.templates[label][rng.randrange(n_shifts)].translate(
            self.signal[rng.randrange(len(CONTRASTS))])
        distractor = self.templates[other][rng.randrange(n_shifts)].translate(
            self.distractor[rng.randrange(len(CONTRASTS))])
        noise = rng.getrandbits(8 * IMAGE_BYTES).to_bytes(IMAGE_BYTES, "little").translate(
            self.noise)
        # Every byte of the three parts sums to <= 255, so one integer addition adds all 3072
        # pixels at once without carries between them.
        total = (int.from_bytes(signal, "little") + int.from_bytes(distractor, "little")
                 + int.from_bytes(noise, "little"))
        return total.to_bytes(IMAGE_BYTES, "little")

    def split(self, count):
        """``count`` images with exactly balanced, shuffled labels (count divisible by 10)."""
        labels = [i % len(LABEL_NAMES) for i in range(count)]
        self.rng.shuffle(labels)
        return labels, [self.image(label) for label in labels]


# --- a Python-2-style pickle writer, opcode by opcode, so that no numpy is needed --------------
# The official files were written by Python 2's cPickle with protocol 2: py2 strings
# (SHORT_BINSTRING/BINSTRING, read back as bytes with encoding='bytes' or as str with
# encoding='latin1') and the data as a numpy array rebuilt by numpy.core.multiarray._reconstruct.

def _p_str(value):
    if len(value) < 256:
        return b"U" + struct.pack("<B", len(value)) + value
    return b"T" + struct.pack("<I", len(value)) + value


def _p_int(value):
    if 0 <= value < 256:
        return b"K" + struct.pack("<B", value)
    if 0 <= value < 65536:
        return b"M" + struct.pack("<H", value)
    return b"J" + struct.pack("<i", value)


def _p_list(items):
    return b"]" + (b"(" + b"".join(items) + b"e" if items else b"")


def _p_tuple(items):
    return b"(" + b"".join(items) + b"t"


def _p_global(module, name):
    return b"c" + module + b"\n" + name + b"\n"


def _p_uint8_matrix(rows, cols, raw):
    dtype = (_p_global(b"numpy", b"dtype") + _p_tuple([_p_str(b"u1"), b"\x89", b"\x88"]) + b"R"
             + _p_tuple([_p_int(3), _p_str(b"|"), b"N", b"N", b"N", _p_int(-1), _p_int(-1),
                         _p_int(0)]) + b"b")
    return (_p_global(b"numpy.core.multiarray", b"_reconstruct")
            + _p_tuple([_p_global(b"numpy", b"ndarray"), _p_tuple([_p_int(0)]), _p_str(b"b")])
            + b"R"
            + _p_tuple([_p_int(1), _p_tuple([_p_int(rows), _p_int(cols)]), dtype, b"\x89",
                        _p_str(raw)])
            + b"b")


def _p_dict(pairs):
    return b"\x80\x02}(" + b"".join(_p_str(k) + v for k, v in pairs) + b"u."


def batch_pickle(batch_label, labels, images, names):
    """The bytes of one CIFAR-10 batch file."""
    return _p_dict([
        (b"batch_label", _p_str(batch_label)),
        (b"labels", _p_list([_p_int(label) for label in labels])),
        (b"data", _p_uint8_matrix(len(images), IMAGE_BYTES, b"".join(images))),
        (b"filenames", _p_list([_p_str(name) for name in names])),
    ])


def meta_pickle(cases_per_batch):
    return _p_dict([
        (b"num_cases_per_batch", _p_int(cases_per_batch)),
        (b"label_names", _p_list([_p_str(name) for name in LABEL_NAMES])),
        (b"num_vis", _p_int(IMAGE_BYTES)),
    ])


def build(seed, n_train, n_test):
    """{file name: bytes} of the whole dataset."""
    gen = _Generator(seed)
    train_labels, train_images = gen.split(n_train)
    test_labels, test_images = gen.split(n_test)

    def names(labels, start):
        return [b"synthetic_%s_s_%06d.png" % (LABEL_NAMES[label], start + i)
                for i, label in enumerate(labels)]

    files = {}
    per_batch = n_train // TRAIN_BATCHES
    for b in range(TRAIN_BATCHES):
        lo, hi = b * per_batch, (b + 1) * per_batch
        files["data_batch_%d" % (b + 1)] = batch_pickle(
            b"training batch %d of %d" % (b + 1, TRAIN_BATCHES), train_labels[lo:hi],
            train_images[lo:hi], names(train_labels[lo:hi], lo))
    files["test_batch"] = batch_pickle(b"testing batch 1 of 1", test_labels, test_images,
                                       names(test_labels, n_train))
    files["batches.meta"] = meta_pickle(per_batch)
    return files


def write(dest, files):
    """Write ``files`` into ``dest/cifar-10-batches-py``, replacing only those that differ.
    Returns the names of the files written."""
    folder = os.path.join(dest, "cifar-10-batches-py")
    if not os.path.isdir(folder):
        os.makedirs(folder)
    written = []
    for name in sorted(files):
        path = os.path.join(folder, name)
        try:
            with open(path, "rb") as handle:
                if handle.read() == files[name]:
                    continue
        except (IOError, OSError):
            pass
        tmp = path + ".tmp"
        with open(tmp, "wb") as handle:
            handle.write(files[name])
        os.replace(tmp, path)
        written.append(name)
    return written


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--dest", required=True,
                        help="folder that will hold cifar-10-batches-py/")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    parser.add_argument("--train", type=int, default=50000,
                        help="training images, a multiple of 50 (default: 50000)")
    parser.add_argument("--test", type=int, default=10000,
                        help="test images, a multiple of 10 (default: 10000)")
    args = parser.parse_args(argv)
    if args.train <= 0 or args.train % (TRAIN_BATCHES * len(LABEL_NAMES)):
        parser.error("--train must be a positive multiple of 50 (5 batches, 10 classes)")
    if args.test <= 0 or args.test % len(LABEL_NAMES):
        parser.error("--test must be a positive multiple of 10 (10 classes)")
    return args


def main(argv=None):
    args = parse_args(argv)
    files = build(args.seed, args.train, args.test)
    written = write(args.dest, files)
    print(json.dumps({
        "dest": os.path.join(os.path.abspath(args.dest), "cifar-10-batches-py"),
        "seed": args.seed, "train_images": args.train, "test_images": args.test,
        "changed": bool(written), "written": written,
        "sha256": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
