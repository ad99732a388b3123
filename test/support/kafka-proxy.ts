// A TCP proxy between Kafka clients and one broker that can hold back chosen requests: while a
// hold is on, a request frame that the hold matches (by API key and client id, read from the
// request header) is kept in the proxy instead of being forwarded, and every other frame goes
// on as usual. For tests of what a client does while the broker has not received (and so cannot
// acknowledge) some of its requests: a produce stuck on the way, then lost with its connection.
// Kafka clients match responses to requests by correlation id, so the requests that overtake a
// held one are answered in the order the broker serves them. A held frame is forwarded when the
// hold is released, and dropped when its client's connection closes (the client died).
//
// With `splitTransactionCoordinator`, the proxy also makes the one broker look like two: it
// listens on a second port, adds a node 2 at that port to Metadata responses and answers
// FindCoordinator for transactional ids with node 2, so that a client talks to its transaction
// coordinator on another connection than to the partition leader (node 1), as in a cluster of
// several brokers. Both ports lead to the same broker. A client that queues its requests per
// connection (an idempotent @platformatic/kafka producer sends one at a time) then no longer
// orders EndTxn after its produce requests by itself.
//
// The broker must advertise the proxy's address (Metadata) so that clients come back through it:
// start the proxy first, then the broker with its advertised port set to `proxy.port`.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { decodeRequestFrame, decodeResponseFrame, encodeResponseFrameBuffer } from '../../src/kafka/protocol/codec.js';
import { LOOPBACK } from './net.js';

const METADATA = 3;
const FIND_COORDINATOR = 10;
const TRANSACTION_KEY_TYPE = 1;
/** The node the second port stands for. */
const SECOND_NODE = 2;

/** What a hold matches: an API key (0 Produce, ...) and, optionally, the client id of the request header. */
export interface HoldRule {
  apiKey: number;
  clientId?: string;
}

interface Link {
  readonly client: Socket;
  readonly broker: Socket;
  pending: Buffer;
  responses: Buffer;
  readonly held: Buffer[];
  /** Requests whose responses are rewritten, by correlation id. */
  readonly rewrites: Map<number, { apiKey: number; apiVersion: number }>;
}

export interface KafkaProxyOptions {
  splitTransactionCoordinator?: boolean;
}

export interface KafkaProxy {
  readonly port: number;
  /** The port of node 2 (splitTransactionCoordinator), else -1. */
  readonly secondPort: number;
  /** Requests the current and earlier holds kept back (a count that only grows). */
  readonly heldTotal: number;
  /** Starts holding back the requests `rule` matches. */
  hold(rule: HoldRule): void;
  /** Stops holding; with `forward`, the held requests go on to the broker, otherwise they are dropped. */
  release(forward: boolean): void;
  close(): Promise<void>;
}

/** The API key and client id of a request frame (size prefix included), or null when it is too short. */
function requestHeader(frame: Buffer): { apiKey: number; clientId: string | null } | null {
  if (frame.length < 14) return null;
  const apiKey = frame.readInt16BE(4);
  const idLength = frame.readInt16BE(12);
  if (idLength < 0) return { apiKey, clientId: null };
  if (frame.length < 14 + idLength) return null;
  return { apiKey, clientId: frame.toString('utf8', 14, 14 + idLength) };
}

/** Whether a request's response is rewritten, and so must be remembered. */
function rewritten(frame: Buffer): { correlationId: number; apiKey: number; apiVersion: number } | null {
  const apiKey = frame.readInt16BE(4);
  if (apiKey !== METADATA && apiKey !== FIND_COORDINATOR) return null;
  const decoded = decodeRequestFrame(frame.subarray(4));
  if (decoded.kind !== 'request') return null;
  if (apiKey === FIND_COORDINATOR && (decoded.body as { keyType?: number }).keyType !== TRANSACTION_KEY_TYPE) return null;
  return { correlationId: decoded.header.correlationId, apiKey, apiVersion: decoded.header.apiVersion };
}

/** A Metadata response with node 2 added, or a FindCoordinator response naming node 2. */
function rewrite(frame: Buffer, apiKey: number, apiVersion: number, secondPort: number): Buffer {
  const correlationId = frame.readInt32BE(4);
  if (apiKey === METADATA) {
    const { body } = decodeResponseFrame(frame.subarray(4), METADATA, apiVersion);
    if (!body.brokers.some((b) => b.nodeId === SECOND_NODE)) body.brokers.push({ nodeId: SECOND_NODE, host: LOOPBACK, port: secondPort, rack: null });
    return encodeResponseFrameBuffer(METADATA, apiVersion, correlationId, body);
  }
  const { body } = decodeResponseFrame(frame.subarray(4), FIND_COORDINATOR, apiVersion);
  if (body.errorCode === 0) Object.assign(body, { nodeId: SECOND_NODE, host: LOOPBACK, port: secondPort });
  for (const c of body.coordinators ?? []) if (c.errorCode === 0) Object.assign(c, { nodeId: SECOND_NODE, host: LOOPBACK, port: secondPort });
  return encodeResponseFrameBuffer(FIND_COORDINATOR, apiVersion, correlationId, body);
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

export async function startKafkaProxy(opts: KafkaProxyOptions = {}): Promise<KafkaProxy & { setTarget(port: number): void }> {
  let targetPort = -1;
  let rule: HoldRule | null = null;
  let heldTotal = 0;
  let secondPort = -1;
  const links = new Set<Link>();
  const split = opts.splitTransactionCoordinator === true;

  const matches = (frame: Buffer): boolean => {
    if (!rule) return false;
    const h = requestHeader(frame);
    return h !== null && h.apiKey === rule.apiKey && (rule.clientId === undefined || h.clientId === rule.clientId);
  };

  const onConnection = (client: Socket) => {
    const broker = connect({ host: LOOPBACK, port: targetPort });
    const link: Link = { client, broker, pending: Buffer.alloc(0), responses: Buffer.alloc(0), held: [], rewrites: new Map() };
    links.add(link);
    const end = () => {
      links.delete(link);
      link.held.length = 0;
      client.destroy();
      broker.destroy();
    };
    client.on('error', end);
    broker.on('error', end);
    client.on('close', end);
    broker.on('close', end);
    broker.on('data', (d: Buffer) => {
      if (!split) {
        client.write(d);
        return;
      }
      link.responses = link.responses.length === 0 ? d : Buffer.concat([link.responses, d]);
      while (link.responses.length >= 4) {
        const size = link.responses.readInt32BE(0);
        if (link.responses.length < 4 + size) break;
        const frame = link.responses.subarray(0, 4 + size);
        link.responses = link.responses.subarray(4 + size);
        const r = link.rewrites.get(frame.readInt32BE(4));
        if (r) link.rewrites.delete(frame.readInt32BE(4));
        client.write(r ? rewrite(frame, r.apiKey, r.apiVersion, secondPort) : frame);
      }
    });
    client.on('data', (d: Buffer) => {
      link.pending = link.pending.length === 0 ? d : Buffer.concat([link.pending, d]);
      // Whole frames only: a 4-byte size, then that many bytes.
      while (link.pending.length >= 4) {
        const size = link.pending.readInt32BE(0);
        if (link.pending.length < 4 + size) break;
        const frame = link.pending.subarray(0, 4 + size);
        link.pending = link.pending.subarray(4 + size);
        if (split) {
          const r = rewritten(frame);
          if (r) link.rewrites.set(r.correlationId, { apiKey: r.apiKey, apiVersion: r.apiVersion });
        }
        if (matches(frame)) {
          link.held.push(Buffer.from(frame));
          heldTotal++;
        } else {
          broker.write(frame);
        }
      }
    });
  };
  const servers: Server[] = [createServer(onConnection)];
  const port = await listen(servers[0]!);
  if (split) {
    servers.push(createServer(onConnection));
    secondPort = await listen(servers[1]!);
  }

  return {
    port,
    get secondPort() {
      return secondPort;
    },
    get heldTotal() {
      return heldTotal;
    },
    setTarget(p: number) {
      targetPort = p;
    },
    hold(r: HoldRule) {
      rule = r;
    },
    release(forward: boolean) {
      rule = null;
      for (const link of links) {
        const frames = link.held.splice(0);
        if (forward) for (const f of frames) link.broker.write(f);
      }
    },
    async close() {
      rule = null;
      for (const link of [...links]) {
        link.client.destroy();
        link.broker.destroy();
      }
      await Promise.all(servers.map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
    },
  };
}
