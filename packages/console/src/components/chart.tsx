// A live time-series chart on uPlot (a 40 KB canvas chart library): created once per mount,
// fed new columns on every sample, resized with its container so it fits a phone's width.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useEffect, useRef } from 'preact/hooks';

/** Tick steps of the time axis in seconds: samples come every two seconds, so no sub-second ticks. */
const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1_800, 3_600];

export interface SeriesSpec {
  label: string;
  color: string;
  format: (v: number) => string;
}

export function LiveChart(props: { series: SeriesSpec[]; data: number[][]; height?: number; testid?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = host.current;
    if (el === null) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: props.height ?? 220,
      cursor: { drag: { x: false, y: false } },
      legend: { live: false },
      scales: { x: { time: true } },
      axes: [{ stroke: '#8a94a6', grid: { stroke: '#e6e9ef' }, space: 80, incrs: TIME_STEPS, values: (_u, vals) => vals.map((v) => new Date(v * 1_000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' })) }, { stroke: '#8a94a6', grid: { stroke: '#e6e9ef' }, size: 72, values: (_u, vals) => vals.map((v) => props.series[0]!.format(v)) }],
      series: [{}, ...props.series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: `${s.color}22`, points: { show: false }, value: (_u: uPlot, v: number | null) => (v === null ? '–' : s.format(v)) }))],
    };
    const p = new uPlot(opts, props.data as uPlot.AlignedData, el);
    plot.current = p;
    const ro = new ResizeObserver(() => p.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 220 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      p.destroy();
      plot.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    plot.current?.setData(props.data as uPlot.AlignedData);
  }, [props.data]);

  return <div class="chart" ref={host} data-testid={props.testid} data-points={props.data[0]?.length ?? 0} />;
}
