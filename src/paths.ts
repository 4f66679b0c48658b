// Where the package's own files are, from src/ (tests) or dist/ (the built CLI) alike.
import { fileURLToPath } from 'node:url';

export const packageRoot = fileURLToPath(new URL('..', import.meta.url));
export const demoFixturePath = fileURLToPath(new URL('../fixtures/demo.json', import.meta.url));
