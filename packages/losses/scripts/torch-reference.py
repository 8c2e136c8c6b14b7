#!/usr/bin/env python3
"""Independent reference values and gradients for @tfseg/losses, computed with PyTorch autograd in float64.

Every loss (CE, Dice, additive, ML, CAML, CAML with r, CAML with the mean-probability p-bar) is evaluated
under every option of issue 16 (activation, ignoreIndex, classWeights, includeBackground, diceReduction,
fromLogits) on small fixed inputs, straight from the definitions in the package README. Softmax CE is
PyTorch's own `F.cross_entropy(weight, ignore_index)` / `F.nll_loss`, sigmoid CE PyTorch's
`binary_cross_entropy(_with_logits)`; gradients come from `torch.autograd`.

Writes src/__fixtures__/torch-reference.json, which src/torch-reference.test.ts checks against; the tests
never run Python. Regenerate with (Debian's python3-torch):
    /usr/bin/python3 packages/losses/scripts/torch-reference.py
"""
import json
import os

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)
EPSILON = 1e-7
SMOOTH = 1e-6
FLOOR = 1e-12  # CAML_POWER_FLOOR
IGNORE = 255

LOSSES = [
    {'name': 'ce'},
    {'name': 'dice'},
    {'name': 'additive', 'lambda': 0.3},
    {'name': 'ml'},
    {'name': 'caml'},
    {'name': 'caml', 'r': 3},
    {'name': 'caml', 'confidence': 'mean-probability'},
]

# (label, options, classes, integer labels?)
OPTION_SETS = [
    ('default', {}, 3, False),
    ('default, integer labels', {}, 3, True),
    ('fromLogits', {'fromLogits': True}, 3, True),
    ('classWeights', {'classWeights': [0.2, 1, 3]}, 3, True),
    ('ignoreIndex', {'ignoreIndex': IGNORE}, 3, True),
    ('ignoreIndex inside [0, C)', {'ignoreIndex': 0}, 3, True),
    ('includeBackground false', {'includeBackground': False}, 3, True),
    ('diceReduction image', {'diceReduction': 'image'}, 3, True),
    ('softmax, everything', {'fromLogits': True, 'ignoreIndex': IGNORE, 'classWeights': [0.5, 2, 1], 'includeBackground': False, 'diceReduction': 'image'}, 3, True),
    ('sigmoid multi-label', {'activation': 'sigmoid'}, 3, False),
    ('sigmoid multi-label, fromLogits', {'activation': 'sigmoid', 'fromLogits': True}, 3, False),
    ('sigmoid binary C=1', {'activation': 'sigmoid'}, 1, False),
    ('sigmoid binary C=1, labels, ignoreIndex', {'activation': 'sigmoid', 'ignoreIndex': IGNORE}, 1, True),
    ('sigmoid, classWeights, image', {'activation': 'sigmoid', 'classWeights': [0, 1, 2], 'diceReduction': 'image'}, 3, False),
    ('sigmoid, everything', {'activation': 'sigmoid', 'fromLogits': True, 'ignoreIndex': IGNORE, 'classWeights': [1, 2, 0.5], 'includeBackground': False, 'diceReduction': 'image'}, 3, True),
]
DICE_ONLY = {'includeBackground', 'diceReduction'}

SHAPE = (2, 3, 4)  # N, H, W


def make_inputs(classes, labels, activation, ignore, seed):
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(*SHAPE, classes, generator=generator) * 1.5
    if activation == 'softmax' or labels:
        label_count = max(classes, 2) if activation == 'sigmoid' and classes == 1 else classes
        label_values = torch.randint(0, label_count, SHAPE, generator=generator)
        if ignore is not None:
            ignored = torch.rand(SHAPE, generator=generator) < 0.25
            ignored[0, 0, 0] = True
            label_values = torch.where(ignored, torch.full_like(label_values, ignore), label_values)
        if not labels:
            return logits, F.one_hot(label_values, classes).double()
        return logits, label_values
    multi_hot = (torch.rand(*SHAPE, classes, generator=generator) < 0.4).double()
    return logits, multi_hot


def target_and_mask(y_true, classes, labels, activation, ignore):
    if not labels:
        return y_true, torch.ones(SHAPE)
    mask = (y_true != ignore).double() if ignore is not None else torch.ones(SHAPE)
    if activation == 'sigmoid' and classes == 1:
        hot = (y_true == 1).double().unsqueeze(-1)
    else:
        hot = F.one_hot(torch.where(mask.bool(), y_true, torch.zeros_like(y_true)), classes).double()
    return hot * mask.unsqueeze(-1), mask


def reference_loss(spec, y_true, y_pred, classes, labels):
    activation = spec.get('activation', 'softmax')
    from_logits = spec.get('fromLogits', False)
    ignore = spec.get('ignoreIndex')
    weights = torch.tensor(spec['classWeights']) if 'classWeights' in spec else torch.ones(classes)
    y, mask = target_and_mask(y_true, classes, labels, activation, ignore)
    counted = mask.sum()
    if activation == 'softmax':
        p = torch.softmax(y_pred, -1) if from_logits else y_pred
        # PyTorch's CrossEntropyLoss(weight, ignore_index) mean, on [N, C, H, W].
        class_labels = y_true if labels else y_true.argmax(-1)
        ignore_index = ignore if ignore is not None else -100
        scores = y_pred if from_logits else torch.log(torch.clamp(y_pred, min=EPSILON))
        scores = scores.permute(0, 3, 1, 2).contiguous()
        if from_logits:
            ce = F.cross_entropy(scores, class_labels, weight=weights, ignore_index=ignore_index)
        else:
            ce = F.nll_loss(scores, class_labels, weight=weights, ignore_index=ignore_index)
    else:
        p = torch.sigmoid(y_pred) if from_logits else y_pred
        if from_logits:
            bce = F.binary_cross_entropy_with_logits(y_pred, y, reduction='none')
        else:
            bce = F.binary_cross_entropy(torch.clamp(y_pred, EPSILON, 1 - EPSILON), y, reduction='none')
        per_class = (bce * mask.unsqueeze(-1)).sum((0, 1, 2)) / counted
        ce = (weights * per_class).sum() / weights.sum()
    if spec['name'] == 'ce':
        return ce
    smooth = SMOOTH
    pm = p * mask.unsqueeze(-1)
    dims = (1, 2) if spec.get('diceReduction') == 'image' else (0, 1, 2)
    intersection = (y * pm).sum(dims)
    denominator = (y + pm).sum(dims)
    dice = (2 * intersection + smooth) / (denominator + smooth)
    if dice.dim() == 2:
        dice = dice.mean(0)
    dice_weights = weights.clone()
    if spec.get('includeBackground') is False:
        dice_weights[0] = 0
    dice_loss = 1 - (dice_weights * dice).sum() / dice_weights.sum()
    name = spec['name']
    if name == 'dice':
        return dice_loss
    if name == 'additive':
        return spec['lambda'] * dice_loss + (1 - spec['lambda']) * ce
    if name == 'ml':
        return dice_loss * ce
    # CAML, Erratum eq. 13, p-bar over counted pixels.
    if spec.get('confidence') == 'mean-probability':
        p_bar = pm.sum() / (counted * classes)
    elif activation == 'softmax':
        p_bar = (y * pm).sum() / counted
    else:
        agreement = y * p + (1 - y) * (1 - p)
        p_bar = (agreement.mean(-1) * mask).sum() / counted
    exponent = torch.tensor(float(spec['r'])) if 'r' in spec else (1 - dice_loss).detach()
    alpha = torch.clamp(1 - p_bar, min=FLOOR) ** exponent
    return dice_loss * torch.clamp(ce, min=FLOOR) ** alpha


def short(value):
    """10 significant digits (the tests compare at 1e-5 relative), nested lists too."""
    return [short(item) for item in value] if isinstance(value, list) else float(f'{value:.10g}')


def main():
    cases = []
    for option_index, (label, options, classes, labels) in enumerate(OPTION_SETS):
        activation = options.get('activation', 'softmax')
        logits, y_true = make_inputs(classes, labels, activation, options.get('ignoreIndex'), 1000 + option_index)
        from_logits = options.get('fromLogits', False)
        prediction = logits if from_logits else (torch.softmax(logits, -1) if activation == 'softmax' else torch.sigmoid(logits))
        prediction = torch.tensor(short(prediction.tolist()))  # the exact inputs the fixture stores
        for loss in LOSSES:
            spec = {**loss, **{key: value for key, value in options.items() if not (loss['name'] == 'ce' and key in DICE_ONLY)}}
            y_pred = prediction.clone().requires_grad_(True)
            value = reference_loss(spec, y_true, y_pred, classes, labels)
            (gradient,) = torch.autograd.grad(value, y_pred)
            cases.append({
                'label': f"{json.dumps(loss)} {label}",
                'spec': spec,
                'yTrue': {'shape': list(y_true.shape), 'dtype': 'int32' if labels else 'float32', 'values': y_true.flatten().tolist()},
                'yPred': {'shape': list(y_pred.shape), 'values': y_pred.detach().flatten().tolist()},
                'value': short(value.item()),
                'gradient': short(gradient.flatten().tolist()),
            })
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', '__fixtures__', 'torch-reference.json')
    # One case per line, 10 significant digits (the tests compare at 1e-5 relative).
    lines = [json.dumps(case) for case in cases]
    with open(out, 'w') as file:
        file.write('{"generator": "packages/losses/scripts/torch-reference.py", "torch": "%s", "cases": [\n%s\n]}\n' % (torch.__version__, ',\n'.join(lines)))
    print(f'wrote {len(cases)} cases to {os.path.normpath(out)}')


if __name__ == '__main__':
    main()
