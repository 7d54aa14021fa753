/**
 * Charts as inline SVG, rendered on the server by echarts (no DOM, no script in the page).
 * echarts escapes its labels; callers still pass only numbers and category names.
 */
import * as echarts from 'echarts';

const palette = ['#3b6ea5', '#c8553d', '#588157', '#8e6c8a', '#d4a373', '#6c757d'];

function render(option: echarts.EChartsOption, width = 720, height = 280): string {
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  chart.setOption({ animation: false, color: palette, textStyle: { fontFamily: 'system-ui, sans-serif' }, ...option });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

export interface Bars {
  title: string;
  categories: string[];
  series: { name: string; values: number[] }[];
  /** Vertical marker lines at category indices (thresholds). */
  markers?: { at: number; label: string }[];
  stacked?: boolean;
  horizontal?: boolean;
  yLabel?: string;
}

export function barChart(bars: Bars, width?: number, height?: number): string {
  const category = { type: 'category' as const, data: bars.categories, axisLabel: { interval: 'auto' as const, hideOverlap: true } };
  const value = { type: 'value' as const, name: bars.yLabel ?? '' };
  return render(
    {
      title: { text: bars.title, left: 'center', textStyle: { fontSize: 13 } },
      grid: { left: bars.horizontal ? 140 : 60, right: 30, top: 40, bottom: 40 },
      legend: bars.series.length > 1 ? { bottom: 0 } : undefined,
      xAxis: bars.horizontal ? value : category,
      yAxis: bars.horizontal ? { ...category, inverse: true } : value,
      series: bars.series.map((s, i) => ({
        type: 'bar' as const,
        name: s.name,
        data: s.values,
        ...(bars.stacked ? { stack: 'all' } : {}),
        ...(i === 0 && bars.markers?.length
          ? {
              markLine: {
                symbol: 'none',
                lineStyle: { color: '#c8553d', type: 'dashed' as const },
                label: { formatter: '{b}' },
                data: bars.markers.map((m) => ({ name: m.label, xAxis: m.at })),
              },
            }
          : {}),
      })),
    },
    width,
    height,
  );
}

export interface Lines {
  title: string;
  x: number[];
  series: { name: string; values: number[] }[];
  xLabel?: string;
  yLabel?: string;
}

export function lineChart(lines: Lines, width?: number, height?: number): string {
  return render(
    {
      title: { text: lines.title, left: 'center', textStyle: { fontSize: 13 } },
      grid: { left: 60, right: 30, top: 40, bottom: 50 },
      legend: lines.series.length > 1 ? { bottom: 0 } : undefined,
      xAxis: { type: 'value', name: lines.xLabel ?? '', min: Math.min(...lines.x), max: Math.max(...lines.x), nameLocation: 'middle', nameGap: 25 },
      yAxis: { type: 'value', name: lines.yLabel ?? '', min: 0, max: 1 },
      series: lines.series.map((s) => ({ type: 'line' as const, name: s.name, showSymbol: true, data: lines.x.map((x, i) => [x, s.values[i]]) })),
    },
    width,
    height,
  );
}
