// A line chart as a small SVG file (no dependency): one or two series over time, with axes and
// labels, for the soak's RSS and event-loop lag curves in docs/reliability.md.
export interface Series {
  label: string;
  unit: string;
  points: Array<[number, number]>;
  color: string;
}

export function lineChart(title: string, xLabel: string, series: Series[], width = 720, height = 260): string {
  const pad = { l: 70, r: 70, t: 30, b: 40 };
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const xMax = Math.max(1, ...xs);
  const w = width - pad.l - pad.r;
  const h = height - pad.t - pad.b;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2}" y="16" text-anchor="middle" font-size="13">${title}</text>`,
    `<line x1="${pad.l}" y1="${pad.t + h}" x2="${pad.l + w}" y2="${pad.t + h}" stroke="black"/>`,
    `<text x="${pad.l + w / 2}" y="${height - 8}" text-anchor="middle">${xLabel}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const x = pad.l + (w * i) / 4;
    out.push(`<text x="${x}" y="${pad.t + h + 14}" text-anchor="middle">${((xMax * i) / 4).toFixed(0)}</text>`);
  }
  series.forEach((s, k) => {
    const ys = s.points.map((p) => p[1]);
    const yMax = Math.max(1e-9, ...ys) * 1.1;
    const axisX = k === 0 ? pad.l : pad.l + w;
    out.push(`<line x1="${axisX}" y1="${pad.t}" x2="${axisX}" y2="${pad.t + h}" stroke="${s.color}"/>`);
    for (let i = 0; i <= 4; i++) {
      const y = pad.t + h - (h * i) / 4;
      out.push(`<text x="${k === 0 ? axisX - 4 : axisX + 4}" y="${y + 4}" text-anchor="${k === 0 ? 'end' : 'start'}" fill="${s.color}">${((yMax * i) / 4).toFixed(yMax < 10 ? 1 : 0)}</text>`);
    }
    out.push(`<text x="${k === 0 ? 8 : width - 8}" y="${pad.t + h / 2}" fill="${s.color}" text-anchor="middle" transform="rotate(-90 ${k === 0 ? 12 : width - 12} ${pad.t + h / 2})">${s.label} (${s.unit})</text>`);
    const path = s.points.map(([x, y]) => `${(pad.l + (w * x) / xMax).toFixed(1)},${(pad.t + h - (h * y) / yMax).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="1.5" points="${path}"/>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
