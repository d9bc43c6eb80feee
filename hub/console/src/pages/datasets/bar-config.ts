/** The Chart.js bar chart of the dataset page: counts per bin or category, no legend, y from zero. */
import type { ChartConfiguration } from 'chart.js';
import { SERIES_COLOURS } from '../../components/chart';

export function barConfig(labels: string[], counts: number[], options: { histogram: boolean; axis: string }): ChartConfiguration {
  return {
    type: 'bar',
    data: {
      labels,
      datasets: [
        {
          label: 'rows',
          data: counts,
          backgroundColor: SERIES_COLOURS[0],
          // adjacent bars for a histogram's continuous bins, gaps between categories
          ...(options.histogram ? { categoryPercentage: 1, barPercentage: 0.98 } : {}),
        },
      ],
    },
    options: {
      plugins: { legend: { display: false } },
      scales: {
        x: { title: { display: true, text: options.axis }, ticks: { maxRotation: 45, autoSkip: true } },
        y: { beginAtZero: true, title: { display: true, text: 'rows' } },
      },
    },
  };
}
