/** The ordered registry of checks: this order is the display order. */
import type { AnyCheck } from '../src/check.js';
import busyTimeout from './busy-timeout.js';
import journalMode from './journal-mode.js';

export const REGISTRY: readonly AnyCheck[] = [journalMode, busyTimeout];
