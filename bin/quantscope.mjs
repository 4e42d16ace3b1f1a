#!/usr/bin/env node
// The Quantscope CLI: the workbench's TypeScript core on onnxruntime-node, run through tsx.
import { register } from 'tsx/esm/api';

register();
const { run } = await import('../src/cli/main.ts');
await run(process.argv.slice(2));
