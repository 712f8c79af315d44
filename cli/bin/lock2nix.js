#!/usr/bin/env node
import { setUpRuntime } from './runtime.js';

setUpRuntime();
const { main } = await import('../src/main.ts');
process.exitCode = await main(process.argv.slice(2));
