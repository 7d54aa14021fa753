/** The one-stage commands, one line each. */
import type { StageCommandSpec } from '../stage-command.js';
import { classifyCommand } from './classify.js';
import { decontaminateCommand } from './decontaminate.js';
import { dedupCommand } from './dedup.js';
import { extractCommand } from './extract.js';
import { filterCommand } from './filter.js';
import { splitCommand } from './split.js';

export const stageCommands: StageCommandSpec[] = [extractCommand, classifyCommand, filterCommand, dedupCommand, splitCommand, decontaminateCommand];
