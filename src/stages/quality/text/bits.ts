/** Bit `i` of a byte array used as a bit set (bit `i & 7` of byte `i >> 3`): quick-rejection filters. */
export const setBit = (bits: Uint8Array, i: number): void => void (bits[i >> 3] |= 1 << (i & 7));
export const hasBit = (bits: Uint8Array, i: number): boolean => (bits[i >> 3] & (1 << (i & 7))) !== 0;
