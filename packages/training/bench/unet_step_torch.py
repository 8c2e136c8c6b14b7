#!/usr/bin/env python3
"""The U-Net training step of unet-step.mjs in PyTorch CPU, for the side-by-side speed comparison.

Same model (4 down / 4 up, two 3x3 conv+ReLU per level, 2x2 max-pool, 2x2 stride-2 transposed conv,
skip concat, 1x1 head), ML loss (Dice x CE, Eq. 5), Adam lr 1e-3. Without --batch-norm the plain U-Net
(conv with bias + ReLU); with it the twin of @tfseg/models' batch-norm U-Net (the `small`/`tiny` presets):
conv without bias, BatchNorm2d (momentum 0.1 = tfjs' 0.9, eps 1e-5, training mode), ReLU. Prints one
JSON line with the median step time; with --serve it stays up and runs blocks of steps on command (the
paired, interleaved method of unet-step.mjs; see serve). Exits 3 with a message when torch is not installed.
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    from torch import nn
except ImportError:
    print("torch is not installed")
    sys.exit(3)


def conv_relu(in_channels, out_channels, batch_norm=False):
    if batch_norm:
        return [nn.Conv2d(in_channels, out_channels, 3, padding=1, bias=False), nn.BatchNorm2d(out_channels, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True)]
    return [nn.Conv2d(in_channels, out_channels, 3, padding=1), nn.ReLU(inplace=True)]


class UNet(nn.Module):
    def __init__(self, width, in_channels=1, num_classes=2, batch_norm=False):
        super().__init__()
        bn = batch_norm
        self.down = nn.ModuleList()
        channels = in_channels
        for level in range(4):
            filters = width * 2**level
            self.down.append(nn.Sequential(*conv_relu(channels, filters, bn), *conv_relu(filters, filters, bn)))
            channels = filters
        self.pool = nn.MaxPool2d(2)
        self.bottleneck = nn.Sequential(*conv_relu(channels, width * 16, bn), *conv_relu(width * 16, width * 16, bn))
        channels = width * 16
        self.up = nn.ModuleList()
        self.up_convs = nn.ModuleList()
        for level in reversed(range(4)):
            filters = width * 2**level
            self.up.append(nn.ConvTranspose2d(channels, filters, 2, stride=2))
            self.up_convs.append(nn.Sequential(*conv_relu(2 * filters, filters, bn), *conv_relu(filters, filters, bn)))
            channels = filters
        self.head = nn.Conv2d(channels, num_classes, 1)

    def forward(self, x):
        skips = []
        for block in self.down:
            x = block(x)
            skips.append(x)
            x = self.pool(x)
        x = self.bottleneck(x)
        for up, block, skip in zip(self.up, self.up_convs, reversed(skips)):
            x = block(torch.cat([skip, up(x)], dim=1))
        return self.head(x)


def ml_loss(logits, one_hot):
    """(1 - mean_c Dice_c) x CE (Eq. 5) over all pixels of the batch, from logits (as @tfseg/losses' ml)."""
    log_probabilities = torch.log_softmax(logits, dim=1)
    probabilities = log_probabilities.exp()
    pixels = logits.numel() / logits.shape[1]
    cross_entropy = -(one_hot * log_probabilities).sum() / pixels
    intersection = (one_hot * probabilities).sum(dim=(0, 2, 3))
    total = one_hot.sum(dim=(0, 2, 3)) + probabilities.sum(dim=(0, 2, 3))
    dice = (2 * intersection / total).mean()
    return (1 - dice) * cross_entropy


def training_step(model, batch, size):
    """The Adam step (lr 1e-3) of the ML loss on one fixed batch of smoothed random images; returns a
    function that runs one step and returns its loss. Shared by every twin."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    images = torch.rand(batch, 1, size, size)
    smooth = nn.functional.avg_pool2d(images, 5, stride=1, padding=2, count_include_pad=False)
    one_hot = nn.functional.one_hot((smooth > 0.5).long()[:, 0], 2).permute(0, 3, 1, 2).float()

    def step():
        optimizer.zero_grad()
        loss = ml_loss(model(images), one_hot)
        loss.backward()
        optimizer.step()
        return loss.item()

    return step


def timed_steps(step, steps):
    """Runs `steps` steps; returns their times in ms and the last loss."""
    times = []
    loss = float("nan")
    for _ in range(steps):
        start = time.perf_counter()
        loss = step()
        times.append((time.perf_counter() - start) * 1000)
    return times, loss


def time_training_steps(model, batch, size, warmup, steps):
    """Times `steps` steps of training_step after `warmup` untimed ones; returns the step times in ms and
    the last loss (the whole-process mode: one run, then exit)."""
    step = training_step(model, batch, size)
    for _ in range(warmup):
        step()
    return timed_steps(step, steps)


def serve(model, batch, size, info):
    """The persistent mode of the paired benchmark (--serve): prints `info` as one JSON line, then reads
    commands from stdin, one a line: `steps K` runs K more steps of the same model and optimizer and
    replies one JSON line {"times": [ms, ...], "loss": x, "cpuMs": process CPU time so far}; `quit` (or
    end of input) exits. Nothing runs between commands, so the other side has the machine to itself."""
    step = training_step(model, batch, size)
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        command = line.split()
        if not command:
            continue
        if command[0] == "quit":
            break
        if command[0] != "steps" or len(command) != 2:
            print(json.dumps({"error": f"unknown command {line.strip()!r} (steps K | quit)"}), flush=True)
            continue
        times, loss = timed_steps(step, int(command[1]))
        print(json.dumps({"times": times, "loss": loss, "cpuMs": time.process_time() * 1000}), flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch-norm", action="store_true")
    parser.add_argument("--serve", action="store_true", help="persistent mode: take `steps K` commands on stdin (see serve)")
    options = parser.parse_args()
    torch.set_num_threads(options.threads)
    torch.manual_seed(42)
    model = UNet(options.width, batch_norm=options.batch_norm)
    model.train()
    info = {"torchVersion": torch.__version__, "threads": torch.get_num_threads(), "batchNorm": options.batch_norm}
    if options.serve:
        serve(model, options.batch, options.size, info)
        return
    times, loss = time_training_steps(model, options.batch, options.size, options.warmup, options.steps)
    print(json.dumps({**info, "medianMs": statistics.median(times), "times": times, "loss": loss}))


if __name__ == "__main__":
    main()
