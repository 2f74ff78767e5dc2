#!/usr/bin/env python3
"""The PyTorch side of the convnet parity tests (Debian's python3-torch).

Reads one JSON case from stdin: {"model": NAME, "options": {...}, "state": {name: {"shape", "data"}},
"x": {"shape", "data"} (NCHW), "targets": [...], "steps": N}. Builds the model with PyTorch's own
layers, loads the state with load_state_dict(strict=True) (so names and shapes must be PyTorch's),
then, in training mode, runs `steps` forward passes (each updates the batch norm statistics) and
back-propagates the cross-entropy of the last; then one forward pass in eval mode. Prints JSON: the
training logits, the loss, each parameter's gradient, the state dict after training, the eval logits.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


def conv3x3(cin, cout, stride=1):
    return nn.Conv2d(cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)


class Block(nn.Module):
    """A residual block as in Avalanche's slim_resnet18.py (projection named `shortcut`)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))


class SlimResNet18(nn.Module):
    def __init__(self, num_classes=10, nf=20, in_channels=3):
        super().__init__()
        self.conv1 = conv3x3(in_channels, nf)
        self.bn1 = nn.BatchNorm2d(nf)
        stages, cin = [], nf
        for cout, stride in ((nf, 1), (2 * nf, 2), (4 * nf, 2), (8 * nf, 2)):
            stages.append(nn.Sequential(Block(cin, cout, stride), Block(cout, cout, 1)))
            cin = cout
        self.layer1, self.layer2, self.layer3, self.layer4 = stages
        self.linear = nn.Linear(8 * nf, num_classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
        out = F.avg_pool2d(out, 4)
        return self.linear(out.view(out.size(0), -1))


class BatchNormModel(nn.Module):
    """A batch norm between two layers whose weights are known: conv (no bias) -> bn -> linear."""

    def __init__(self, channels=3, features=4, size=5, num_classes=3, stride=1):
        super().__init__()
        self.conv = nn.Conv2d(channels, features, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(features)
        side = (size - 1) // stride + 1
        self.linear = nn.Linear(features * side * side, num_classes)

    def forward(self, x):
        out = F.relu(self.bn(self.conv(x)))
        return self.linear(out.permute(0, 2, 3, 1).reshape(out.size(0), -1))


MODELS = {"SlimResNet18": SlimResNet18, "BatchNormModel": BatchNormModel}


def tensor(t, dtype=torch.float32):
    return torch.tensor(t["data"], dtype=dtype).reshape(t["shape"])


def plain(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def files(mode, path):
    """`make-pt PATH`: a SlimResNet18 (nf 4) whose batch norm statistics moved, saved to PATH; `eval-pt PATH`:
    loads PATH strictly. Both print the eval-mode logits of the input read from stdin."""
    case = json.load(sys.stdin)
    torch.manual_seed(5)
    model = SlimResNet18(num_classes=10, nf=4)
    x = tensor(case["x"])
    if mode == "make-pt":
        model.train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(8, 3, 32, 32))
        torch.save(model.state_dict(), path)
    else:
        model.load_state_dict(torch.load(path), strict=True)
    model.eval()
    with torch.no_grad():
        print(json.dumps({"evalLogits": plain(model(x))}))


def main():
    if len(sys.argv) == 3:
        return files(sys.argv[1], sys.argv[2])
    case = json.load(sys.stdin)
    torch.manual_seed(0)
    model = MODELS[case["model"]](**case["options"])
    state = {}
    for name, t in case["state"].items():
        state[name] = tensor(t, torch.int64 if name.endswith("num_batches_tracked") else torch.float32)
    model.load_state_dict(state, strict=True)
    x = tensor(case["x"])
    y = torch.tensor(case["targets"], dtype=torch.int64)
    model.train()
    for _ in range(case.get("steps", 1) - 1):
        with torch.no_grad():
            model(x)
    model.zero_grad()
    logits = model(x)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    grads = {name: plain(p.grad) for name, p in model.named_parameters()}
    after = {name: plain(t.float()) for name, t in model.state_dict().items()}
    model.eval()
    with torch.no_grad():
        eval_logits = model(x)
    print(json.dumps({"logits": plain(logits), "loss": loss.item(), "grads": grads, "state": after, "evalLogits": plain(eval_logits)}))


if __name__ == "__main__":
    main()
