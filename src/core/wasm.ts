/**
 * The little of the WebAssembly API winnow's kernels use (@types/node 20 does not declare it),
 * and their compilation: each kernel's bytes are embedded base64 (scripts/build-wasm.sh) and
 * compiled once per thread, or not at all where the runtime lacks what they need (SIMD); callers
 * then use their JavaScript code, which gives the same results.
 */

export const WASM_PAGE = 65536;

export interface WasmMemory {
  buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports?: object) => { exports: unknown };
}

const wasmApi = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** A kernel compiled on first use; `instantiate` gives null where this runtime cannot run it. */
export class WasmKernel<Exports> {
  private module: object | null | undefined;

  constructor(private readonly base64: string) {}

  get available(): boolean {
    if (this.module === undefined) {
      const bytes = Buffer.from(this.base64, 'base64');
      this.module = wasmApi && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
    }
    return this.module !== null;
  }

  /** A new instance (with `imports`, e.g. another instance's memory), or null. */
  instantiate(imports?: object): Exports | null {
    return this.available ? (new wasmApi!.Instance(this.module!, imports).exports as Exports) : null;
  }
}

/**
 * Consecutive regions of a kernel's memory from byte `start` on, in the order given, each starting
 * on a 64-byte cache line: where each one starts, and where the last one ends.
 */
export function layOut<K extends string>(start: number, sizes: Record<K, number>): { at: Record<K, number>; end: number } {
  const at = {} as Record<K, number>;
  let next = start;
  for (const name of Object.keys(sizes) as K[]) {
    at[name] = next;
    next += (sizes[name] + 63) & ~63;
  }
  return { at, end: next };
}

/** Grows `memory` to at least `bytes`. */
export function growTo(memory: WasmMemory, bytes: number): void {
  if (memory.buffer.byteLength < bytes) memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / WASM_PAGE));
}
