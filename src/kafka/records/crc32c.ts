/**
 * CRC-32C (Castagnoli), the checksum of record batch v2 (KIP-98). Computed by @node-rs/crc32,
 * which uses the SSE4.2/ARMv8 CRC instructions where present; a table-driven JS version runs
 * at a fraction of that speed, and every produced batch is checked.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(data, initial) >>> 0;
}
