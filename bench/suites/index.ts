/** Every benchmark suite, one line each. */
import type { BenchSuite } from '../harness.js';
import { extractSuite } from './extract.js';
import { pipelineSuite } from './pipeline.js';

export const suites: BenchSuite[] = [pipelineSuite, extractSuite];
