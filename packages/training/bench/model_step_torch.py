#!/usr/bin/env python3
"""TransUNet and ConvFormer+U-Net training steps of model-steps.mjs in PyTorch CPU, side by side.

Twins of @tfseg/models' `transunet` and `convformer-unet` presets (packages/models/src/architectures),
layer for layer: TF 'same' padding (asymmetric, as tfjs computes it, by an explicit pad), tfjs-layers'
Dense on an image as a 1x1 convolution, LayerNorm over channels (ConvFormer's without bias, eps 1e-6),
GroupNorm with @tfseg/models' group count, StarReLU, the per-channel residual scale, BatchNorm2d
(momentum 0.1 = tfjs' 0.9, eps 1e-5, training mode), nearest (ConvFormer) or bilinear (TransUNet)
x2 upsampling, multi-head self-attention with q, k, v and output projections. The ML loss (Dice x CE,
Eq. 5) and Adam (lr 1e-3) are unet_step_torch.py's. Initial weights are PyTorch's defaults (the step
time does not depend on them). Prints one JSON line with the median step time and the parameter count
(trainable + batch-norm statistics, what tfjs' countParams reports) so that a run can check the twin
has the tfjs model's size; with --serve it stays up and runs blocks of steps on command (unet_step_torch's
serve: the paired, interleaved method). Exits 3 with a message when torch is not installed.
"""
import argparse
import json
import math
import statistics
import sys

try:
    import torch
    from torch import nn
    from torch.nn import functional as F
except ImportError:
    print("torch is not installed")
    sys.exit(3)

from unet_step_torch import serve, time_training_steps

# The presets of packages/models/src/architectures (only the sizes the twins need).
CONVFORMER_PRESETS = {
    "tiny": {"depths": [1, 1, 1, 1], "widths": [16, 32, 64, 128], "base_width": 4},
    "small": {"depths": [1, 1, 3, 1], "widths": [32, 64, 128, 256], "base_width": 8},
}
TRANSUNET_PRESETS = {
    "tiny": {"root": 8, "units": [1, 1, 1], "hidden": 64, "layers": 2, "heads": 2, "mlp": 128, "base_width": 4},
    "small": {"root": 16, "units": [1, 2, 2], "hidden": 128, "layers": 4, "heads": 4, "mlp": 512, "base_width": 8},
}


def same_padding(size, kernel, stride):
    """TF/tfjs 'same' padding of one axis: (before, after), the odd pixel after."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Conv2d):
    """nn.Conv2d with tfjs' 'same' padding (asymmetric for even totals, as tfjs pads)."""

    def forward(self, x):
        top, bottom = same_padding(x.shape[2], self.kernel_size[0], self.stride[0])
        left, right = same_padding(x.shape[3], self.kernel_size[1], self.stride[1])
        return super().forward(F.pad(x, (left, right, top, bottom)))


def conv(in_channels, out_channels, kernel, stride=1, bias=True, groups=1):
    return SameConv2d(in_channels, out_channels, kernel, stride=stride, bias=bias, groups=groups)


class ChannelLayerNorm(nn.Module):
    """LayerNorm over the channels of an NCHW map (tfjs: over the last axis of NHWC)."""

    def __init__(self, channels, eps, center):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(channels))
        self.beta = nn.Parameter(torch.zeros(channels)) if center else None

    def forward(self, x):
        centered = x - x.mean(dim=1, keepdim=True)
        variance = centered.square().mean(dim=1, keepdim=True)
        y = centered * torch.rsqrt(variance + self.eps) * self.gamma[None, :, None, None]
        return y + self.beta[None, :, None, None] if self.beta is not None else y


class StarReLU(nn.Module):
    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(1))
        self.bias = nn.Parameter(torch.zeros(1))

    def forward(self, x):
        return self.scale * F.relu(x).square() + self.bias


class ChannelScale(nn.Module):
    def __init__(self, channels):
        super().__init__()
        self.scale = nn.Parameter(torch.ones(channels))

    def forward(self, x):
        return x * self.scale[None, :, None, None]


def double_convolution(in_channels, filters):
    """blocks.ts' doubleConvolution with batch norm: (3x3 conv without bias, BatchNorm, ReLU) x 2."""
    layers = []
    for channels in (in_channels, filters):
        layers += [conv(channels, filters, 3, bias=False), nn.BatchNorm2d(filters, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True)]
    return nn.Sequential(*layers)


class DecoderBlock(nn.Module):
    def __init__(self, in_channels, skip_channels, filters, mode):
        super().__init__()
        self.mode = mode
        self.convs = double_convolution(in_channels + skip_channels, filters)

    def forward(self, x, skip=None):
        x = F.interpolate(x, scale_factor=2, mode=self.mode, **({"align_corners": False} if self.mode == "bilinear" else {}))
        return self.convs(x if skip is None else torch.cat([x, skip], dim=1))


class ConvFormerBlock(nn.Module):
    def __init__(self, width, residual_scale):
        super().__init__()
        self.mixer_norm = ChannelLayerNorm(width, 1e-6, False)
        self.mixer_scale = ChannelScale(width) if residual_scale else nn.Identity()
        self.mixer = nn.Sequential(conv(width, 2 * width, 1, bias=False), StarReLU(), conv(2 * width, 2 * width, 7, bias=False, groups=2 * width), conv(2 * width, width, 1, bias=False))
        self.mlp_norm = ChannelLayerNorm(width, 1e-6, False)
        self.mlp_scale = ChannelScale(width) if residual_scale else nn.Identity()
        self.mlp = nn.Sequential(conv(width, 4 * width, 1, bias=False), StarReLU(), conv(4 * width, width, 1, bias=False))

    def forward(self, x):
        x = self.mixer_scale(x) + self.mixer(self.mixer_norm(x))
        return self.mlp_scale(x) + self.mlp(self.mlp_norm(x))


class ConvFormerUnet(nn.Module):
    """convformer-unet.ts: 7x7/4 stem + LayerNorm, four stages (downsampling LayerNorm + 3x3/2 conv before
    stages 2-4, residual scales in stages 3-4), smp's Unet decoder (nearest x2, skips from stages 3, 2, 1)."""

    def __init__(self, preset, in_channels=1, num_classes=2):
        super().__init__()
        widths, depths, w = preset["widths"], preset["depths"], preset["base_width"]
        self.stem = nn.Sequential(conv(in_channels, widths[0], 7, stride=4), ChannelLayerNorm(widths[0], 1e-6, False))
        self.stages = nn.ModuleList()
        for stage, width in enumerate(widths):
            down = [] if stage == 0 else [ChannelLayerNorm(widths[stage - 1], 1e-6, False), conv(widths[stage - 1], width, 3, stride=2)]
            self.stages.append(nn.Sequential(*down, *[ConvFormerBlock(width, stage >= 2) for _ in range(depths[stage])]))
        decoder_widths = [16 * w, 8 * w, 4 * w, 2 * w, w]
        skips = [widths[2], widths[1], widths[0], 0, 0]
        channels = widths[3]
        self.decoder = nn.ModuleList()
        for filters, skip in zip(decoder_widths, skips):
            self.decoder.append(DecoderBlock(channels, skip, filters, "nearest"))
            channels = filters
        self.head = conv(channels, num_classes, 3)

    def forward(self, x):
        x = self.stem(x)
        features = []
        for stage in self.stages:
            x = stage(x)
            features.append(x)
        for index, block in enumerate(self.decoder):
            x = block(x, features[2 - index] if index < 3 else None)
        return self.head(x)


def groups_for(channels):
    """graph-builder.ts' groupsFor: the largest divisor of the channel count up to 32."""
    for groups in range(min(32, channels), 1, -1):
        if channels % groups == 0:
            return groups
    return 1


def conv_gn(in_channels, out_channels, kernel, stride, relu):
    layers = [conv(in_channels, out_channels, kernel, stride=stride, bias=False), nn.GroupNorm(groups_for(out_channels), out_channels, eps=1e-5)]
    return nn.Sequential(*layers, nn.ReLU(inplace=True)) if relu else nn.Sequential(*layers)


class Bottleneck(nn.Module):
    def __init__(self, in_channels, width, stride, project):
        super().__init__()
        self.body = nn.Sequential(conv_gn(in_channels, width, 1, 1, True), conv_gn(width, width, 3, stride, True), conv_gn(width, 4 * width, 1, 1, False))
        self.projection = conv_gn(in_channels, 4 * width, 1, stride, False) if project else None

    def forward(self, x):
        shortcut = self.projection(x) if self.projection is not None else x
        return F.relu(shortcut + self.body(x))


class MultiHeadSelfAttention(nn.Module):
    def __init__(self, features, heads):
        super().__init__()
        self.heads = heads
        self.query, self.key, self.value, self.output = (nn.Linear(features, features) for _ in range(4))

    def forward(self, x):
        batch, tokens, features = x.shape
        split = lambda t: t.reshape(batch, tokens, self.heads, features // self.heads).transpose(1, 2)
        q, k, v = split(self.query(x)), split(self.key(x)), split(self.value(x))
        weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(features // self.heads), dim=-1)
        return self.output((weights @ v).transpose(1, 2).reshape(batch, tokens, features))


class TransformerBlock(nn.Module):
    def __init__(self, hidden, heads, mlp):
        super().__init__()
        self.attention_norm = nn.LayerNorm(hidden, eps=1e-6)
        self.attention = MultiHeadSelfAttention(hidden, heads)
        self.mlp_norm = nn.LayerNorm(hidden, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(hidden, mlp), nn.GELU(), nn.Linear(mlp, hidden))

    def forward(self, x):
        x = x + self.attention(self.attention_norm(x))
        return x + self.mlp(self.mlp_norm(x))


class TransUnet(nn.Module):
    """transunet.ts: ResNet root (7x7/2 conv, GN, ReLU, 3x3/2 max-pool), three bottleneck stages to 1/16,
    1x1 patch embedding, learned position embeddings, pre-norm transformer blocks, final LayerNorm, the
    cascaded upsampler (3x3 conv to 32w, four bilinear x2 blocks with skips from 1/8, 1/4, 1/2), 3x3 head."""

    def __init__(self, preset, size, in_channels=1, num_classes=2):
        super().__init__()
        root, w, hidden = preset["root"], preset["base_width"], preset["hidden"]
        self.root = conv_gn(in_channels, root, 7, 2, True)
        self.stages = nn.ModuleList()
        channels = root
        for stage, units in enumerate(preset["units"]):
            blocks = []
            for unit in range(units):
                blocks.append(Bottleneck(channels, root * 2**stage, 2 if stage > 0 and unit == 0 else 1, unit == 0))
                channels = 4 * root * 2**stage
            self.stages.append(nn.Sequential(*blocks))
        self.patch_embedding = conv(channels, hidden, 1)
        self.grid = math.ceil(size / 16)
        self.position_embedding = nn.Parameter(torch.zeros(self.grid * self.grid, hidden))
        self.transformer = nn.Sequential(*[TransformerBlock(hidden, preset["heads"], preset["mlp"]) for _ in range(preset["layers"])])
        self.encoder_norm = nn.LayerNorm(hidden, eps=1e-6)
        self.conv_more = nn.Sequential(conv(hidden, 32 * w, 3, bias=False), nn.BatchNorm2d(32 * w, eps=1e-5, momentum=0.1), nn.ReLU(inplace=True))
        skip_channels = [4 * root * 2, 4 * root, root, 0]
        channels = 32 * w
        self.decoder = nn.ModuleList()
        for filters, skip in zip([16 * w, 8 * w, 4 * w, w], skip_channels):
            self.decoder.append(DecoderBlock(channels, skip, filters, "bilinear"))
            channels = filters
        self.head = conv(channels, num_classes, 3)

    def forward(self, x):
        x = self.root(x)
        skips = [x]
        top, bottom = same_padding(x.shape[2], 3, 2)
        left, right = same_padding(x.shape[3], 3, 2)
        x = F.max_pool2d(F.pad(x, (left, right, top, bottom), value=-math.inf), 3, stride=2)
        for index, stage in enumerate(self.stages):
            x = stage(x)
            if index < 2:
                skips.append(x)
        x = self.patch_embedding(x)
        batch, hidden, height, width = x.shape
        tokens = x.flatten(2).transpose(1, 2) + self.position_embedding
        tokens = self.encoder_norm(self.transformer(tokens))
        x = self.conv_more(tokens.transpose(1, 2).reshape(batch, hidden, height, width))
        for index, block in enumerate(self.decoder):
            x = block(x, skips[len(skips) - 1 - index] if index < len(skips) else None)
        return self.head(x)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", choices=["transunet", "convformer-unet"], required=True)
    parser.add_argument("--preset", choices=["tiny", "small"], default="tiny")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--serve", action="store_true", help="persistent mode: take `steps K` commands on stdin (unet_step_torch.serve)")
    options = parser.parse_args()
    torch.set_num_threads(options.threads)
    torch.manual_seed(42)
    if options.model == "transunet":
        model = TransUnet(TRANSUNET_PRESETS[options.preset], options.size)
    else:
        model = ConvFormerUnet(CONVFORMER_PRESETS[options.preset])
    model.train()
    parameters = sum(p.numel() for p in model.parameters()) + sum(b.numel() for name, b in model.named_buffers() if name.endswith(("running_mean", "running_var")))
    info = {"model": options.model, "preset": options.preset, "torchVersion": torch.__version__, "threads": torch.get_num_threads(), "parameters": parameters}
    if options.serve:
        serve(model, options.batch, options.size, info)
        return
    times, loss = time_training_steps(model, options.batch, options.size, options.warmup, options.steps)
    print(json.dumps({**info, "medianMs": statistics.median(times), "times": times, "loss": loss}))


if __name__ == "__main__":
    main()
