// A terminal sparkline: one block character per value, scaled between the series' min and max.

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/**
 * Renders `values` as a sparkline (nulls as a space). A flat series is drawn at mid height.
 * @returns '' for an empty series
 */
export function sparkline(values: ReadonlyArray<number | null>): string {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (known.length === 0) return values.map(() => ' ').join('');
  const min = Math.min(...known);
  const max = Math.max(...known);
  return values
    .map((v) => {
      if (v === null || !Number.isFinite(v)) return ' ';
      if (max === min) return BLOCKS[3]!;
      return BLOCKS[Math.round(((v - min) / (max - min)) * (BLOCKS.length - 1))]!;
    })
    .join('');
}
