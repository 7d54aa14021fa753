/**
 * A Buffer over the same memory as `bytes`, without copying, for Buffer's own methods: its
 * `indexOf` of a byte is memchr, about three times faster than a Uint8Array's (every byte of a run
 * is searched for newlines at least twice: in the worker that parses a batch and on the main
 * thread that indexes the output), and streams and `toString` want Buffers.
 */
export const bufferView = (bytes: Uint8Array): Buffer => (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
