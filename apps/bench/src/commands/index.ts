import type { Command } from 'commander';
import { registerMerge } from './merge';
import { registerRegress } from './regress';
import { registerRun } from './run';
import { registerDoctorCommand } from './doctor';
import { registerReportCommand } from './report';
import { registerSpeedCommand } from './speed';
import { registerModelsCommand } from './models';
import { registerDatasetsCommand } from './datasets';
import { registerTrainCommand } from './train';
import { registerPredictCommand } from './predict';
import { registerEvaluateCommand } from './evaluate';

/** Registers one command on the program. */
export type RegisterCommand = (program: Command) => void;

/**
 * Every command of `tfseg-bench`. Each file owns one command (or one command group).
 * Add a command by adding its file and one line here.
 */
export const commands: RegisterCommand[] = [registerRun, registerMerge, registerRegress, registerReportCommand, registerDoctorCommand, registerSpeedCommand, registerModelsCommand, registerDatasetsCommand, registerTrainCommand, registerPredictCommand, registerEvaluateCommand];
