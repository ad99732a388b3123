// CRC-32C (Castagnoli), the checksum of record batch v2 (KIP-98) and of Wharf's own segment
// index files: the one entry point for both. Computed by @node-rs/crc32 with the SSE4.2/ARMv8
// CRC instructions where the processor has them; every produced batch is checked, and a
// table-driven version in JavaScript runs at a fraction of that speed.
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/** CRC-32C of `data` as an unsigned 32-bit number; `initial` continues a previous checksum. */
export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(data, initial) >>> 0;
}
