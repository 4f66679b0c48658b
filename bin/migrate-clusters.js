#!/usr/bin/env node
// Thin launcher: all logic (and the one error boundary) lives in dist/main.js.
import '../dist/main.js';
