/** The one-stage commands, one line each. */
import type { StageCommandSpec } from '../stage-command.js';
import { dedupCommand } from './dedup.js';
import { extractCommand } from './extract.js';
import { filterCommand } from './filter.js';

export const stageCommands: StageCommandSpec[] = [extractCommand, filterCommand, dedupCommand];
