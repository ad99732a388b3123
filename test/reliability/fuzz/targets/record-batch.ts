// Fuzz target: the record-batch validator (src/core/records/batch.ts). A producer's bytes go
// through validateIncomingBatches as Produce hands them to the log; a LogError is the refusal
// the producer gets. Whatever passes validation must then decode (headers and, for batches the
// synchronous codecs can open, every record) without any other exception. Inputs get a valid
// CRC-32C written over their first batch half of the time, so the fuzzer reaches past the CRC.
import { LogError } from '../../../../src/core/records/errors.js';
import { canDecodeSync, decodeRecords, readBatchHeader, updateBatchCrc, validateIncomingBatches, BATCH_HEADER_SIZE, batchSize } from '../../../../src/core/records/batch.js';

export function fuzz(data: Buffer): void {
  if (data.length < 1) return;
  const buf = Buffer.from(data.subarray(1));
  if ((data[0]! & 1) === 1 && buf.length >= BATCH_HEADER_SIZE) {
    const size = batchSize(buf, 0);
    if (size >= BATCH_HEADER_SIZE && size <= buf.length) updateBatchCrc(buf, 0);
  }
  let infos;
  try {
    infos = validateIncomingBatches(buf, 1 << 20);
  } catch (err) {
    if (err instanceof LogError) return;
    throw err;
  }
  for (const info of infos) {
    const batch = buf.subarray(info.position, info.position + info.size);
    readBatchHeader(batch);
    if (!canDecodeSync(batch)) continue;
    try {
      decodeRecords(batch);
    } catch (err) {
      if (err instanceof LogError) continue;
      throw err;
    }
  }
}
