// Fuzz target: the Kafka frame splitter and the request decoders of every API and version the
// codec has (src/kafka/protocol). The first two bytes choose the API and the version within its
// range; a valid header of the right version (v1 or v2 with tagged fields) is put in front of the
// rest, so the fuzzer spends its time in the bodies. A KafkaCodecError is the decoder refusing
// malformed input (the connection closes); any other exception is a finding. The same bytes are
// also fed through the frame splitter with a small limit, split in two reads.
import { decodeRequestFrame } from '../../../../src/kafka/protocol/codec.js';
import { KafkaCodecError } from '../../../../src/kafka/protocol/errors.js';
import { FrameSplitter } from '../../../../src/kafka/protocol/frame.js';
import { requestHeaderVersion } from '../../../../src/kafka/protocol/header.js';
import { apis, type ApiDescriptor } from '../../../../src/kafka/protocol/messages/index.js';

const table: ApiDescriptor[] = apis.filter((a): a is ApiDescriptor => a !== undefined);

function allowed(err: unknown): boolean {
  return err instanceof KafkaCodecError;
}

export function fuzz(data: Buffer): void {
  if (data.length < 2) return;
  const api = table[data[0]! % table.length]!;
  const span = api.maxVersion - api.minVersion + 1;
  const version = api.minVersion + (data[1]! % span);
  const flexible = requestHeaderVersion(api.key, version) === 2;
  const header = Buffer.alloc(flexible ? 11 : 10);
  header.writeInt16BE(api.key, 0);
  header.writeInt16BE(version, 2);
  header.writeInt32BE(7, 4);
  header.writeInt16BE(-1, 8); // null client id
  if (flexible) header[10] = 0; // no tagged fields
  const frame = Buffer.concat([header, data.subarray(2)]);
  try {
    decodeRequestFrame(frame);
  } catch (err) {
    if (!allowed(err)) throw err;
  }
  // Raw bytes straight into the decoder too: headers of any shape.
  try {
    decodeRequestFrame(data.subarray(2));
  } catch (err) {
    if (!allowed(err)) throw err;
  }
  const splitter = new FrameSplitter(4096);
  const cut = data[1]! % (data.length + 1);
  try {
    splitter.push(data.subarray(0, cut), () => undefined);
    splitter.push(data.subarray(cut), () => undefined);
  } catch (err) {
    if (!allowed(err)) throw err;
  }
}
