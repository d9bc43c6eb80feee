/**
 * Charts with Chart.js (only the pieces the console uses are registered, so the bundle stays small).
 * The canvas is an image to assistive technology, named by `label`; pages show the numbers in a
 * table or text beside it.
 */
import { BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip, type ChartConfiguration } from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement, PointElement, Tooltip, Legend, Filler);

/** Colours with enough contrast on light and dark backgrounds. */
export const SERIES_COLOURS = ['#2563eb', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2'];

export interface ChartProps {
  config: ChartConfiguration;
  label: string;
  height?: number;
}

export function ChartView({ config, label, height = 220 }: ChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  useEffect(() => {
    if (!canvas.current) return;
    const options = { ...config.options, animation: false as const, maintainAspectRatio: false };
    chart.current = new Chart(canvas.current, { ...config, options } as ChartConfiguration);
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, []);
  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data = config.data;
    current.update('none');
  }, [config.data]);
  return (
    <div class="chart" style={{ height: `${height}px` }}>
      <canvas ref={canvas} role="img" aria-label={label} />
    </div>
  );
}
