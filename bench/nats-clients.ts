// Raw-protocol NATS clients that bench/nats.ts runs as child processes, with no client library
// in the way:
//   queue-consumer PORT SUBJECT GROUP COUNT MEMBERS   MEMBERS connections in one queue group; prints
//       `ready` once every SUB is confirmed (PONG), then `result {count, seconds, perMember}` when
//       COUNT messages arrived (seconds from the first delivery to the last)
//   hold-connections PORT N                           opens N idle connections (CONNECT, PING,
//       wait for PONG), prints `holding N` and answers server PINGs until killed
import { connect, type Socket } from 'node:net';

const GIVE_UP_MS = 300_000;

/** Minimal inbound parser: counts MSG deliveries, answers PING, reports the first PONG. */
function rawSocket(port: number, onMsg: () => void, onReady: () => void): Socket {
  const sock = connect({ host: '127.0.0.1', port });
  let buf = Buffer.alloc(0);
  let skip = 0; // payload bytes (+CRLF) still to skip
  let ready = false;
  sock.on('data', (d: Buffer) => {
    const data = buf.length ? Buffer.concat([buf, d]) : d;
    let i = 0;
    for (;;) {
      if (skip > 0) {
        const n = Math.min(skip, data.length - i);
        skip -= n;
        i += n;
        if (skip > 0) break;
      }
      const nl = data.indexOf(10, i);
      if (nl < 0) break;
      const c0 = data[i];
      if (c0 === 77 /* M */) {
        // MSG <subject> <sid> [reply] <size>
        let j = nl - 1;
        if (data[j] === 13) j--;
        let size = 0;
        let mul = 1;
        while (j > i && data[j]! >= 48 && data[j]! <= 57) {
          size += (data[j]! - 48) * mul;
          mul *= 10;
          j--;
        }
        skip = size + 2;
        onMsg();
      } else if (c0 === 80 /* P */ && data[i + 1] === 73 /* I */) {
        sock.write('PONG\r\n');
      } else if (c0 === 80 && data[i + 1] === 79 /* O */ && !ready) {
        ready = true;
        onReady();
      } else if (c0 === 45 /* - */) {
        process.stderr.write(`server error: ${data.subarray(i, nl).toString()}\n`);
      }
      i = nl + 1;
    }
    buf = i < data.length ? Buffer.from(data.subarray(i)) : Buffer.alloc(0);
  });
  sock.on('error', (e) => {
    process.stderr.write(`socket error: ${e.message}\n`);
    process.exit(3);
  });
  return sock;
}

function queueConsumer(args: string[]): void {
  const [portS, subject, group, countS, membersS] = args;
  const port = Number(portS);
  const count = Number(countS);
  const members = Number(membersS);
  let total = 0;
  let first = 0;
  const perMember = new Array<number>(members).fill(0);
  let readyCount = 0;
  const timer = setTimeout(() => {
    console.log(`result ${JSON.stringify({ count: total, seconds: 0, perMember, timedOut: true })}`);
    process.exit(4);
  }, GIVE_UP_MS);
  for (let m = 0; m < members; m++) {
    const sock = rawSocket(
      port,
      () => {
        if (total === 0) first = performance.now();
        total++;
        perMember[m]!++;
        if (total === count) {
          const seconds = (performance.now() - first) / 1000;
          clearTimeout(timer);
          console.log(`result ${JSON.stringify({ count: total, seconds, perMember })}`);
          process.exit(0);
        }
      },
      () => {
        if (++readyCount === members) console.log('ready');
      },
    );
    sock.write(`CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nSUB ${subject} ${group} 1\r\nPING\r\n`);
  }
}

async function holdConnections(args: string[]): Promise<void> {
  const port = Number(args[0]);
  const n = Number(args[1]);
  const socks: Socket[] = [];
  let ready = 0;
  const batch = 500;
  for (let i = 0; i < n; i += batch) {
    const m = Math.min(batch, n - i);
    await new Promise<void>((resolve, reject) => {
      let left = m;
      for (let k = 0; k < m; k++) {
        const sock = connect({ host: '127.0.0.1', port });
        socks.push(sock);
        let seen = '';
        const onData = (d: Buffer) => {
          seen += d.toString('latin1');
          if (seen.includes('PONG\r\n')) {
            sock.off('data', onData);
            sock.on('data', (x: Buffer) => {
              if (x.includes('PING\r\n')) sock.write('PONG\r\n');
            });
            ready++;
            if (--left === 0) resolve();
          } else if (seen.includes('-ERR')) reject(new Error(`connection ${i + k}: ${seen.slice(0, 200)}`));
        };
        sock.on('data', onData);
        sock.on('error', reject);
        sock.write('CONNECT {"verbose":false,"pedantic":false,"protocol":1}\r\nPING\r\n');
      }
    });
  }
  console.log(`holding ${ready}`);
  // The parent kills us; give up on our own after a while regardless.
  setTimeout(() => process.exit(0), GIVE_UP_MS);
}

const [mode, ...rest] = process.argv.slice(2);
if (mode === 'queue-consumer') queueConsumer(rest);
else if (mode === 'hold-connections') {
  holdConnections(rest).catch((err: Error) => {
    console.error(err.message);
    process.exit(1);
  });
} else {
  console.error('usage: nats-clients.js queue-consumer PORT SUBJECT GROUP COUNT MEMBERS | hold-connections PORT N');
  process.exit(2);
}
