/**
 * Exact dedup: one document per hash of its normalised text (xxHash64), the first in input order.
 * A global stage: the hash is computed in the worker pool, the first-seen table on the main thread.
 */
import xxhash from 'xxhash-wasm';
import { z } from 'zod';
import { keep, remove } from '../../core/doc.js';
import { type DocKey, type GlobalStage, defineStage, stageSchema } from '../../core/stage.js';
import { Normalization, normalizeText } from './normalize.js';

export const ExactDedupConfig = stageSchema('dedup', {
  method: z.literal('exact').default('exact'),
  normalize: Normalization.default(Normalization.parse({})),
});
export type ExactDedupConfig = z.infer<typeof ExactDedupConfig>;

const textEncoder = new TextEncoder();

/** Payload: 8 bytes of hash, then the document id in UTF-8 (for the removal record). */
function payloadHash(payload: Uint8Array): string {
  return Buffer.from(payload.buffer, payload.byteOffset, 8).toString('hex');
}

class FirstSeen implements GlobalStage {
  private readonly first = new Map<string, { key: DocKey; id: string }>();
  private readonly hashOf = new Map<DocKey, string>();
  private duplicates = 0;

  observe(key: DocKey, payload: Uint8Array): void {
    const hash = payloadHash(payload);
    this.hashOf.set(key, hash);
    const seen = this.first.get(hash);
    if (!seen || key < seen.key) {
      this.first.set(hash, { key, id: Buffer.from(payload.subarray(8)).toString('utf8') });
    }
  }

  async finish() {
    this.duplicates = this.hashOf.size - this.first.size;
    return { documents: this.hashOf.size, unique: this.first.size, duplicates: this.duplicates };
  }

  decide(key: DocKey) {
    const hash = this.hashOf.get(key)!;
    const first = this.first.get(hash)!;
    if (first.key === key) return keep();
    return remove('exact_duplicate', hash, null, { kept_id: first.id });
  }
}

export const exactDedupStage = defineStage<ExactDedupConfig>({
  name: 'dedup',
  description: 'remove documents whose normalised text equals an earlier document\'s',
  schema: ExactDedupConfig,
  kind: 'global',
  async prepare(config) {
    const { h64Raw } = await xxhash();
    return (doc) => {
      const hash = h64Raw(textEncoder.encode(normalizeText(doc.text, config.normalize)));
      const id = textEncoder.encode(doc.id);
      const payload = new Uint8Array(8 + id.length);
      new DataView(payload.buffer).setBigUint64(0, hash);
      payload.set(id, 8);
      return payload;
    };
  },
  createGlobal: () => new FirstSeen(),
});
