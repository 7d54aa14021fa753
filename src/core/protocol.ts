/**
 * The plain, structured-cloneable data that crosses the worker boundary, typed once here.
 * Reading happens in the workers: the main thread only cuts input bytes at line boundaries.
 */
import type { Doc, Loc, Verdict } from './doc.js';
import type { StageSpec } from './stage.js';
import type { Audit } from './audit.js';
import type { BatchStats } from './stats.js';
import type { SpoolBlock, SpoolCodec } from './spool.js';

export interface FieldMapping {
  text_field: string;
  id_field: string;
  html_field: string;
  url_field: string;
}

export interface FileItem {
  source: string;
  format: 'txt' | 'html';
  bytes: Uint8Array;
}

/** A unit of work for the first step of a pass. Record i of a batch has key docKey(unit, firstPos + i). */
export type ReadBatch =
  /** Complete JSONL lines (the last may lack its newline at end of file). */
  | { kind: 'jsonl'; source: string; bytes: Uint8Array; firstLine: number; firstOffset: number }
  /** Elements of a JSON array, already parsed by stream-json. */
  | { kind: 'values'; source: string; values: unknown[]; firstIndex: number }
  /** Whole files, one document each. */
  | { kind: 'files'; files: FileItem[] }
  /**
   * Consecutive blocks of spooled documents of the previous pass (spool.ts), replayed with the
   * global stage's verdicts: `codes[i]` is PLAIN_KEEP (fused.ts) for a keep without edits, else
   * document i (counted across the blocks) takes the next of `verdicts`. Most verdicts are plain
   * keeps: they cross as one byte each.
   */
  | { kind: 'spool'; codec: SpoolCodec; bodies: Uint8Array[]; codes: Uint8Array; verdicts: Verdict[]; stage: string }
  /** WARC/WET/ARC records with a payload to read, and the records of the stretch that were skipped, by kind. */
  | { kind: 'warc'; source: string; records: WarcItem[]; skipped: Record<string, number>; bytes: number };

/** One WARC (or ARC) record with a document in it: an HTML payload, or WET text. */
export interface WarcItem {
  kind: 'html' | 'text';
  bytes: Uint8Array;
  /** WARC-Type: `response`, `resource`, `conversion`. */
  type: string;
  /** Byte offset of the record in the (decompressed) file, and its 1-based number there. */
  offset: number;
  index: number;
  url?: string;
  date?: string;
  recordId?: string;
  contentType?: string;
  /** The HTTP Content-Type's charset: a decoding hint. */
  charset?: string;
  status?: number;
}

export interface DocEnvelope {
  doc: Doc;
  loc: Loc;
  key: number;
  /**
   * The record's JSON exactly as read, while it is still a valid output record for `doc` (winnow's
   * field names, a string id, no stage edits). Writing it back verbatim keeps unknown fields byte
   * for byte and skips re-serialising unchanged documents. Bytes (a view into the batch this worker
   * read or replayed, without its newline) where the worker has them, so that an unchanged record
   * is copied, not decoded and encoded again; text once it crosses to the main thread.
   */
  raw?: string | Uint8Array;
  /** Output directory for the kept document when not `kept` (see KeepVerdict.route). */
  route?: string;
}

export type Emit = 'docs' | 'lines' | 'spool';

export interface Task {
  input: ReadBatch | { kind: 'docs'; docs: DocEnvelope[] };
  unit: number;
  firstPos: number;
  /** Cache key of the fused stage chain in the worker. */
  group: string;
  stages: StageSpec[];
  /** The next global stage, whose payload is computed here on the survivors. */
  prepare?: StageSpec;
  /** The global stage being replayed, when it has a per-document `replay` step, and its state directory. */
  replay?: { spec: StageSpec; outputDir: string; stateDir: string };
  mapping: FieldMapping;
  maxDocBytes: number;
  emit: Emit;
  /** emit 'spool': how the worker compresses its spool block. */
  spoolCodec?: SpoolCodec;
}

/** `count` JSONL lines of one output, with the 64-bit hash of each line's document id (2 uint32 a line). */
export interface OutputChunk {
  bytes: Uint8Array;
  count: number;
  hashes: Uint32Array;
}

export interface TaskResult {
  /** Survivors as objects, when a main-thread stage comes next. */
  docs?: DocEnvelope[];
  /** emit 'spool': the survivors as a spool block, with the global stage's payloads. */
  spool?: SpoolBlock;
  lineCount: number;
  /** emit 'lines': survivors for kept/, and those routed elsewhere (splits), by route. */
  kept?: OutputChunk;
  routed?: Record<string, OutputChunk>;
  removed: Record<string, OutputChunk>;
  errors?: OutputChunk;
  errorCount: number;
  stats: BatchStats;
  audit?: Audit;
}

/** Compress one output frame in the pool (see io/shard-writer.ts). */
export interface CompressTask {
  kind: 'compress';
  compression: 'gzip' | 'zstd';
  level?: number;
  bytes: Uint8Array;
}
