#!/usr/bin/python3
"""The PyTorch yardstick of `npm run bench -- --only convnets`: Avalanche's SimpleCNN (one input channel,
28x28, batch 128) and SlimResNet18 (3x32x32, batch 32) trained with SGD lr 0.01 momentum 0.9 in a plain
PyTorch loop on preloaded random data (the speed does not depend on the values), and evaluated at the same
batch sizes. Run by scripts/bench.js with Debian's /usr/bin/python3 (python3-torch).

usage: torch-convnets-yardstick.py THREADS STEPS
Prints one JSON object: samples/s of training and of evaluation for each model (the median of 3 timings
of STEPS steps, after 3 warm-up steps).
"""
import json
import os
import statistics
import sys
import time

import torch
from torch import nn
from torch.nn import functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "test"))
from torch_parity import SlimResNet18  # noqa: E402  (the same definition the parity tests check)


class SimpleCNN(nn.Module):
    """Avalanche's SimpleCNN with one input channel, as the library's SimpleCNN({ inChannels: 1 })."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Conv2d(64, 64, 1), nn.ReLU(), nn.AdaptiveMaxPool2d(1), nn.Dropout(0.25))
        self.classifier = nn.Sequential(nn.Linear(64, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x).view(x.size(0), -1))


def rates(model, shape, batch, steps):
    torch.manual_seed(0)
    x = torch.randn(steps * batch, *shape)
    y = torch.randint(0, 10, (steps * batch,))
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    def train(n):
        model.train()
        for i in range(n):
            sl = slice((i % steps) * batch, (i % steps + 1) * batch)
            opt.zero_grad()
            F.cross_entropy(model(x[sl]), y[sl]).backward()
            opt.step()

    def evaluate(n):
        model.eval()
        with torch.no_grad():
            for i in range(n):
                sl = slice((i % steps) * batch, (i % steps + 1) * batch)
                model(x[sl]).argmax(1)

    out = {}
    for name, fn in (("train", train), ("eval", evaluate)):
        fn(3)
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            fn(steps)
            times.append(time.perf_counter() - t0)
        out[name] = steps * batch / statistics.median(times)
    return out


def main():
    threads, steps = int(sys.argv[1]), int(sys.argv[2])
    if threads > 0:
        torch.set_num_threads(threads)
    result = {
        "threads": torch.get_num_threads(),
        "cnn": rates(SimpleCNN(), (1, 28, 28), 128, steps),
        "resnet": rates(SlimResNet18(10, 20), (3, 32, 32), 32, steps),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
