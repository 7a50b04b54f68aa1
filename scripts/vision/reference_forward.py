#!/usr/bin/env python3
"""Reference EfficientNet-Lite0 forward pass in numpy (float64), for checking the Rust one.

Usage:
  reference_forward.py MODEL_DIR --synthetic     numbers for the Rust unit test (see below)
  reference_forward.py MODEL_DIR IMAGE...        top-3 classes of photos (needs Pillow)

MODEL_DIR holds model.safetensors (and labels.json for class names), as installed by
scripts/fetch-models.sh. The net: stem 3x3/2 conv to 32 channels; 16 MBConv blocks (1x1
expansion except block 0, depthwise kxk with k from the weight's shape, stride 2 at blocks 1, 3,
5 and 11, 1x1 projection, residual add when stride 1 and channels in == out); head 1x1 to 1280;
BatchNorm (eps 1e-3) after every conv; ReLU6 after stem, expansion, depthwise and head, none
after the projection; no squeeze-excite; TensorFlow "SAME" padding (asymmetric: the extra row or
column goes after); global average pool -> 1280-d feature -> fc -> 1000 logits.
Input: RGB 224x224, (x - 127) / 128, NCHW.

--synthetic feeds x[0, c, h, w] = sin(0.05*h*(c+1) + 0.031*w), already normalised.
"""
import json
import math
import os
import re
import struct
import sys

import numpy as np

BN_EPS = 1e-3
STRIDE2_BLOCKS = {1, 3, 5, 11}


def load_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        assert meta["dtype"] == "F32", name
        a, b = meta["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(meta["shape"]).astype(np.float64)
    return out


def same_pad(x, k, s):
    """Pads a CHW array the way TensorFlow's SAME padding does for kernel k, stride s."""
    pads = []
    for size in x.shape[1:]:
        total = max((math.ceil(size / s) - 1) * s + k - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, [(0, 0)] + pads)


def bn(x, p, prefix):
    scale = p[prefix + ".weight"] / np.sqrt(p[prefix + ".running_var"] + BN_EPS)
    shift = p[prefix + ".bias"] - p[prefix + ".running_mean"] * scale
    return x * scale[:, None, None] + shift[:, None, None]


def relu6(x):
    return np.clip(x, 0.0, 6.0)


def conv1x1(x, w):
    c, h, wd = x.shape
    return (w[:, :, 0, 0] @ x.reshape(c, h * wd)).reshape(w.shape[0], h, wd)


def conv_full(x, w, s):
    """Dense kxk convolution with stride s and SAME padding (the stem)."""
    k = w.shape[2]
    xp = same_pad(x, k, s)
    ho, wo = math.ceil(x.shape[1] / s), math.ceil(x.shape[2] / s)
    out = np.zeros((w.shape[0], ho, wo))
    for i in range(k):
        for j in range(k):
            patch = xp[:, i:i + s * ho:s, j:j + s * wo:s]  # C_in x ho x wo
            out += np.einsum("oc,chw->ohw", w[:, :, i, j], patch)
    return out


def conv_depthwise(x, w, s):
    k = w.shape[2]
    xp = same_pad(x, k, s)
    ho, wo = math.ceil(x.shape[1] / s), math.ceil(x.shape[2] / s)
    out = np.zeros((x.shape[0], ho, wo))
    for i in range(k):
        for j in range(k):
            out += w[:, 0, i, j][:, None, None] * xp[:, i:i + s * ho:s, j:j + s * wo:s]
    return out


def block_ids(p):
    return sorted({int(m.group(1)) for n in p for m in [re.match(r"_blocks\.(\d+)\.", n)] if m})


def forward(p, x):
    """x: 3xHxW normalised image. Returns (1280-d feature, 1000 logits)."""
    x = relu6(bn(conv_full(x, p["_conv_stem.weight"], 2), p, "_bn0"))
    for b in block_ids(p):
        pre = f"_blocks.{b}."
        inp = x
        if pre + "_expand_conv.weight" in p:
            x = relu6(bn(conv1x1(x, p[pre + "_expand_conv.weight"]), p, pre + "_bn0"))
        s = 2 if b in STRIDE2_BLOCKS else 1
        x = relu6(bn(conv_depthwise(x, p[pre + "_depthwise_conv.weight"], s), p, pre + "_bn1"))
        x = bn(conv1x1(x, p[pre + "_project_conv.weight"]), p, pre + "_bn2")
        if s == 1 and x.shape == inp.shape:
            x = x + inp
    x = relu6(bn(conv1x1(x, p["_conv_head.weight"]), p, "_bn1"))
    feature = x.mean(axis=(1, 2))
    logits = p["_fc.weight"] @ feature + p["_fc.bias"]
    return feature, logits


def synthetic_input(size=224):
    c, h, w = np.meshgrid(np.arange(3), np.arange(size), np.arange(size), indexing="ij")
    return np.sin(0.05 * h * (c + 1) + 0.031 * w)


def image_input(path, size=224):
    from PIL import Image

    img = Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR)
    return (np.asarray(img, dtype=np.float64).transpose(2, 0, 1) - 127.0) / 128.0


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def load_labels(model_dir):
    path = os.path.join(model_dir, "labels.json")
    if os.path.exists(path):
        return [l["name"] for l in json.load(open(path, encoding="utf-8"))]
    return [str(i) for i in range(1000)]


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    model_dir = sys.argv[1]
    p = load_safetensors(os.path.join(model_dir, "model.safetensors"))
    if sys.argv[2] == "--synthetic":
        feature, logits = forward(p, synthetic_input())
        print(f"feature sum      {feature.sum():.6g}")
        print("feature[0..5]    " + ", ".join(f"{v:.6g}" for v in feature[:5]))
        print(f"feature L2 norm  {np.linalg.norm(feature):.6g}")
        print(f"feature max      {feature.max():.6g} at {int(feature.argmax())}; "
              f"{int((feature == 0).sum())} of 1280 are 0")
        top = np.argsort(-logits)[:5]
        print("top-5 logits     " + ", ".join(f"{i}: {logits[i]:.6g}" for i in top))
        return
    labels = load_labels(model_dir)
    for path in sys.argv[2:]:
        probs = softmax(forward(p, image_input(path))[1])
        top = np.argsort(-probs)[:3]
        print(os.path.basename(path) + ": " +
              ", ".join(f"{labels[i]} ({i}) {probs[i]:.3f}" for i in top))


if __name__ == "__main__":
    main()
