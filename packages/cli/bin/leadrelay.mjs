#!/usr/bin/env node
// The CLI is TypeScript run as it is (there is no build step): tsx's loader is registered for
// this process only, then the entry point is imported.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
