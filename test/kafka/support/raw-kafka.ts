// A minimal Kafka client over Wharf's own codec, for tests that compare exact protocol answers
// (error codes, offsets, watermarks) between Wharf and Apache Kafka.
import { connect, type Socket } from 'node:net';
import { decodeResponseFrame, encodeRequestFrame } from '../../../src/kafka/protocol/codec.js';
import { FrameSplitter } from '../../../src/kafka/protocol/frame.js';
import type { RequestByKey, ResponseByKey } from '../../../src/kafka/protocol/messages/index.js';

/** The broker closed (or reset) the connection before answering: an observed behaviour, not a harness failure. */
export class ConnectionClosed extends Error {
  override name = 'ConnectionClosed';
}

export class RawKafka {
  private corr = 1;
  private readonly waiting = new Map<number, { key: number; version: number; resolve: (b: unknown) => void; reject: (e: Error) => void }>();
  private readonly splitter = new FrameSplitter();
  /** The peer closed the connection (or it failed). */
  closed = false;
  private constructor(private readonly socket: Socket) {
    socket.on('data', (d: Buffer) =>
      this.splitter.push(d, (frame) => {
        const corr = frame.readInt32BE(0);
        const w = this.waiting.get(corr);
        if (!w) return;
        this.waiting.delete(corr);
        try {
          w.resolve(decodeResponseFrame(frame, w.key as never, w.version).body);
        } catch (e) {
          w.reject(e as Error);
        }
      }),
    );
    const fail = (e: Error) => {
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    socket.on('error', (e) => fail(new ConnectionClosed(`connection failed: ${e.message}`)));
    socket.on('close', () => {
      this.closed = true;
      fail(new ConnectionClosed('connection closed'));
    });
  }

  static connect(host: string, port: number): Promise<RawKafka> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port }, () => resolve(new RawKafka(s)));
      s.once('error', reject);
    });
  }

  send<K extends keyof RequestByKey & keyof ResponseByKey>(key: K, version: number, body: RequestByKey[K], timeoutMs = 5_000): Promise<ResponseByKey[K]> {
    if (this.closed) return Promise.reject(new ConnectionClosed('connection closed'));
    const correlationId = this.corr++;
    const frame = encodeRequestFrame({ apiKey: key, apiVersion: version, correlationId, clientId: 'wharf-diff' } as never, body);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        // Responses come in request order: after a lost one the connection is of no more use.
        this.waiting.delete(correlationId);
        reject(new Error(`request ${key} v${version} timed out`));
        this.close();
      }, timeoutMs);
      this.waiting.set(correlationId, {
        key,
        version,
        resolve: (b) => {
          clearTimeout(t);
          resolve(b as ResponseByKey[K]);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      });
      this.socket.write(frame);
    });
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
