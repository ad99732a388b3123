// Non-negative integers written as decimal digits straight into a Buffer, without a string:
// the NATS outbound buffer's sizes and sids, and JetStream's ack reply subjects (sequences,
// counts, times in ms) are written per message.

/** The number of decimal digits of a non-negative integer. */
export function decimalDigits(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  if (n < 1000000) return 6;
  if (n < 10000000) return 7;
  if (n < 100000000) return 8;
  if (n < 1000000000) return 9;
  let d = 10;
  for (let v = Math.floor(n / 1e10); v >= 1; v = Math.floor(v / 10)) d++;
  return d;
}

/** Writes `n` (a non-negative integer of `d` digits, decimalDigits(n)) at `at`; returns the end. */
export function writeDecimal(buf: Buffer, at: number, n: number, d: number): number {
  const end = at + d;
  let i = end;
  if (n < 2147483648) {
    // Int32 division (a sequence below 2^31, most of them).
    do {
      const q = (n / 10) | 0;
      buf[--i] = 48 + (n - q * 10);
      n = q;
    } while (i > at);
    return end;
  }
  do {
    const q = Math.floor(n / 10);
    buf[--i] = 48 + (n - q * 10);
    n = q;
  } while (i > at);
  return end;
}
