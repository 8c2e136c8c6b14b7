#!/usr/bin/env node
/**
 * The `tfseg-bench` executable (dist/cli.js): loads the CommonJS build of the program (`main.ts` →
 * dist/main.cjs). Why: TensorFlow.js ships CommonJS, and Node 20 imports CommonJS into ES modules by
 * reading and lexing every file twice (once for its export names), so the ES-module build took ~0.5 s
 * more CPU to start (1.5 s against 1.0 s, `--version`), in every process of a sweep (the parent and each
 * worker). The program is the same code either way.
 */
import { createRequire } from 'node:module';

createRequire(import.meta.url)('./main.cjs');
