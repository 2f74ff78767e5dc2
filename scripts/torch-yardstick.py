#!/usr/bin/python3
"""The PyTorch yardstick of `npm run bench`: the tutorial's MLP in a plain PyTorch loop, on the same data,
batch sizes and optimiser settings as the bench's TypeScript runs, with the tensors preloaded (the fastest a
PyTorch user would write it). Run by scripts/bench.js with Debian's /usr/bin/python3 (python3-torch).

usage: torch-yardstick.py DATA_DIR THREADS REPEATS
DATA_DIR holds train.u8 / train.i32 / test.u8 / test.i32 (images as bytes, 784 per sample; labels),
written by the bench from the same SplitMNIST it trains on. THREADS: torch.set_num_threads (0: PyTorch's
default). Prints one JSON object: samples/s of training, evaluation and replay training (medians).
"""
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

MEAN, STD = 0.1307, 0.3081  # the normalisation the library applies to MNIST


def load(folder, name):
    images = np.fromfile(os.path.join(folder, name + '.u8'), dtype=np.uint8).reshape(-1, 784)
    labels = np.fromfile(os.path.join(folder, name + '.i32'), dtype=np.int32).astype(np.int64)
    x = (torch.from_numpy(images.astype(np.float32)) / 255.0 - MEAN) / STD
    return x, torch.from_numpy(labels)


def simple_mlp(seed):
    """Avalanche's SimpleMLP: Linear(784, 512), ReLU, Dropout(0.5), Linear(512, 10)."""
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))


def train_rate(x, y, seed):
    """Naive training as the tutorial: SGD lr 0.001 momentum 0.9, batch 500, one pass, shuffled."""
    model = simple_mlp(seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.001, momentum=0.9)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    g = torch.Generator().manual_seed(seed)
    order = torch.randperm(len(x), generator=g)
    t0 = time.perf_counter()
    for start in range(0, len(x), 500):
        idx = order[start:start + 500]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
    return len(x) / (time.perf_counter() - t0), model


def eval_rate(model, x, y):
    """Evaluation, batch 100: forward in eval mode, loss and accuracy, no gradients."""
    model.eval()
    loss_fn = nn.CrossEntropyLoss(reduction='sum')
    t0 = time.perf_counter()
    correct, total_loss = 0, 0.0
    with torch.no_grad():
        for start in range(0, len(x), 100):
            out = model(x[start:start + 100])
            total_loss += float(loss_fn(out, y[start:start + 100]))
            correct += int((out.argmax(1) == y[start:start + 100]).sum())
    return len(x) / (time.perf_counter() - t0)


def replay_rate(x, y, seed):
    """The tutorial's replay step: Adam lr 0.001, 50 current + 50 memory samples per batch (500 in memory)."""
    model = simple_mlp(seed)
    opt = torch.optim.Adam(model.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    g = torch.Generator().manual_seed(seed)
    memory = torch.randperm(len(x), generator=g)[:500]
    mx, my = x[memory], y[memory]
    order = torch.randperm(len(x), generator=g)
    samples = 0
    t0 = time.perf_counter()
    for start in range(0, len(x), 50):
        idx = order[start:start + 50]
        mem = torch.randint(0, 500, (50,), generator=g)
        bx = torch.cat([x[idx], mx[mem]])
        by = torch.cat([y[idx], my[mem]])
        opt.zero_grad()
        loss = loss_fn(model(bx), by)
        loss.backward()
        opt.step()
        samples += len(bx)
    return samples / (time.perf_counter() - t0)


def main():
    folder, threads, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    if threads > 0:
        torch.set_num_threads(threads)
    xtr, ytr = load(folder, 'train')
    xte, yte = load(folder, 'test')
    train_rate(xtr, ytr, 0)  # warm-up
    trains, evals, replays = [], [], []
    for r in range(repeats):
        rate, model = train_rate(xtr, ytr, r)
        trains.append(rate)
        evals.append(eval_rate(model, xte, yte))
        replays.append(replay_rate(xtr, ytr, r))
    med = lambda v: sorted(v)[len(v) // 2]
    with open('/proc/self/maps') as maps:
        blas = sorted({line.split()[-1] for line in maps if 'blas' in line.lower() and '/' in line})
    print(json.dumps({
        'torch': torch.__version__, 'threads': torch.get_num_threads(), 'blas': blas,
        'train': med(trains), 'eval': med(evals), 'replay': med(replays),
    }))


if __name__ == '__main__':
    main()
