#!/usr/bin/env python3
"""The PyTorch side of the convnet parity tests (Debian's python3-torch). `torch_parity.py blocks`: each
residual block on its own (see block_cases); `make-pt` / `eval-pt PATH`: state files.

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
    """A residual block as in Avalanche's slim_resnet18.py (its projection named `shortcut`) and resnet32.py
    (FACIL's, named `downsample`): the projection is there where the block changes the shape."""

    def __init__(self, cin, cout, stride, projection="shortcut"):
        super().__init__()
        self.conv1 = conv3x3(cin, cout, stride)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = conv3x3(cout, cout)
        self.bn2 = nn.BatchNorm2d(cout)
        self.projection = projection
        changes = stride != 1 or cin != cout
        setattr(self, projection, nn.Sequential(nn.Conv2d(cin, cout, kernel_size=1, stride=stride, bias=False), nn.BatchNorm2d(cout)) if changes else nn.Sequential())

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + getattr(self, self.projection)(x))


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


class ResNet32(nn.Module):
    def __init__(self, num_classes=10, blocks=5):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 16, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        stages, cin = [], 16
        for cout, stride in ((16, 1), (32, 2), (64, 2)):
            stages.append(nn.Sequential(*[Block(cin if i == 0 else cout, cout, stride if i == 0 else 1, "downsample") for i in range(blocks)]))
            cin = cout
        self.layer1, self.layer2, self.layer3 = stages
        self.avgpool = nn.AvgPool2d(8, stride=1)
        self.fc = nn.Linear(64, num_classes)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.avgpool(self.layer3(self.layer2(self.layer1(out))))
        return self.fc(out.view(out.size(0), -1))


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


MODELS = {"SlimResNet18": SlimResNet18, "ResNet32": ResNet32, "BatchNormModel": BatchNormModel}


def tensor(t, dtype=torch.float32):
    return torch.tensor(t["data"], dtype=dtype).reshape(t["shape"])


def plain(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def blocks_of(model):
    """The residual blocks of a model, with their PyTorch name prefixes."""
    return [(f"{stage}.{i}", b) for stage in ("layer1", "layer2", "layer3", "layer4") if hasattr(model, stage) for i, b in enumerate(getattr(model, stage))]


def block_cases(case):
    """Each residual block on its own, fed what PyTorch's own training forward gives it: its input, its
    output, and the loss's gradient at its output; then the block's gradients from that upstream
    gradient alone (the input's, and its parameters'). End to end, a ReLU input that lies within the two
    implementations' float32 difference of zero takes the other side of the kink, so deep networks are
    compared block by block."""
    torch.manual_seed(0)
    model = MODELS[case["model"]](**case["options"])
    model.load_state_dict({n: tensor(t, torch.int64 if n.endswith("num_batches_tracked") else torch.float32) for n, t in case["state"].items()}, strict=True)
    model.train()
    named = blocks_of(model)
    seen = {}

    def hook(name):
        def record(module, inputs, output):
            inputs[0].retain_grad()
            output.retain_grad()
            seen[name] = (inputs[0], output)
        return record

    handles = [b.register_forward_hook(hook(n)) for n, b in named]
    x = tensor(case["x"]).requires_grad_(True)
    F.cross_entropy(model(x), torch.tensor(case["targets"], dtype=torch.int64)).backward()
    for h in handles:
        h.remove()
    out = {}
    for name, block in named:
        h_in, h_out = seen[name]
        upstream = h_out.grad.detach()
        block.zero_grad()
        h = h_in.detach().clone().requires_grad_(True)
        (block(h) * upstream).sum().backward()
        out[name] = {"input": plain(h_in), "output": plain(h_out), "upstream": plain(upstream), "inputGrad": plain(h.grad),
                     "grads": {f"{name}.{n}": plain(p.grad) for n, p in block.named_parameters()}}
    print(json.dumps(out))


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
    if len(sys.argv) == 2 and sys.argv[1] == "blocks":
        return block_cases(json.load(sys.stdin))
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
