/**
 * The single-process global stage: pass 1 observes each document's payload into chunks (spilled
 * to the stage's state dir past the `memory` budget); `finish` runs the exact band and the LSH
 * bands into union-find, builds clusters and the report; pass 2 looks each document's decision
 * up by its key.
 */
import fs from 'node:fs';
import path from 'node:path';
import { type JsonObject, type Verdict, fail } from '../../core/doc.js';
import type { DocKey, GlobalStage, StageContext } from '../../core/stage.js';
import { writeFileAtomic } from '../../io/shard-writer.js';
import { bandOptions, emptyBandStats, exactBand, lshBands } from './bands.js';
import { CHUNK_DOCS, type Chunk, ChunkBuilder, FileChunk, MemoryChunk, writeChunkFile } from './chunks.js';
import { type ClusterResult, buildClusters } from './clusters.js';
import { type DedupConfig, compatOf } from './config.js';
import { type AgainstIndex, keptSource, matchIndex, openIndex, runFingerprint, saveSegment } from './index-store.js';
import { PayloadReader } from './payload.js';
import { DocTable } from './table.js';
import { Graph } from './union-find.js';
import { decisionOf, verdictFor } from './verdict.js';

/** The parameters, the detection curve and the outcome, on the run's log (stderr). */
export function logSummary(ctx: Pick<StageContext, 'log'>, summary: JsonObject): void {
  const lsh = summary.lsh as
    | { bands: number; rows: number; threshold: number; similarity_test: string; curve: { jaccard: number; p_candidate: number; p_detected: number; p_detected_short: number }[] }
    | undefined;
  if (lsh) {
    const curve = (key: 'p_candidate' | 'p_detected' | 'p_detected_short'): string => lsh.curve.map((c) => `${c.jaccard.toFixed(2)}:${c[key].toFixed(3)}`).join(' ');
    ctx.log.info(
      { bands: lsh.bands, rows: lsh.rows, threshold: lsh.threshold, similarity_test: lsh.similarity_test },
      `dedup: ${lsh.bands} bands x ${lsh.rows} rows, LSH threshold ${lsh.threshold}; P(candidate | J): ${curve('p_candidate')}; ` +
        `P(detected | J), estimate test: ${curve('p_detected')}; exact test: ${curve('p_detected_short')}`,
    );
  }
  ctx.log.info({ documents: summary.documents, duplicates: summary.duplicates, clusters: (summary.clusters as JsonObject).count }, 'dedup: clusters written to dedup/clusters.jsonl');
}

export class BatchDedup implements GlobalStage {
  private readonly permutations: number;
  private readonly bands: number;
  private readonly chunks: Chunk[] = [];
  private builder: ChunkBuilder | null = null;
  private nextCapacity = 1024;
  private memory = 0;
  private spilledChunks = 0;
  private peakMemory = 0;
  private table: DocTable | null = null;
  private result: ClusterResult | null = null;
  private readonly spillDir: string;
  private readonly reader: PayloadReader;

  constructor(
    private readonly config: DedupConfig,
    private readonly ctx: StageContext,
  ) {
    const minhash = config.method === 'minhash';
    this.permutations = minhash ? config.bands * config.rows : 0;
    this.bands = minhash ? config.bands : 0;
    this.reader = new PayloadReader(this.permutations, this.bands);
    this.spillDir = path.join(ctx.stateDir, 'chunks');
    // A resumed run observes everything again: earlier spills are stale.
    fs.rmSync(this.spillDir, { recursive: true, force: true });
  }

  observe(key: DocKey, data: Uint8Array, start: number, end: number): void {
    if (!this.builder) {
      this.builder = new ChunkBuilder(this.nextCapacity, this.permutations, this.bands);
      this.nextCapacity = Math.min(CHUNK_DOCS, this.nextCapacity * 4);
    }
    this.builder.add(key, this.reader.at(data, start, end));
    if (this.builder.full) this.seal();
  }

  private seal(): void {
    if (!this.builder || this.builder.count === 0) return;
    const chunk = this.builder.seal();
    this.builder = null;
    this.chunks.push(chunk);
    this.memory += chunk.memoryBytes();
    this.peakMemory = Math.max(this.peakMemory, this.memory);
    // Past the budget, the oldest chunks still in memory go to disk (keeping their small arrays).
    for (let c = 0; c < this.chunks.length && this.memory > this.config.memory; c++) {
      const old = this.chunks[c];
      if (!(old instanceof MemoryChunk)) continue;
      const file = path.join(this.spillDir, `chunk-${String(c).padStart(6, '0')}.sig`);
      writeChunkFile(file, compatOf(this.config), old.arrays);
      const spilled = new FileChunk(file, compatOf(this.config));
      this.chunks[c] = spilled;
      this.memory += spilled.memoryBytes() - old.memoryBytes();
      this.spilledChunks++;
    }
  }

  async finish(): Promise<JsonObject> {
    this.seal();
    const config = this.config;
    const table = (this.table = new DocTable(this.chunks));
    const run = config.against || config.index ? runFingerprint(table) : undefined;
    const against: AgainstIndex | null = config.against ? openIndex(config.against, compatOf(config), false, run) : null;
    const options = bandOptions(config);
    const stats = emptyBandStats();
    const matches = against ? matchIndex(against, table, options) : null;
    const graph = new Graph(table.n, matches?.count ?? 0);
    const add = (a: number, b: number): void => graph.add(a, b);
    const firstOfExact = exactBand(table, options, add, stats);
    lshBands(table, firstOfExact, options, add, stats);
    if (matches) for (let e = 0; e < matches.edges.length; e += 2) graph.add(matches.edges[e], matches.edges[e + 1]);
    const reportDir = path.join(this.ctx.outputDir, 'dedup');
    const result = (this.result = buildClusters({ table, graph, config, stats, ...(matches ? { index: matches } : {}), reportDir }));
    await writeFileAtomic(path.join(reportDir, 'summary.json'), JSON.stringify(result.summary, null, 2) + '\n');
    logSummary(this.ctx, result.summary);
    against?.close();
    let indexSummary: JsonObject | undefined;
    if (config.index) indexSummary = saveSegment(config.index, compatOf(config), keptSource(table, result, this.bands), run);
    return {
      ...result.summary,
      ...(indexSummary ? { index_saved: indexSummary } : {}),
      memory: { budget_bytes: config.memory, peak_chunk_bytes: this.peakMemory, chunks: this.chunks.length, spilled_chunks: this.spilledChunks },
    };
  }

  decide(key: DocKey): Verdict {
    const ord = this.table!.ordOfKey(key);
    if (ord < 0) return fail('dedup: this document was not observed in pass 1', 'dedup_unobserved');
    return verdictFor(decisionOf(this.result!, ord), this.config);
  }

  async close(): Promise<void> {
    for (const chunk of this.chunks) chunk.close();
    this.chunks.length = 0;
    // Spilled chunks are only needed until pass 2 is done; a resumed run observes everything again.
    fs.rmSync(this.spillDir, { recursive: true, force: true });
  }
}
