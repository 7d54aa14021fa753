/** Every benchmark suite, one line each. */
import type { BenchSuite } from '../harness.js';
import { pipelineSuite } from './pipeline.js';

export const suites: BenchSuite[] = [pipelineSuite];
