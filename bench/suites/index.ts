/** Every benchmark suite, one line each. */
import type { BenchSuite } from '../harness.js';
import { auditSuite } from './audit.js';
import { decontamSuite } from './decontam.js';
import { dedupSuite } from './dedup.js';
import { extractSuite } from './extract.js';
import { pipelineSuite } from './pipeline.js';
import { qualitySuite } from './quality.js';
import { safetySuite } from './safety.js';

export const suites: BenchSuite[] = [pipelineSuite, extractSuite, dedupSuite, qualitySuite, safetySuite, decontamSuite, auditSuite];
