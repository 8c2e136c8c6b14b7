/**
 * What every command file shares, kept out of `index.ts` (which imports every command) so that no command
 * imports the list it is part of.
 */
import type { Command } from 'commander';

/** Registers one command (or one command group) on the program. */
export type RegisterCommand = (program: Command) => void;

/** The hidden command a sweep's worker processes run (`run` and `regress` start them). */
export const WORKER_COMMAND = 'sweep-worker';
