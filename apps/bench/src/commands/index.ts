import type { Command } from 'commander';
import { registerMerge } from './merge.js';
import { registerRegress } from './regress.js';
import { registerRun } from './run.js';
import { registerDoctorCommand } from './doctor.js';
import { registerReportCommand } from './report.js';
import { registerSpeedCommand } from './speed.js';
import { registerModelsCommand } from './models.js';
import { registerDatasetsCommand } from './datasets.js';
import { registerTrainCommand } from './train.js';
import { registerPredictCommand } from './predict.js';
import { registerEvaluateCommand } from './evaluate.js';

/** Registers one command on the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * Every command of `tfseg-bench`. Each file owns one command (or one command group).
 * Add a command by adding its file and one line here.
 */
export const commands: RegisterCommand[] = [registerRun, registerMerge, registerRegress, registerReportCommand, registerDoctorCommand, registerSpeedCommand, registerModelsCommand, registerDatasetsCommand, registerTrainCommand, registerPredictCommand, registerEvaluateCommand];
