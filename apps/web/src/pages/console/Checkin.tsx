import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';
import { verdictOf, type Verdict } from '../../lib/checkin';
import { SessionPicker, usePicked } from './shared';

const GATE_KEY = 'taquilla.gate';

function Camera({ onToken }: { onToken: (token: string) => void }) {
  const { t } = useTranslation();
  const video = useRef<HTMLVideoElement>(null);
  const [error, setError] = useState<string | null>(null);
  const cb = useRef(onToken);
  cb.current = onToken;
  useEffect(() => {
    let scanner: { start(): Promise<void>; stop(): void; destroy(): void } | null = null;
    let cancelled = false;
    void (async () => {
      try {
        const { default: QrScanner } = await import('qr-scanner');
        if (cancelled || !video.current) return;
        if (!(await QrScanner.hasCamera())) {
          setError(t('checkin.noCamera'));
          return;
        }
        const s = new QrScanner(video.current, (r) => cb.current(r.data), {
          returnDetailedScanResult: true,
          highlightScanRegion: true,
          highlightCodeOutline: true,
          maxScansPerSecond: 5,
        });
        scanner = s;
        await s.start();
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      }
    })();
    return () => {
      cancelled = true;
      scanner?.stop();
      scanner?.destroy();
    };
  }, [t]);
  return (
    <div className="camera">
      <video ref={video} muted playsInline aria-label={t('checkin.camera')} />
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function VerdictPanel({ v }: { v: Verdict }) {
  const { t } = useTranslation();
  return (
    <div className={`verdict ${v.ok ? 'verdict-ok' : 'verdict-no'}`} role="alert" aria-live="assertive">
      <div className="verdict-icon" aria-hidden="true">
        {v.ok ? '✔' : '✘'}
      </div>
      <div className="verdict-title">{t(v.title)}</div>
      {v.ticket && (
        <div className="verdict-detail">
          <strong>{v.ticket.owner_name}</strong> · {v.ticket.ticket_type}
          {v.ticket.seat_label && ` · ${t('tickets.seat')} ${v.ticket.seat_label}`}
        </div>
      )}
      {v.code === 'already_used' && (
        <div className="verdict-detail">
          {t('checkin.usedWhen', { when: dateTime(v.usedAt), gate: v.usedGate ?? '—' })}
          {v.usedBy && <div>{t('checkin.usedBy', { name: v.usedBy })}</div>}
        </div>
      )}
      {v.code === 'invalid_ticket' && (
        <div className="verdict-detail">{t(`checkin.reason.${v.reason ?? 'unknown'}`, { defaultValue: v.detail ?? v.reason ?? '' })}</div>
      )}
      {v.code !== 'already_used' && v.code !== 'invalid_ticket' && !v.ok && <div className="verdict-detail">{v.detail}</div>}
    </div>
  );
}

export default function Checkin() {
  const { t } = useTranslation();
  const { api } = useTenant();
  const [pick, setPick] = usePicked();
  const [gate, setGate] = useState(() => localStorage.getItem(GATE_KEY) ?? '');
  const [camera, setCamera] = useState(false);
  const [manual, setManual] = useState('');
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const [busy, setBusy] = useState(false);
  const [count, setCount] = useState(0);
  const last = useRef<{ token: string; at: number } | null>(null);
  const busyRef = useRef(false);

  const scan = useCallback(
    async (raw: string) => {
      const token = raw.trim();
      if (!token || busyRef.current) return;
      if (!gate.trim()) {
        setVerdict({ ok: false, title: 'checkin.gateFirst', code: 'gate_required' });
        return;
      }
      // The camera sees the same code many times a second: one scan per code every 3 s.
      if (last.current && last.current.token === token && Date.now() - last.current.at < 3000) return;
      last.current = { token, at: Date.now() };
      busyRef.current = true;
      setBusy(true);
      try {
        const result = await call(
          api.POST('/api/v1/checkin', { body: { token, gate: gate.trim(), session_id: pick.sessionId || null } }),
        );
        setVerdict(verdictOf({ result }));
        setCount((c) => c + 1);
        navigator.vibrate?.(120);
      } catch (error) {
        setVerdict(verdictOf({ error }));
        navigator.vibrate?.([80, 60, 80, 60, 200]);
      } finally {
        busyRef.current = false;
        setBusy(false);
      }
    },
    [api, gate, pick.sessionId],
  );

  return (
    <div className="checkin">
      <h1>{t('console.nav.checkin')}</h1>
      <div className="row wrap">
        <div className="field">
          <label htmlFor="gate">{t('checkin.gate')}</label>
          <input
            id="gate"
            value={gate}
            required
            maxLength={100}
            placeholder={t('checkin.gatePlaceholder')}
            onChange={(e) => {
              setGate(e.target.value);
              localStorage.setItem(GATE_KEY, e.target.value);
            }}
          />
        </div>
        <SessionPicker eventId={pick.eventId} sessionId={pick.sessionId} onChange={setPick} optional />
      </div>
      <p className="muted small">{t('checkin.admittedCount', { count })}</p>
      {verdict && <VerdictPanel v={verdict} />}
      <div className="checkin-inputs">
        <section className="panel">
          <button className={`btn ${camera ? '' : 'primary'} big`} onClick={() => setCamera((c) => !c)} aria-pressed={camera}>
            {camera ? t('checkin.stopCamera') : t('checkin.startCamera')}
          </button>
          {camera && <Camera onToken={(tok) => void scan(tok)} />}
        </section>
        <form
          className="panel form"
          onSubmit={(e) => {
            e.preventDefault();
            last.current = null;
            void scan(manual).then(() => setManual(''));
          }}
        >
          <div className="field">
            <label htmlFor="token">{t('checkin.manual')}</label>
            <input id="token" value={manual} autoComplete="off" spellCheck={false} onChange={(e) => setManual(e.target.value)} placeholder={t('checkin.tokenPlaceholder')} />
          </div>
          <button className="btn primary big" type="submit" disabled={busy || !manual.trim()}>
            {busy ? t('common.working') : t('checkin.check')}
          </button>
        </form>
      </div>
    </div>
  );
}
