import { useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { json } from '@codemirror/lang-json';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorSelection } from '@codemirror/state';
import { EditorView } from '@codemirror/view';
import { call, newIdempotencyKey } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { useDebounced } from '../../lib/useDebounced';
import {
  countBatch,
  exampleBatch,
  formatBatch,
  itemTitle,
  locator,
  MAX_ITEMS,
  parseBatch,
  resultFromError,
  type BulkFormat,
  type BulkMode,
  type BulkResult,
  type Location,
  type ParsedBatch,
} from '../../lib/bulk';
import { CodeField, type CodeFieldHandle } from '../../components/CodeField';
import { Badge, ErrorView } from '../../components/ui';
import { useConsolePath } from './shared';

const MEDIA: Record<BulkFormat, string> = { json: 'application/json', ndjson: 'application/x-ndjson' };
const EXTENSIONS = [json(), lintGutter()];

function download(name: string, text: string, type: string) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** What the text holds, as a line under the editor. */
function BatchStatus({ batch }: { batch: ParsedBatch }) {
  const { t } = useTranslation();
  if (!batch.ok) {
    if (batch.reason === 'empty') return <p className="muted small">{t('bulk.empty')}</p>;
    if (batch.reason === 'not_array') return <p className="field-error">{t('bulk.notArray')}</p>;
    return (
      <p className="field-error">
        {batch.line != null ? t('bulk.syntaxAt', { line: batch.line, column: batch.column ?? 1 }) : t('bulk.syntax')} {batch.message}
        {batch.format === 'ndjson' && <span className="muted"> · {t('bulk.ndjsonHint')}</span>}
      </p>
    );
  }
  const c = countBatch(batch.items);
  return (
    <p className={batch.items.length > MAX_ITEMS ? 'field-error' : 'small'}>
      {t(`bulk.format.${batch.format}`)} · {t('bulk.counts', { events: c.events, sessions: c.sessions, ticketTypes: c.ticketTypes })}
      {batch.items.length > MAX_ITEMS && <> · {t('bulk.tooMany', { max: MAX_ITEMS })}</>}
    </p>
  );
}

interface Outcome {
  result: BulkResult;
  replayed: boolean;
  /** The atomic import failed: nothing was written. */
  failed: boolean;
  titles: (string | null)[];
  /** Where each error path is in the text that was sent. */
  locate: (path: string) => Location | null;
  sent: string;
  /** Which send this is (a new one starts the view afresh). */
  attempt: number;
}

function StatusBadge({ status }: { status: string }) {
  const { t } = useTranslation();
  const kind = status === 'created' ? 'on_sale' : status === 'invalid' ? 'cancelled' : 'presale';
  return <Badge kind={kind}>{t(`bulk.st.${status}`, { defaultValue: status })}</Badge>;
}

function ResultView({ outcome, current, onShow }: { outcome: Outcome; current: string; onShow: (l: Location) => void }) {
  const { t } = useTranslation();
  const cp = useConsolePath();
  const { result, replayed, failed, titles, locate } = outcome;
  const [onlyInvalid, setOnlyInvalid] = useState(result.invalid > 0);
  const canShow = current === outcome.sent;
  const rows = onlyInvalid ? result.items.filter((i) => i.status === 'invalid') : result.items;
  return (
    <section className="panel" aria-labelledby="bulk-result-h" aria-live="polite">
      <div className="row between wrap">
        <h2 id="bulk-result-h">{t('bulk.result')}</h2>
        <button
          type="button"
          className="btn small"
          onClick={() => download('import-result.json', JSON.stringify(result, null, 2), 'application/json')}
        >
          {t('bulk.downloadResult')}
        </button>
      </div>
      {replayed && <p className="panel notice">{t('bulk.replayed')}</p>}
      {failed && (
        <p className="panel error-panel" role="alert">
          {t('bulk.atomicFailed', { invalid: result.invalid })}
        </p>
      )}
      <div className="stats">
        {(
          [
            ['total', result.total],
            ['created', result.created],
            ['invalid', result.invalid],
          ] as const
        ).map(([k, v]) => (
          <div key={k} className="stat" role="group" aria-label={t(`bulk.stat.${k}`)}>
            <div className="stat-value">{v}</div>
            <div className="stat-label">{t(`bulk.stat.${k}`)}</div>
          </div>
        ))}
      </div>
      <p className="muted small">
        {t('bulk.modeWas', { mode: t(`bulk.mode.${result.mode}`) })}
        {result.import_id && (
          <>
            {' · '}
            {t('bulk.importId')} <code>{result.import_id}</code>
          </>
        )}
      </p>
      {result.invalid > 0 && (
        <label className="checkbox">
          <input type="checkbox" checked={onlyInvalid} onChange={(e) => setOnlyInvalid(e.target.checked)} /> {t('bulk.onlyInvalid')}
        </label>
      )}
      <div className="table-scroll">
        <table className="table small">
          <thead>
            <tr>
              <th>{t('bulk.item')}</th>
              <th>{t('ev.title')}</th>
              <th>{t('hooks.status')}</th>
              <th>{t('bulk.details')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((it) => (
              <tr key={it.index}>
                <td>
                  <code>items[{it.index}]</code>
                </td>
                <td>{titles[it.index] ?? <span className="muted">—</span>}</td>
                <td>
                  <StatusBadge status={it.status} />
                </td>
                <td>
                  {it.id && (
                    <>
                      <Link to={cp(`/events/${it.id}`)}>{t('bulk.openEvent')}</Link>{' '}
                      <span className="muted">
                        {t('bulk.createdParts', {
                          sessions: it.sessions?.length ?? 0,
                          ticketTypes: (it.sessions ?? []).reduce((n, s) => n + s.ticket_type_ids.length, 0),
                        })}
                      </span>
                    </>
                  )}
                  {it.status === 'not_imported' && <span className="muted">{t('bulk.notImportedHint')}</span>}
                  {(it.errors ?? []).length > 0 && (
                    <ul className="small">
                      {(it.errors ?? []).map((e, i) => {
                        const at = locate(e.field);
                        return (
                          <li key={i}>
                            <code>{e.field}</code> <span className="field-error">{e.message}</span>{' '}
                            <span className="muted">({e.code})</span>
                            {at && (
                              <>
                                {' '}
                                <button
                                  type="button"
                                  className="btn small"
                                  disabled={!canShow}
                                  title={canShow ? undefined : t('bulk.textChanged')}
                                  onClick={() => onShow(at)}
                                  aria-label={t('bulk.showAtLong', { line: at.line, column: at.column, field: e.field })}
                                >
                                  {t('bulk.showAt', { line: at.line, column: at.column })}
                                </button>
                              </>
                            )}
                          </li>
                        );
                      })}
                    </ul>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Events with their dates and ticket types from a JSON array or NDJSON, in one request (organizers and admins). */
export default function BulkImport() {
  const { t } = useTranslation();
  const { api } = useTenant();
  const qc = useQueryClient();
  const editor = useRef<CodeFieldHandle>(null);
  const [text, setText] = useState('');
  const [mode, setMode] = useState<BulkMode>('atomic');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [failure, setFailure] = useState<unknown>(null);
  // One key per batch and mode: sending the same again (after a lost answer) replays, never imports twice.
  const key = useRef<{ sig: string; key: string } | null>(null);
  const shown = useDebounced(text, 250);
  const batch = useMemo(() => parseBatch(shown), [shown]);

  const mark = (o: Outcome | null) => {
    const view = editor.current?.view();
    if (!view) return;
    const diags: Diagnostic[] = [];
    if (o && view.state.doc.toString() === o.sent) {
      for (const it of o.result.items) {
        for (const e of it.errors ?? []) {
          const at = o.locate(e.field);
          if (at) diags.push({ from: at.from, to: Math.max(at.to, at.from + 1), severity: 'error', message: `${e.field}: ${e.message}` });
        }
      }
    }
    view.dispatch(setDiagnostics(view.state, diags));
  };

  const show = (at: Location) => {
    const view = editor.current?.view();
    if (!view) return;
    view.dispatch({ selection: EditorSelection.range(at.from, at.to), effects: EditorView.scrollIntoView(at.from, { y: 'center' }) });
    view.focus();
  };

  const change = (v: string) => {
    setText(v);
    if (outcome) mark(null);
  };

  const replaceText = (v: string) => {
    if (text.trim() && !confirm(t('bulk.confirmReplace'))) return;
    change(v);
    setOutcome(null);
    setFailure(null);
  };

  const loadFile = async (f: File | undefined) => {
    if (!f) return;
    try {
      replaceText(await f.text());
    } catch (e) {
      toast.error(t('bulk.fileUnreadable', { error: e instanceof Error ? e.message : String(e) }));
    }
  };

  const send = async () => {
    const b = parseBatch(text);
    if (!b.ok) {
      toast.error(b.reason === 'empty' ? t('bulk.empty') : t('bulk.fixFirst'));
      return;
    }
    if (b.items.length > MAX_ITEMS) {
      toast.error(t('bulk.tooMany', { max: MAX_ITEMS }));
      return;
    }
    const sig = `${mode}\n${text}`;
    if (key.current?.sig !== sig) key.current = { sig, key: newIdempotencyKey() };
    const base = { sent: text, titles: b.items.map(itemTitle), locate: locator(text, b), attempt: (outcome?.attempt ?? 0) + 1 };
    setBusy(true);
    setFailure(null);
    try {
      const res = await api.POST('/api/v1/bulk/events', {
        params: { query: { mode }, header: { 'Idempotency-Key': key.current.key } },
        // Sent as typed: a JSON array as JSON, NDJSON as NDJSON (the server's item i is our line i).
        body: text,
        bodySerializer: (s) => s as string,
        headers: { 'Content-Type': MEDIA[b.format] },
      });
      const result = await call(Promise.resolve(res));
      const o: Outcome = { ...base, result, replayed: res.response.headers.get('Idempotent-Replayed') === 'true', failed: false };
      setOutcome(o);
      mark(o);
      if (o.replayed) toast.info(t('bulk.replayed'));
      else if (result.invalid > 0) toast.warning(t('bulk.partialDone', { created: result.created, total: result.total }));
      else toast.success(t('bulk.done', { created: result.created }));
      if (result.created > 0) {
        void qc.invalidateQueries({ queryKey: ['console-events'] });
        void qc.invalidateQueries({ queryKey: ['console-events-all'] });
      }
    } catch (e) {
      const result = resultFromError(e);
      if (result) {
        const o: Outcome = { ...base, result, replayed: false, failed: true };
        setOutcome(o);
        mark(o);
        toast.error(t('bulk.atomicFailed', { invalid: result.invalid }));
      } else {
        setOutcome(null);
        setFailure(e);
      }
    } finally {
      setBusy(false);
    }
  };

  const ex = () => exampleBatch();
  const tooMany = batch.ok && batch.items.length > MAX_ITEMS;

  return (
    <div>
      <h1>{t('console.nav.import')}</h1>
      <p className="muted">{t('bulk.intro', { max: MAX_ITEMS })}</p>
      <section className="panel" aria-labelledby="bulk-source-h">
        <div className="row between wrap">
          <h2 id="bulk-source-h">{t('bulk.source')}</h2>
          <div className="row wrap">
            <button type="button" className="btn small" onClick={() => replaceText(formatBatch(ex(), 'json'))}>
              {t('bulk.insertExample')}
            </button>
            <button type="button" className="btn small" onClick={() => download('events-example.json', formatBatch(ex(), 'json'), MEDIA.json)}>
              {t('bulk.downloadExample', { format: 'JSON' })}
            </button>
            <button type="button" className="btn small" onClick={() => download('events-example.ndjson', formatBatch(ex(), 'ndjson'), MEDIA.ndjson)}>
              {t('bulk.downloadExample', { format: 'NDJSON' })}
            </button>
          </div>
        </div>
        <div className="field">
          <label htmlFor="bulk-file">{t('bulk.file')}</label>
          <input
            id="bulk-file"
            type="file"
            accept=".json,.ndjson,.jsonl,application/json,application/x-ndjson"
            onChange={(e) => {
              void loadFile(e.target.files?.[0]);
              e.target.value = '';
            }}
          />
        </div>
        <CodeField
          ref={editor}
          label={t('bulk.text')}
          hint={t('bulk.textHint')}
          value={text}
          onChange={change}
          extensions={EXTENSIONS}
          height="380px"
          placeholder='[{"title": "…", "category": "music", "starts_at": "…", "ends_at": "…", "timezone": "Europe/Madrid", "sessions": […]}]'
        />
        <div aria-live="polite">
          <BatchStatus batch={batch} />
        </div>
        <fieldset>
          <legend>{t('bulk.modeLabel')}</legend>
          {(['atomic', 'partial'] as const).map((m) => (
            <label key={m} className="checkbox">
              <input type="radio" name="bulk-mode" value={m} checked={mode === m} onChange={() => setMode(m)} /> {t(`bulk.mode.${m}`)}
              <span className="muted small"> — {t(`bulk.modeHint.${m}`)}</span>
            </label>
          ))}
        </fieldset>
      </section>
      <div className="sticky-bar">
        <span className="small">{batch.ok ? t('bulk.ready', { count: batch.items.length }) : t('bulk.notReady')}</span>
        <button type="button" className="btn primary" disabled={busy || !text.trim() || tooMany} onClick={() => void send()}>
          {busy ? t('bulk.importing') : t('bulk.import')}
        </button>
      </div>
      {failure != null && <ErrorView error={failure} retry={() => void send()} />}
      {outcome && <ResultView key={outcome.attempt} outcome={outcome} current={text} onShow={show} />}
    </div>
  );
}
