/** The page: load the model served beside it (`model/`), then segment every image dropped or chosen. */
import { drawOverlay, imageDataToInput, loadModelDirectory, segment } from './segment.js';

const status = document.getElementById('status');
const modelInfo = document.getElementById('model');
const drop = document.getElementById('drop');
const parameters = new URLSearchParams(location.search);

/**
 * The backend: `?backend=webgl|wasm|cpu`, else wasm (fast on any CPU, the same kernels as in Node).
 * The wasm files are served beside the page.
 */
async function chooseBackend() {
  tf.wasm.setWasmPaths(new URL('./', location.href).href);
  const wanted = parameters.get('backend') ?? 'wasm';
  if (!(await tf.setBackend(wanted))) throw new Error(`the ${wanted} backend cannot be used in this browser; try ?backend=cpu`);
}

const loading = chooseBackend().then(() => loadModelDirectory(parameters.get('model') ?? 'model'));

/** For tests and the console: the last result. */
window.tfsegPage = { loading, last: undefined };

loading.then(
  async ({ card }) => {
    await tf.ready();
    const names = card.classes.map((entry) => entry.name);
    modelInfo.textContent = `Model: ${card.model.name}/${card.model.preset}, ${card.loss.name} loss, classes ${names.join(', ')}; ${card.input.mode} at ${card.input.size}² (backend ${tf.getBackend()}).`;
    status.textContent = 'Ready: drop an image.';
  },
  (error) => {
    status.textContent = `Error: ${error.message}`;
  },
);

async function handle(file) {
  try {
    const { card, model } = await loading;
    status.textContent = `Segmenting ${file.name}…`;
    const bitmap = await createImageBitmap(file);
    const scratch = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context = scratch.getContext('2d');
    context.drawImage(bitmap, 0, 0);
    const imageData = context.getImageData(0, 0, bitmap.width, bitmap.height);
    const started = performance.now();
    const progress = document.getElementById('progress');
    const { labels, probabilities } = await segment(model, card, imageDataToInput(imageData, card), (done, total) => {
      progress.max = total;
      progress.value = done;
    });
    const names = card.classes.map((entry) => entry.name);
    const colors = drawOverlay(document.getElementById('overlay'), imageData, labels, names);
    document.getElementById('legend').innerHTML = names.map((name, index) => `<li><span style="background: rgb(${colors[index].join(',')})"></span>${name}</li>`).join('');
    window.tfsegPage.last = { name: file.name, width: imageData.width, height: imageData.height, labels: Array.from(labels), probabilities: Array.from(probabilities) };
    status.textContent = `Done: ${file.name}, ${imageData.width}x${imageData.height} in ${Math.round(performance.now() - started)} ms.`;
  } catch (error) {
    status.textContent = `Error: ${error.message}`;
  }
}

document.getElementById('file').addEventListener('change', (event) => {
  if (event.target.files[0]) handle(event.target.files[0]);
});
drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  if (event.dataTransfer.files[0]) handle(event.dataTransfer.files[0]);
});
