import { useEffect, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { ApiError } from '../../api/problem';
import { useTenant } from '../../lib/TenantContext';
import { generateSeats, seatLabel, toUpload, type DraftSeat, type GenOptions } from '../../lib/seatgen';
import { toastError } from '../../lib/forms';
import { SeatMap, type Seat } from '../../components/SeatMap';
import { ErrorView, Skeleton } from '../../components/ui';
import { useConsolePath } from './shared';

export default function SeatEditor() {
  const { t } = useTranslation();
  const { eventId = '', sid = '', ttid = '' } = useParams();
  const { api, slug } = useTenant();
  const cp = useConsolePath();
  const qc = useQueryClient();
  const tt = useQuery({
    queryKey: ['ticket-type', slug, ttid],
    queryFn: () => call(api.GET('/api/v1/ticket-types/{id}', { params: { path: { id: ttid } } })),
  });
  const seats = useQuery({
    queryKey: ['seats', slug, sid],
    queryFn: () => call(api.GET('/api/v1/sessions/{sid}/seats', { params: { path: { sid } } })),
  });
  const [opts, setOpts] = useState<GenOptions>({ rows: 5, seatsPerRow: 10, firstRow: 'A', pattern: '{row}{number}', aisleEvery: 0, curved: false });
  const [draft, setDraft] = useState<DraftSeat[] | null>(null);
  const [saving, setSaving] = useState(false);
  const [editLabel, setEditLabel] = useState<number | null>(null);

  useEffect(() => {
    if (draft === null && seats.data) {
      const mine = seats.data.filter((s) => s.ticket_type_id === ttid);
      setDraft(mine.map((s) => ({ row: s.row, number: s.number, label: s.label, x: s.x, y: s.y, off: false })));
    }
  }, [seats.data, ttid, draft]);

  const asSeats: Seat[] = useMemo(
    () =>
      (draft ?? []).map((d, i) => ({
        id: String(i),
        ticket_type_id: ttid,
        row: d.row,
        number: d.number,
        label: d.label,
        x: d.x,
        y: d.y,
        state: d.off ? 'off' : 'available',
      })),
    [draft, ttid],
  );
  const inUse = (seats.data ?? []).some((s) => s.ticket_type_id === ttid && s.state !== 'available');

  if (tt.isPending || seats.isPending) return <Skeleton lines={8} />;
  if (tt.isError) return <ErrorView error={tt.error} />;
  if (seats.isError) return <ErrorView error={seats.error} />;
  const count = (draft ?? []).filter((d) => !d.off).length;

  const num = (k: keyof GenOptions) => (e: React.ChangeEvent<HTMLInputElement>) => setOpts({ ...opts, [k]: Number(e.target.value) });
  const save = async () => {
    if (!draft) return;
    setSaving(true);
    try {
      await call(api.PUT('/api/v1/ticket-types/{id}/seats', { params: { path: { id: ttid } }, body: { seats: toUpload(draft) } }));
      toast.success(t('seatEd.saved', { count }));
      void qc.invalidateQueries({ queryKey: ['seats', slug, sid] });
      void qc.invalidateQueries({ queryKey: ['ticket-types', slug, sid] });
      void qc.invalidateQueries({ queryKey: ['ticket-type', slug, ttid] });
    } catch (e) {
      if (e instanceof ApiError && e.field) {
        const m = /seats\[(\d+)\]/.exec(e.field);
        if (m) {
          const uploaded = draft.filter((d) => !d.off)[Number(m[1])];
          toast.error(`${uploaded?.label ?? e.field}: ${e.detail}`);
          setSaving(false);
          return;
        }
      }
      toastError(e);
    }
    setSaving(false);
  };

  return (
    <div>
      <nav className="crumbs" aria-label={t('nav.breadcrumbs')}>
        <Link to={cp(`/events/${eventId}/sessions/${sid}`)}>{t('console.session')}</Link> / <span>{tt.data.name}</span>
      </nav>
      <h1>{t('seatEd.title', { name: tt.data.name })}</h1>
      {inUse && (
        <p className="panel notice" role="status">
          {t('seatEd.inUse')}
        </p>
      )}
      <section className="panel">
        <h2>{t('seatEd.generate')}</h2>
        <div className="form grid-form four">
          <div className="field">
            <label htmlFor="g-rows">{t('seatEd.rows')}</label>
            <input id="g-rows" type="number" min={1} max={200} value={opts.rows} onChange={num('rows')} />
          </div>
          <div className="field">
            <label htmlFor="g-per">{t('seatEd.perRow')}</label>
            <input id="g-per" type="number" min={1} max={500} value={opts.seatsPerRow} onChange={num('seatsPerRow')} />
          </div>
          <div className="field">
            <label htmlFor="g-first">{t('seatEd.firstRow')}</label>
            <input id="g-first" value={opts.firstRow} maxLength={3} onChange={(e) => setOpts({ ...opts, firstRow: e.target.value })} />
          </div>
          <div className="field">
            <label htmlFor="g-aisle">{t('seatEd.aisleEvery')}</label>
            <input id="g-aisle" type="number" min={0} value={opts.aisleEvery} onChange={num('aisleEvery')} />
          </div>
          <div className="field">
            <label htmlFor="g-pattern">{t('seatEd.pattern')}</label>
            <input id="g-pattern" value={opts.pattern} onChange={(e) => setOpts({ ...opts, pattern: e.target.value })} />
          </div>
          <label className="checkbox">
            <input type="checkbox" checked={opts.curved} onChange={(e) => setOpts({ ...opts, curved: e.target.checked })} /> {t('seatEd.curved')}
          </label>
        </div>
        <div className="row">
          <button
            className="btn"
            onClick={() => {
              if (draft && draft.length > 0 && !confirm(t('seatEd.confirmReplace'))) return;
              setDraft(generateSeats(opts));
            }}
          >
            {t('seatEd.generateBtn')}
          </button>
          <button
            className="btn"
            disabled={!draft?.length}
            onClick={() => setDraft((d) => d?.map((s) => ({ ...s, label: seatLabel(opts.pattern, s.row, s.number) })) ?? null)}
          >
            {t('seatEd.relabel')}
          </button>
        </div>
      </section>
      <p className="muted">{t('seatEd.help')}</p>
      <div className="seatmap-wrap editor">
        <SeatMap
          seats={asSeats}
          selected={new Set()}
          editing
          onToggle={(s) => {
            const i = Number(s.id);
            setDraft((d) => d?.map((x, j) => (j === i ? { ...x, off: !x.off } : x)) ?? null);
            setEditLabel(i);
          }}
        />
      </div>
      {editLabel != null && draft?.[editLabel] && (
        <div className="panel row wrap">
          <label htmlFor="seat-label">
            {t('seatEd.labelOf', { row: draft[editLabel].row, number: draft[editLabel].number })}
          </label>
          <input
            id="seat-label"
            value={draft[editLabel].label}
            onChange={(e) => setDraft((d) => d?.map((x, j) => (j === editLabel ? { ...x, label: e.target.value } : x)) ?? null)}
          />
          <span className="muted small">{draft[editLabel].off ? t('seatEd.isOff') : t('seatEd.isOn')}</span>
        </div>
      )}
      <div className="sticky-bar">
        <span>{t('seatEd.count', { count })}</span>
        <button className="btn primary" disabled={saving || count === 0 || inUse} onClick={() => void save()}>
          {saving ? t('common.working') : t('seatEd.save')}
        </button>
      </div>
    </div>
  );
}
