// Bare TCP clients for the load tests: a NATS client that connects and answers nothing but what
// it is asked (CONNECT, PING/PONG), and a Kafka client that sends one ApiVersions request. They
// hold a connection with no client library's own memory in the way, so what is measured is the
// broker's cost per connection.
import { connect, type Socket } from 'node:net';

/** Opens a NATS connection and resolves once the broker answered a PING; the socket stays open. */
export function natsHold(port: number, timeoutMs = 30_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no PONG'));
    }, timeoutMs);
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('data', (d) => {
      buf += d.toString('latin1');
      if (buf.startsWith('INFO ') && buf.includes('\r\n') && !buf.includes('CONNECT_SENT')) {
        s.write('CONNECT {"verbose":false,"pedantic":false}\r\nPING\r\n');
        buf += 'CONNECT_SENT';
      }
      if (buf.includes('PING\r\n')) s.write('PONG\r\n');
      if (buf.includes('PONG\r\n')) {
        clearTimeout(timer);
        buf = 'CONNECT_SENT';
        s.removeAllListeners('data');
        // Keep answering the server's PINGs so the connection is not dropped as stale.
        s.on('data', (x) => {
          if (x.includes('PING\r\n')) s.write('PONG\r\n');
        });
        resolve(s);
      }
    });
  });
}

/** Opens a Kafka connection and resolves once an ApiVersions v0 request was answered. */
export function kafkaHold(port: number, timeoutMs = 30_000): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('no ApiVersions response'));
    }, timeoutMs);
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    s.on('connect', () => {
      const req = Buffer.alloc(14);
      req.writeInt32BE(10, 0);
      req.writeInt16BE(18, 4); // ApiVersions
      req.writeInt16BE(0, 6);
      req.writeInt32BE(1, 8);
      req.writeInt16BE(-1, 12);
      s.write(req);
    });
    let got = 0;
    s.on('data', (d) => {
      got += d.length;
      if (got >= 4) {
        clearTimeout(timer);
        s.removeAllListeners('data');
        s.on('data', () => undefined);
        resolve(s);
      }
    });
  });
}

/** Round trip of a NATS PING on an open connection, in milliseconds. */
export function pingRtt(s: Socket): Promise<number> {
  return new Promise((resolve) => {
    const t0 = process.hrtime.bigint();
    const on = (d: Buffer) => {
      if (d.includes('PONG\r\n')) {
        s.removeListener('data', on);
        resolve(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    };
    s.on('data', on);
    s.write('PING\r\n');
  });
}
