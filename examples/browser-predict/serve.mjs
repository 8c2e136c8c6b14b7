#!/usr/bin/env node
/**
 * Serves the browser-predict page on localhost: the page, the browser bundles of @tensorflow/tfjs and its
 * wasm backend, and a model directory written by `tfseg-bench train` under /model/.
 *
 *   node examples/browser-predict/serve.mjs --model MODEL_DIR [--port 8080]   (--port 0: any free port)
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({ options: { model: { type: 'string' }, port: { type: 'string', default: '8080' } } });
if (!values.model) {
  process.stderr.write('serve.mjs: --model MODEL_DIR is required (a folder written by tfseg-bench train)\n');
  process.exit(2);
}
const modelDirectory = resolve(values.model);
if (!existsSync(join(modelDirectory, 'tfseg.json')) || !existsSync(join(modelDirectory, 'model.json'))) {
  process.stderr.write(`serve.mjs: ${modelDirectory} holds no tfseg.json and model.json; train one with tfseg-bench train --out ${values.model}\n`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`serve.mjs: --port must be 0..65535, but got ${values.port}\n`);
  process.exit(2);
}
const require = createRequire(import.meta.url);
const tfjsDist = join(dirname(require.resolve('@tensorflow/tfjs/package.json')), 'dist');
const wasmDist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist');

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.bin': 'application/octet-stream', '.wasm': 'application/wasm' };
const pageFiles = {
  '/': join(here, 'index.html'),
  '/index.html': join(here, 'index.html'),
  '/main.js': join(here, 'main.js'),
  '/segment.js': join(here, 'segment.js'),
  '/tf.min.js': join(tfjsDist, 'tf.min.js'),
  '/tf-backend-wasm.min.js': join(wasmDist, 'tf-backend-wasm.min.js'),
  ...Object.fromEntries(['tfjs-backend-wasm.wasm', 'tfjs-backend-wasm-simd.wasm', 'tfjs-backend-wasm-threaded-simd.wasm'].map((name) => [`/${name}`, join(wasmDist, name)])),
};

/** The file a URL path names, or undefined: page files, and plain file names inside the model directory. */
function fileFor(path) {
  if (pageFiles[path]) return pageFiles[path];
  const match = /^\/model\/([^/]+)$/.exec(path);
  if (!match || match[1] !== basename(match[1]) || match[1].startsWith('.')) return undefined;
  const file = join(modelDirectory, decodeURIComponent(match[1]));
  return existsSync(file) && statSync(file).isFile() ? file : undefined;
}

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  const file = fileFor(path);
  if (!file) {
    response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}\n`);
    return;
  }
  const extension = file.slice(file.lastIndexOf('.'));
  // Cross-origin isolation lets the wasm backend use threads (SharedArrayBuffer).
  response
    .writeHead(200, { 'content-type': types[extension] ?? 'application/octet-stream', 'cache-control': 'no-store', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' })
    .end(readFileSync(file));
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`serving http://localhost:${server.address().port}/ (model: ${modelDirectory})\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
