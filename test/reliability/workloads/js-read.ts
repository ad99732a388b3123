// Reads a whole JetStream stream back, sequence by sequence (direct message gets through the
// stream API), for the checkers: what the store holds, not what a consumer delivered.
import { StringCodec, type JetStreamManager } from 'nats';

const sc = StringCodec();

export interface StoredMessage {
  seq: number;
  subject: string;
  data: string;
}

export async function readStream(jsm: JetStreamManager, stream: string): Promise<StoredMessage[]> {
  const info = await jsm.streams.info(stream);
  const out: StoredMessage[] = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    try {
      const m = await jsm.streams.getMessage(stream, { seq });
      out.push({ seq, subject: m.subject, data: sc.decode(m.data) });
    } catch (err) {
      if (!/no message found|not found/i.test((err as Error).message)) throw err;
    }
  }
  return out;
}
