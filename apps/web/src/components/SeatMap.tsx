import { useMemo } from 'react';
import { useTranslation } from 'react-i18next';

export interface Seat {
  id: string;
  ticket_type_id: string;
  row: string;
  number: number;
  label: string;
  x: number;
  y: number;
  state: string;
}

interface Props {
  seats: Seat[];
  selected: ReadonlySet<string>;
  onToggle?: (seat: Seat) => void;
  /** Seats of other sections are drawn dimmed and cannot be chosen. */
  ticketTypeId?: string | null;
  /** Seats the caller holds right now (drawn as selected, not as taken). */
  mine?: ReadonlySet<string>;
  /** Editor mode: every seat clickable, whatever its state. */
  editing?: boolean;
  names?: Record<string, string>;
}

const R = 0.42;

/** The seats of a session at their x/y; available seats toggle on click or Enter/Space. */
export function SeatMap({ seats, selected, onToggle, ticketTypeId, mine, editing, names }: Props) {
  const { t } = useTranslation();
  const box = useMemo(() => {
    if (seats.length === 0) return { x: 0, y: 0, w: 1, h: 1 };
    const xs = seats.map((s) => s.x);
    const ys = seats.map((s) => s.y);
    const minX = Math.min(...xs) - 1;
    const minY = Math.min(...ys) - 1.6;
    return { x: minX, y: minY, w: Math.max(...xs) + 1 - minX, h: Math.max(...ys) + 1 - minY };
  }, [seats]);

  const rows = useMemo(() => {
    const m = new Map<string, { x: number; y: number }>();
    for (const s of seats) {
      const r = m.get(s.row);
      if (!r || s.x < r.x) m.set(s.row, { x: s.x, y: s.y });
    }
    return [...m.entries()];
  }, [seats]);

  return (
    <svg
      className="seatmap"
      viewBox={`${box.x - 0.6} ${box.y} ${box.w + 0.6} ${box.h}`}
      role="group"
      aria-label={t('seats.map')}
      style={{ maxWidth: `${Math.max(320, (box.w + 0.6) * 42)}px` }}
    >
      <rect className="stage" x={box.x + 0.5} y={box.y + 0.1} width={Math.max(box.w - 1, 1)} height={0.7} rx={0.2} />
      <text className="stage-label" x={box.x + box.w / 2} y={box.y + 0.6} textAnchor="middle">
        {t('seats.stage')}
      </text>
      {rows.map(([row, p]) => (
        <text key={row} className="row-label" x={p.x - 0.8} y={p.y + 0.15} textAnchor="middle">
          {row}
        </text>
      ))}
      {seats.map((s) => {
        const isMine = mine?.has(s.id) ?? false;
        const isSel = selected.has(s.id) || isMine;
        const other = !!ticketTypeId && s.ticket_type_id !== ticketTypeId;
        const free = s.state === 'available';
        const clickable = !!onToggle && (editing || (free && !other) || isMine);
        const state = isSel ? 'selected' : editing ? s.state : free ? 'available' : 'taken';
        const name = names?.[s.ticket_type_id];
        const title = `${s.label}${name ? ` · ${name}` : ''} · ${t(`seats.state.${isSel ? 'selected' : s.state}`, {
          defaultValue: s.state,
        })}`;
        return (
          <g
            key={s.id}
            className={`seat seat-${state}${other ? ' seat-other' : ''}${clickable ? ' clickable' : ''}`}
            data-testid={`seat-${s.label}`}
            data-state={state}
            role={clickable ? 'checkbox' : 'img'}
            aria-checked={clickable ? isSel : undefined}
            aria-disabled={!clickable || undefined}
            aria-label={title}
            tabIndex={clickable ? 0 : -1}
            onClick={clickable ? () => onToggle?.(s) : undefined}
            onKeyDown={
              clickable
                ? (e) => {
                    if (e.key === 'Enter' || e.key === ' ') {
                      e.preventDefault();
                      onToggle?.(s);
                    }
                  }
                : undefined
            }
          >
            <title>{title}</title>
            <circle cx={s.x} cy={s.y} r={R} />
          </g>
        );
      })}
    </svg>
  );
}

export function SeatLegend() {
  const { t } = useTranslation();
  return (
    <ul className="legend" aria-label={t('seats.legend')}>
      {(['available', 'selected', 'taken'] as const).map((k) => (
        <li key={k}>
          <svg width="14" height="14" aria-hidden="true">
            <circle className={`legend-dot seat-${k}`} cx="7" cy="7" r="6" />
          </svg>
          {t(`seats.state.${k}`)}
        </li>
      ))}
    </ul>
  );
}
