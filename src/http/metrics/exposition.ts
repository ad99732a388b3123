// The text exposition format (Prometheus 0.0.4) written directly, for the metric families with
// one series per partition or per group and partition. Those are the bulk of a scrape: with 160
// partitions and 8 groups committed on all of them they are ~4,800 series, and going through
// prom-client's labelled metrics (a hash per label set, set(), then its serializer) cost ~40 ms
// of CPU per scrape, 4 % of a core at one scrape a second. Written here from the log's and the
// coordinator's own figures, with the label text of a partition built once, they cost a few ms.
// prom-client keeps everything else (process metrics, histograms, the small gauges).

/** Escapes a label value: backslash, double quote and line feed, as the format requires. */
export function escapeLabelValue(v: string): string {
  return /[\\"\n]/.test(v) ? v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n') : v;
}

/** Escapes HELP text: backslash and line feed. */
function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as the format writes it (+Inf, -Inf, NaN, or the number). */
export function formatValue(v: number): string {
  if (Number.isFinite(v)) return String(v);
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

/** One family: its HELP and TYPE lines, then samples with prebuilt label text. */
export class FamilyText {
  private readonly lines: string[];

  constructor(
    readonly name: string,
    help: string,
    type: 'counter' | 'gauge',
  ) {
    this.lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
  }

  /** `labels` is the text between the braces (`topic="a",partition="0"`), already escaped. */
  sample(labels: string, value: number): void {
    this.lines.push(`${this.name}{${labels}} ${formatValue(value)}`);
  }

  /** HELP, TYPE and the samples, each line ending in a line feed. */
  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}
