/**
 * Segmentation in the browser with plain TensorFlow.js, following a model directory's tfseg.json exactly
 * as `tfseg-bench predict` does: intensities windowed to [0, 1], the image resized as in training
 * (`mode: resize`) and/or scaled, cut into overlapping `size`² tiles whose softmax outputs are averaged,
 * and the class probabilities resized back to the native size before the argmax (a one-channel sigmoid
 * head's p read as (1 − p, p)).
 * Resizes use tf.image.resizeBilinear (half-pixel centres); the CLI averages areas when it only scales
 * down, so a model trained with `scale < 1` can differ from the CLI at a few boundary pixels.
 * Uses the global `tf` of @tensorflow/tfjs.
 */

/** Loads `base/tfseg.json` and `base/model.json` (+ weights). */
export async function loadModelDirectory(base) {
  const response = await fetch(`${base}/tfseg.json`);
  if (!response.ok) throw new Error(`cannot load ${base}/tfseg.json: HTTP ${response.status}`);
  const card = await response.json();
  if (card.format !== 'tfseg-model' || card.version !== 1) throw new Error(`${base}/tfseg.json is not a tfseg model card (format ${card.format}, version ${card.version})`);
  const model = await tf.loadLayersModel(`${base}/model.json`);
  return { card, model };
}

/** Canvas ImageData (RGBA, 8-bit) → HWC intensities in [0, 1] with the model's channels. */
export function imageDataToInput(imageData, card) {
  const { width, height, data } = imageData;
  const channels = card.input.channels;
  const [low, high] = card.input.window ?? [0, 255];
  const out = new Float32Array(width * height * channels);
  for (let i = 0; i < width * height; i++) {
    const r = data[4 * i], g = data[4 * i + 1], b = data[4 * i + 2];
    if (channels === 1 && (r !== g || r !== b)) throw new Error('this model takes grey images, but the image is in colour');
    const rgb = [r, g, b];
    for (let c = 0; c < channels; c++) out[i * channels + c] = Math.min(1, Math.max(0, (rgb[c] - low) / (high - low)));
  }
  return { height, width, channels, data: out };
}

function resize(data, height, width, channels, targetHeight, targetWidth) {
  return tf.tidy(() => tf.image.resizeBilinear(tf.tensor3d(data, [height, width, channels]), [targetHeight, targetWidth], false, true).dataSync());
}

/** Tile start positions along one axis: every `stride`, the last flush with the end. */
export function tileStarts(length, size, stride) {
  const starts = [];
  for (let start = 0; start + size < length; start += stride) starts.push(start);
  starts.push(Math.max(0, length - size));
  return [...new Set(starts)];
}

/**
 * Segments an image ({height, width, channels, data}) → {labels (class indices), probabilities}.
 * Yields to the browser between batches of tiles (the page stays responsive) and reports
 * `onProgress(tilesDone, tiles)`.
 */
export async function segment(model, card, image, onProgress = () => {}) {
  const { size, scale, overlap, mode, resizeTo } = card.input;
  const classes = card.classes.length;
  let { height, width, data } = image;
  const channels = image.channels;
  if (mode === 'resize' && resizeTo && (height !== resizeTo || width !== resizeTo)) {
    data = resize(data, height, width, channels, resizeTo, resizeTo);
    height = width = resizeTo;
  }
  const scaledHeight = Math.max(1, Math.round(height * scale));
  const scaledWidth = Math.max(1, Math.round(width * scale));
  if (scaledHeight !== height || scaledWidth !== width) {
    data = resize(data, height, width, channels, scaledHeight, scaledWidth);
    height = scaledHeight;
    width = scaledWidth;
  }
  // Pad bottom and right by repeating the last row and column, up to `size`.
  const paddedHeight = Math.max(size, height);
  const paddedWidth = Math.max(size, width);
  const padded = new Float32Array(paddedHeight * paddedWidth * channels);
  for (let y = 0; y < paddedHeight; y++) {
    for (let x = 0; x < paddedWidth; x++) {
      const from = (Math.min(y, height - 1) * width + Math.min(x, width - 1)) * channels;
      for (let c = 0; c < channels; c++) padded[(y * paddedWidth + x) * channels + c] = data[from + c];
    }
  }
  const stride = Math.max(1, Math.round(size * (1 - overlap)));
  const tiles = tileStarts(paddedHeight, size, stride).flatMap((top) => tileStarts(paddedWidth, size, stride).map((left) => ({ top, left })));
  const sum = new Float32Array(paddedHeight * paddedWidth * classes);
  const weight = new Float32Array(paddedHeight * paddedWidth);
  const batchSize = 8;
  for (let start = 0; start < tiles.length; start += batchSize) {
    const batch = tiles.slice(start, start + batchSize);
    const pixels = new Float32Array(batch.length * size * size * channels);
    batch.forEach(({ top, left }, index) => {
      for (let y = 0; y < size; y++) {
        const from = ((top + y) * paddedWidth + left) * channels;
        pixels.set(padded.subarray(from, from + size * channels), ((index * size + y) * size) * channels);
      }
    });
    const output = tf.tidy(() => {
      const raw = model.predict(tf.tensor4d(pixels, [batch.length, size, size, channels]));
      // A one-channel sigmoid head (tfseg.json model.output 'sigmoid', a binary dataset) is read as the
      // class probabilities (1 − p, p), as tfseg-bench predict does: the argmax is then p > 0.5.
      return card.model?.output === 'sigmoid' ? tf.concat([tf.sub(1, raw), raw], -1) : raw;
    });
    const values = await output.data();
    output.dispose();
    onProgress(Math.min(tiles.length, start + batchSize), tiles.length);
    batch.forEach(({ top, left }, index) => {
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          const target = (top + y) * paddedWidth + left + x;
          const source = ((index * size + y) * size + x) * classes;
          weight[target] += 1;
          for (let c = 0; c < classes; c++) sum[target * classes + c] += values[source + c];
        }
      }
    });
  }
  let probabilities = new Float32Array(height * width * classes);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = y * paddedWidth + x;
      for (let c = 0; c < classes; c++) probabilities[(y * width + x) * classes + c] = sum[from * classes + c] / weight[from];
    }
  }
  if (height !== image.height || width !== image.width) probabilities = resize(probabilities, height, width, classes, image.height, image.width);
  const labels = new Uint8Array(image.height * image.width);
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[i * classes + c] > probabilities[i * classes + best]) best = c;
    labels[i] = best;
  }
  return { labels, probabilities };
}

const NAMED_COLORS = { background: [0, 0, 0], membrane: [255, 255, 255], mitochondria: [230, 40, 40], synapse: [40, 200, 60], gliaextracellular: [50, 90, 230], intracellular: [70, 70, 70], vessel: [255, 255, 255], retinalvessel: [255, 255, 255] };
const FALLBACK = [[230, 160, 30], [160, 60, 200], [30, 200, 200], [200, 200, 40], [240, 120, 160]];

/** The report's class colours: the paper's where it names one, a fallback palette otherwise. */
export function classColors(names) {
  let fallback = 0;
  return names.map((name) => NAMED_COLORS[name.toLowerCase().replace(/[^a-z]/g, '')] ?? FALLBACK[fallback++ % FALLBACK.length]);
}

/** Draws the image with the prediction blended over it (classes named background stay clear). */
export function drawOverlay(canvas, imageData, labels, names) {
  const colors = classColors(names);
  canvas.width = imageData.width;
  canvas.height = imageData.height;
  const context = canvas.getContext('2d');
  const out = context.createImageData(imageData.width, imageData.height);
  for (let i = 0; i < labels.length; i++) {
    const transparent = names[labels[i]].toLowerCase() === 'background';
    for (let c = 0; c < 3; c++) {
      const base = imageData.data[4 * i + c];
      out.data[4 * i + c] = transparent ? base : Math.round(0.55 * base + 0.45 * colors[labels[i]][c]);
    }
    out.data[4 * i + 3] = 255;
  }
  context.putImageData(out, 0, 0);
  return colors;
}
