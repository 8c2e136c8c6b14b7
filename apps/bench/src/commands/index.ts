import type { RegisterCommand } from './command';
import { registerMergeCommand } from './merge';
import { registerRegressCommand } from './regress';
import { registerRunCommand } from './run';
import { registerDoctorCommand } from './doctor';
import { registerReportCommand } from './report';
import { registerSpeedCommand } from './speed';
import { registerModelsCommand } from './models';
import { registerDatasetsCommand } from './datasets';
import { registerTrainCommand } from './train';
import { registerPredictCommand } from './predict';
import { registerEvaluateCommand } from './evaluate';

export type { RegisterCommand } from './command';

/**
 * Every command of `tfseg-bench`. Each file owns one command (or one command group).
 * Add a command by adding its file and one line here.
 */
export const commands: RegisterCommand[] = [registerRunCommand, registerMergeCommand, registerRegressCommand, registerReportCommand, registerDoctorCommand, registerSpeedCommand, registerModelsCommand, registerDatasetsCommand, registerTrainCommand, registerPredictCommand, registerEvaluateCommand];
