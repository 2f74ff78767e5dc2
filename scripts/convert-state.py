#!/usr/bin/env python3
"""Moves a model's weights between PyTorch and avalanche-ts.

  convert-state.py to-safetensors MODEL.pt OUT.safetensors   a PyTorch state dict (or a whole saved
                                                             module, or a checkpoint holding one
                                                             under 'state_dict') to safetensors
  convert-state.py to-pt IN.safetensors OUT.pt               back to a PyTorch state dict

avalanche-ts reads and writes the file with loadStateDictFile / saveStateDict; the names and layouts
are PyTorch's on both sides (model.stateDict() gives them), so the file is the state dict as it is.
Needs only PyTorch (Debian: python3-torch); the format is Hugging Face's safetensors (an 8-byte
little-endian header length, a JSON header, the raw little-endian values).
"""
import json
import struct
import sys

import torch

TO_NAME = {torch.float32: "F32", torch.float64: "F64", torch.int32: "I32", torch.int64: "I64"}
FROM_NAME = {v: k for k, v in TO_NAME.items()}


def state_dict_of(obj, path):
    if isinstance(obj, torch.nn.Module):
        return obj.state_dict()
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        return obj["state_dict"]
    if isinstance(obj, dict) and all(isinstance(v, torch.Tensor) for v in obj.values()):
        return obj
    sys.exit(f"{path}: neither a state dict, a module, nor a checkpoint with a 'state_dict'")


def to_safetensors(src, dst):
    state = state_dict_of(torch.load(src, map_location="cpu"), src)
    header, chunks, offset = {}, [], 0
    for name, t in state.items():
        if t.dtype not in TO_NAME:
            sys.exit(f"{src}: {name} is {t.dtype}; float32, float64, int32 and int64 are converted")
        values = t.detach().contiguous().numpy()
        data = values.astype(values.dtype.newbyteorder("<"), copy=False).tobytes()
        header[name] = {"dtype": TO_NAME[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header)
    text += " " * ((8 - len(text) % 8) % 8)
    with open(dst, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text.encode())
        for c in chunks:
            f.write(c)


def to_pt(src, dst):
    with open(src, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    state = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=FROM_NAME[entry["dtype"]]).reshape(entry["shape"]).clone()
        # PyTorch keeps batch norm's counter as int64; avalanche-ts writes int32.
        if name.endswith("num_batches_tracked"):
            t = t.to(torch.int64)
        state[name] = t
    torch.save(state, dst)


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("to-safetensors", "to-pt"):
        sys.exit(__doc__)
    (to_safetensors if sys.argv[1] == "to-safetensors" else to_pt)(sys.argv[2], sys.argv[3])


if __name__ == "__main__":
    main()
