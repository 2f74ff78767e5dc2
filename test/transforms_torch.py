#!/usr/bin/env python3
"""The PyTorch side of test/transforms.test.ts (Debian's python3-torch; torchvision is not packaged):
reads {"image": [h, w, c] bytes as a flat list, "shape": [h, w, c], "cases": [...]} on stdin and prints
each case's output, computed with torch's own operations, as torchvision's transforms define them."""
import json
import sys

import torch
import torch.nn.functional as F

req = json.load(sys.stdin)
h, w, c = req["shape"]
img = torch.tensor(req["image"], dtype=torch.float32).reshape(h, w, c)


def symmetric_pad(x, l, t, r, b):
    # numpy's 'symmetric' (torchvision's): mirror including the edge; torch's F.pad lacks it.
    x = torch.cat([x[:, :l].flip(1), x, x[:, x.shape[1] - r:].flip(1)], 1)
    return torch.cat([x[:t].flip(0), x, x[x.shape[0] - b:].flip(0)], 0)

out = []
for case in req["cases"]:
    kind = case["kind"]
    if kind == "normalize":
        # ToTensor then Normalize, on CHW, back to HWC
        x = img.permute(2, 0, 1) / 255
        mean = torch.tensor(case["mean"]).view(-1, 1, 1)
        std = torch.tensor(case["std"]).view(-1, 1, 1)
        y = ((x - mean) / std).permute(1, 2, 0)
    elif kind == "crop":
        l, t, r, b = case["padding"]
        mode = case["mode"]
        chw = img.permute(2, 0, 1).unsqueeze(0)
        if mode == "symmetric":
            padded = symmetric_pad(img, l, t, r, b)
        else:
            torch_mode = {"constant": "constant", "edge": "replicate", "reflect": "reflect"}[mode]
            kw = {"value": float(case["fill"])} if mode == "constant" else {}
            padded = F.pad(chw, (l, r, t, b), mode=torch_mode, **kw)[0].permute(1, 2, 0)
        i, j = case["i"], case["j"]
        th, tw = case["size"]
        y = padded[i:i + th, j:j + tw, :] / 255
    elif kind == "flip":
        y = img.flip(1) / 255
    elif kind == "resize":
        x = img.permute(2, 0, 1).unsqueeze(0)
        y = F.interpolate(x, size=tuple(case["size"]), mode="bilinear", align_corners=False, antialias=False)
        y = y[0].permute(1, 2, 0) / 255
    else:
        raise SystemExit(f"unknown case {kind}")
    out.append({"shape": list(y.shape), "data": y.reshape(-1).tolist()})
print(json.dumps(out))
