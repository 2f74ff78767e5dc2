#!/usr/bin/env python3
"""Writes small data sets in the real layouts for test/visionData.test.ts (Debian's python3 with numpy
and PIL). Each command prints JSON describing what it wrote, so that the test can check what the
library reads against what Python wrote.

  cifar10-py DIR | cifar100-py DIR | cifar10-bin DIR | cifar100-bin DIR
  tar SRC_DIR MEMBER OUT        a .tar.gz of SRC_DIR/MEMBER (named MEMBER inside)
  evil-tar OUT                  a .tar.gz whose entry leaves the folder
  pickles                       values pickled with each protocol, with their JSON
  tinyimagenet DIR [zip]        tiny-imagenet-200/ with 3 classes (and the zip of it)
  omniglot DIR [zip]            omniglot-py/images_background, images_evaluation (and their zips)
  core50 DIR                    core50_32x32/, batches_filelists, NIC_v2_79, paths/LUP/labels/labels2names pkl
"""
import io
import json
import os
import pickle
import struct
import sys
import tarfile
import zipfile

import numpy as np
from PIL import Image


class Py2Pickler(pickle._Pickler):
    """Writes bytes as Python 2's cPickle wrote `str` (BINSTRING / SHORT_BINSTRING), as the real
    CIFAR-10 batches were written."""

    def save_bytes(self, obj):
        n = len(obj)
        if n < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([n]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack("<i", n) + obj)
        self.memoize(obj)

    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[bytes] = save_bytes


def dump_py2(obj, path):
    with open(path, "wb") as f:
        Py2Pickler(f, protocol=2).dump(obj)


def images(n, seed):
    rng = np.random.RandomState(seed)
    return rng.randint(0, 256, size=(n, 3072), dtype=np.uint8)


def cifar10_py(root):
    d = os.path.join(root, "cifar-10-batches-py")
    os.makedirs(d, exist_ok=True)
    out = {"train": [], "test": []}
    for b in range(1, 6):
        x = images(4, b)
        labels = [(4 * (b - 1) + i) % 10 for i in range(4)]
        # keys as Python 2 str (bytes), as in the real files
        dump_py2({b"batch_label": b"training batch %d of 5" % b, b"labels": labels, b"data": x, b"filenames": [b"f%d.png" % i for i in range(4)]}, os.path.join(d, "data_batch_%d" % b))
        out["train"].append({"labels": labels, "first": x[0, :8].tolist(), "first_g": int(x[0, 1024]), "first_b": int(x[0, 2048])})
    x = images(10, 99)
    dump_py2({b"batch_label": b"testing batch 1 of 1", b"labels": list(range(10)), b"data": x}, os.path.join(d, "test_batch"))
    dump_py2({b"label_names": [b"airplane", b"automobile", b"bird", b"cat", b"deer", b"dog", b"frog", b"horse", b"ship", b"truck"], b"num_vis": 3072}, os.path.join(d, "batches.meta"))
    out["test"] = {"labels": list(range(10)), "first": x[0, :8].tolist()}
    return out


def cifar10_bin(root):
    d = os.path.join(root, "cifar-10-batches-bin")
    os.makedirs(d, exist_ok=True)
    for b in range(1, 6):
        x = images(4, b)
        labels = [(4 * (b - 1) + i) % 10 for i in range(4)]
        with open(os.path.join(d, "data_batch_%d.bin" % b), "wb") as f:
            for i in range(4):
                f.write(bytes([labels[i]]) + x[i].tobytes())
    x = images(10, 99)
    with open(os.path.join(d, "test_batch.bin"), "wb") as f:
        for i in range(10):
            f.write(bytes([i]) + x[i].tobytes())
    with open(os.path.join(d, "batches.meta.txt"), "w") as f:
        f.write("\n".join(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]) + "\n\n")
    return {}


def cifar100_py(root):
    d = os.path.join(root, "cifar-100-python")
    os.makedirs(d, exist_ok=True)
    x = images(200, 7)
    fine = [i % 100 for i in range(200)]
    # Python 3's own pickle, protocol 2 (bytes through _codecs.encode) and str keys
    with open(os.path.join(d, "train"), "wb") as f:
        pickle.dump({"filenames": ["a"] * 200, "fine_labels": fine, "coarse_labels": [i % 20 for i in range(200)], "data": x}, f, protocol=2)
    xt = images(100, 8)
    with open(os.path.join(d, "test"), "wb") as f:
        pickle.dump({"fine_labels": list(range(100)), "coarse_labels": [i % 20 for i in range(100)], "data": xt}, f, protocol=4)
    with open(os.path.join(d, "meta"), "wb") as f:
        pickle.dump({"fine_label_names": ["class%d" % i for i in range(100)], "coarse_label_names": ["c%d" % i for i in range(20)]}, f, protocol=2)
    return {"first": x[0, :8].tolist(), "fine": fine[:10]}


def cifar100_bin(root):
    d = os.path.join(root, "cifar-100-binary")
    os.makedirs(d, exist_ok=True)
    for name, n, seed in (("train.bin", 200, 7), ("test.bin", 100, 8)):
        x = images(n, seed)
        with open(os.path.join(d, name), "wb") as f:
            for i in range(n):
                f.write(bytes([i % 20, i % 100]) + x[i].tobytes())
    return {}


def make_tar(src, member, out):
    with tarfile.open(out, "w:gz") as t:
        t.add(os.path.join(src, member), arcname=member)
    return {}


def evil_tar(out):
    with tarfile.open(out, "w:gz") as t:
        data = b"x"
        info = tarfile.TarInfo("../escaped.txt")
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
    return {}


def pickles():
    value = {
        "ints": [0, 1, -1, 255, 256, 65535, 65536, -70000, 2**31 - 1, -(2**31), 2**40, -(2**40)],
        "float": 1.5,
        "neg": -2.25e-3,
        "text": "héllo ✓",
        "none": None,
        "flags": [True, False],
        "nested": {"a": [[1, 2], [3, [4, 5]]], "t": (1, "two", 3.0)},
        "shared": ["same", "same"],
    }
    arrays = {"u8": np.arange(6, dtype=np.uint8).reshape(2, 3), "i64": np.array([-3, 4, 2**40], dtype=np.int64), "f32": np.array([0.5, -1.25], dtype=np.float32)}
    out = []
    for protocol in range(0, pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps({**value, **arrays, "b": b"\x00\xff\x10"}, protocol=protocol)
        out.append({"protocol": protocol, "hex": data.hex()})
    expected = json.loads(json.dumps(value))
    expected["arrays"] = {k: {"shape": list(v.shape), "values": v.reshape(-1).tolist()} for k, v in arrays.items()}
    return {"pickles": out, "expected": expected}


def save_image(path, arr, fmt):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # JPEGs without chroma subsampling: jpeg-js upsamples chroma without libjpeg's smoothing, so
    # only 4:4:4 files decode to within rounding of PIL's pixels.
    options = {"subsampling": 0, "quality": 95} if fmt == "JPEG" else {}
    Image.fromarray(arr).save(path, format=fmt, **options)


def tiny_imagenet(root, make_zip):
    base = os.path.join(root, "tiny-imagenet-200")
    wnids = ["n01443537", "n01629819", "n01641577"]
    rng = np.random.RandomState(3)
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, "wnids.txt"), "w") as f:
        f.write("\n".join(wnids) + "\n")
    with open(os.path.join(base, "words.txt"), "w") as f:
        f.write("n01443537\tgoldfish, Carassius auratus\nn01629819\tEuropean fire salamander\nn01641577\tbullfrog\nn99999999\tnot used\n")
    out = {"train": {}, "val": []}
    for c, w in enumerate(wnids):
        boxes = []
        for i in range(3):
            arr = rng.randint(0, 256, size=(64, 64, 3), dtype=np.uint8)
            name = "%s_%d.JPEG" % (w, i)
            save_image(os.path.join(base, "train", w, "images", name), arr, "JPEG")
            boxes.append("%s\t0\t0\t63\t63" % name)
            decoded = np.asarray(Image.open(os.path.join(base, "train", w, "images", name)).convert("RGB"))
            out["train"].setdefault(w, []).append(decoded[:2, :2].reshape(-1).tolist())
        with open(os.path.join(base, "train", w, w + "_boxes.txt"), "w") as f:
            f.write("\n".join(boxes) + "\n")
    lines = []
    for i in range(6):
        arr = rng.randint(0, 256, size=(64, 64), dtype=np.uint8)  # a grayscale JPEG, as a few real ones are
        name = "val_%d.JPEG" % i
        save_image(os.path.join(base, "val", "images", name), arr, "JPEG")
        lines.append("%s\t%s\t0\t0\t63\t63" % (name, wnids[i % 3]))
        out["val"].append(wnids[i % 3])
    with open(os.path.join(base, "val", "val_annotations.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    if make_zip:
        zip_dir(root, "tiny-imagenet-200", os.path.join(root, "tiny-imagenet-200.zip"))
    return out


def zip_dir(root, member, out):
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for folder, _, files in os.walk(os.path.join(root, member)):
            rel = os.path.relpath(folder, root)
            z.write(folder, rel + "/")
            for name in sorted(files):
                z.write(os.path.join(folder, name), os.path.join(rel, name))


def omniglot(root, make_zip):
    base = os.path.join(root, "omniglot-py")
    rng = np.random.RandomState(5)
    out = {}
    for split, alphabets in (("images_background", {"Alphabet_of_the_Magi": 2, "Latin": 1}), ("images_evaluation", {"Angelic": 2})):
        for alphabet, n_chars in alphabets.items():
            for c in range(1, n_chars + 1):
                char = "character%02d" % c
                for drawer in range(1, 21):
                    arr = (rng.rand(105, 105) > 0.1).astype(np.uint8) * 255
                    # Omniglot's PNGs are 1-bit images
                    img = Image.fromarray(arr).convert("1")
                    path = os.path.join(base, split, alphabet, char, "%04d_%02d.png" % (c, drawer))
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    img.save(path)
                    out.setdefault("%s/%s/%s" % (split, alphabet, char), []).append(int(np.asarray(img.convert("L"))[0:1, 0:40].sum()))
        if make_zip:
            zip_dir(base, split, os.path.join(base, split + ".zip"))
    return out


def core50(root):
    """A CORe50 of 9 sessions x 10 objects x 1 frame, 32x32 PNGs, with the lists of ni, nc and nicv2_79, run 0."""
    img_root = os.path.join(root, "core50_32x32")
    rng = np.random.RandomState(11)
    paths = []
    for s in range(1, 10):
        for o in range(1, 11):
            rel = "s%d/o%d/C_%02d_%02d_%03d.png" % (s, o, s, o, 0)
            save_image(os.path.join(img_root, rel), rng.randint(0, 256, size=(32, 32, 3), dtype=np.uint8), "PNG")
            paths.append(rel)
    label_of = lambda p: int(p.split("/")[1][1:]) - 1
    train = [p for p in paths if not p.startswith("s9/")]
    test = [p for p in paths if p.startswith("s9/")]

    def write_list(folder, name, items, lab=label_of):
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, name), "w") as f:
            for p in items:
                f.write("%s %d\n" % (p, lab(p)))

    ni = os.path.join(root, "batches_filelists", "NI_inc", "run0")
    for b in range(8):
        write_list(ni, "train_batch_%02d_filelist.txt" % b, [p for p in train if p.startswith("s%d/" % (b + 1))])
    write_list(ni, "test_filelist.txt", test)
    nc = os.path.join(root, "batches_filelists", "NC_inc", "run0")
    # nc renumbers the objects in order of appearance, as CORe50's own lists do: 2 objects first, then 1 each
    order = [3, 0, 7, 1, 9, 2, 4, 5, 6, 8]
    relabel = {o: i for i, o in enumerate(order)}
    groups = [order[:2]] + [[o] for o in order[2:]]
    for b, objs in enumerate(groups):
        write_list(nc, "train_batch_%02d_filelist.txt" % b, [p for p in train if label_of(p) in objs], lambda p: relabel[label_of(p)])
    write_list(nc, "test_filelist.txt", test, lambda p: relabel[label_of(p)])
    nic = os.path.join(root, "NIC_v2_79", "run0")
    for b in range(79):
        write_list(nic, "train_batch_%02d_filelist.txt" % b, [train[b % len(train)]])
    write_list(nic, "test_filelist.txt", test)
    cats = ["plug_adapter", "mobile_phone", "scissor", "light_bulb", "can", "glass", "ball", "marker", "cup", "remote_control"]
    # labels2names["nc"][run][relabelled object] = category name + the object's number in it
    names = {"nc": [{relabel[o]: "%s%d" % (cats[o // 5], o % 5 + 1) for o in range(10)}]}
    for name, obj in (("paths.pkl", paths), ("LUP.pkl", {"ni": [[[0]]]}), ("labels.pkl", {"ni": [[[0]]]}), ("labels2names.pkl", names)):
        with open(os.path.join(root, name), "wb") as f:
            pickle.dump(obj, f, protocol=2)
    first = np.asarray(Image.open(os.path.join(img_root, train[0])).convert("RGB"))
    return {"train": train, "test": test, "order": order, "first": first[0, :2].reshape(-1).tolist()}


def main():
    cmd = sys.argv[1]
    if cmd == "cifar10-py":
        result = cifar10_py(sys.argv[2])
    elif cmd == "cifar10-bin":
        result = cifar10_bin(sys.argv[2])
    elif cmd == "cifar100-py":
        result = cifar100_py(sys.argv[2])
    elif cmd == "cifar100-bin":
        result = cifar100_bin(sys.argv[2])
    elif cmd == "tar":
        result = make_tar(sys.argv[2], sys.argv[3], sys.argv[4])
    elif cmd == "evil-tar":
        result = evil_tar(sys.argv[2])
    elif cmd == "pickles":
        result = pickles()
    elif cmd == "tinyimagenet":
        result = tiny_imagenet(sys.argv[2], len(sys.argv) > 3)
    elif cmd == "omniglot":
        result = omniglot(sys.argv[2], len(sys.argv) > 3)
    elif cmd == "core50":
        result = core50(sys.argv[2])
    else:
        raise SystemExit("unknown command " + cmd)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
