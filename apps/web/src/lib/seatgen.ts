/** Seat map generation for the console's editor: rows × seats on a grid. */

export interface DraftSeat {
  row: string;
  number: number;
  label: string;
  x: number;
  y: number;
  /** Left out of the upload (an aisle, a pillar, a broken seat). */
  off: boolean;
}

export interface GenOptions {
  rows: number;
  seatsPerRow: number;
  /** First row name: a letter (`A` → A, B, C…) or a number (`1` → 1, 2, 3…). */
  firstRow: string;
  /** Label pattern with `{row}` and `{number}`. */
  pattern: string;
  /** Gap after every N seats (0: none), drawn as an aisle. */
  aisleEvery: number;
  /** Bend rows into an arc facing the stage. */
  curved: boolean;
}

/** `A` + 2 → `C`, `Z` + 1 → `AA`, `7` + 2 → `9`. */
export function rowName(first: string, index: number): string {
  if (/^\d+$/.test(first)) return String(Number(first) + index);
  const start = (first.toUpperCase().charCodeAt(0) || 65) - 65;
  let n = start + index;
  let s = '';
  do {
    s = String.fromCharCode(65 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
}

export function seatLabel(pattern: string, row: string, number: number): string {
  return (pattern || '{row}{number}').replaceAll('{row}', row).replaceAll('{number}', String(number));
}

export function generateSeats(o: GenOptions): DraftSeat[] {
  const out: DraftSeat[] = [];
  const rows = Math.max(0, Math.min(200, Math.floor(o.rows)));
  const per = Math.max(0, Math.min(500, Math.floor(o.seatsPerRow)));
  const mid = (per - 1) / 2;
  for (let r = 0; r < rows; r++) {
    const row = rowName(o.firstRow || 'A', r);
    for (let n = 1; n <= per; n++) {
      const aisles = o.aisleEvery > 0 ? Math.floor((n - 1) / o.aisleEvery) : 0;
      const x = n - 1 + aisles;
      const bend = o.curved ? Math.round(((n - 1 - mid) ** 2 / Math.max(1, per * 2)) * 100) / 100 : 0;
      out.push({ row, number: n, label: seatLabel(o.pattern, row, n), x, y: r * 1.2 + bend, off: false });
    }
  }
  return out;
}

/** The seats to upload (those not switched off), as `PUT …/seats` takes them. */
export function toUpload(seats: DraftSeat[]) {
  return seats.filter((s) => !s.off).map(({ row, number, label, x, y }) => ({ row, number, label, x, y }));
}
