// Rates from cumulative counters: the overview samples the broker's totals every couple of
// seconds; each new sample against the previous gives per-second rates, and a bounded history
// of them feeds the live chart (DOM-free).

export interface RatePoint {
  /** Seconds since the epoch (uPlot's x unit). */
  t: number;
  values: number[];
}

export class RateSeries {
  private last: { at: number; totals: number[] } | null = null;
  readonly points: RatePoint[] = [];

  constructor(private readonly capacity = 150) {}

  /**
   * Adds a sample of cumulative counters taken at `atMs`; returns the rates since the previous
   * sample, or null for the first one. A counter that went down (a restart) counts as 0.
   */
  push(atMs: number, totals: number[]): number[] | null {
    const prev = this.last;
    this.last = { at: atMs, totals };
    if (prev === null || atMs <= prev.at) return null;
    const seconds = (atMs - prev.at) / 1_000;
    const values = totals.map((v, i) => Math.max(0, v - (prev.totals[i] ?? 0)) / seconds);
    this.points.push({ t: atMs / 1_000, values });
    if (this.points.length > this.capacity) this.points.shift();
    return values;
  }

  /** Columns as uPlot takes them: [xs, series 0, series 1, ...]. */
  columns(series: number): number[][] {
    const out: number[][] = [this.points.map((p) => p.t)];
    for (let i = 0; i < series; i++) out.push(this.points.map((p) => p.values[i] ?? 0));
    return out;
  }
}
