import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import CodeMirror, { type ReactCodeMirrorRef } from '@uiw/react-codemirror';
import { javascript } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';
import { EditorView } from '@codemirror/view';
import { call } from '../../api/client';
import type { components } from '../../api/schema';
import { useTenant } from '../../lib/TenantContext';
import { toastError } from '../../lib/forms';
import { dateTime } from '../../lib/format';
import { errorRange, where, type ScriptError, type TestResult } from '../../lib/scriptErrors';
import { Badge, ErrorView, Skeleton } from '../../components/ui';
import { useConsolePath } from './shared';

type Report = components['schemas']['ScriptTestReport'];

/** The heading names the editable area itself (a wrapper's label is not read on focus). */
const labelledBy = (id: string) => EditorView.contentAttributes.of({ 'aria-labelledby': id });
const SOURCE_EXTENSIONS = [javascript(), lintGutter(), labelledBy('src-label')];
const TESTS_EXTENSIONS = [json(), labelledBy('tests-label')];
const ADHOC_EXTENSIONS = [json(), labelledBy('ctx-label')];

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: text.trim() ? JSON.parse(text) : null };
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) };
  }
}

export default function ScriptEditor() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const { api, slug } = useTenant();
  const cp = useConsolePath();
  const qc = useQueryClient();
  const editor = useRef<ReactCodeMirrorRef>(null);
  const script = useQuery({
    queryKey: ['script', slug, id],
    queryFn: () => call(api.GET('/api/v1/scripts/{id}', { params: { path: { id } } })),
  });
  const [source, setSource] = useState('');
  const [tests, setTests] = useState('');
  const [adhoc, setAdhoc] = useState('');
  const [report, setReport] = useState<Report | null>(null);
  const [busy, setBusy] = useState(false);
  const [version, setVersion] = useState<number>(0);
  const loaded = useRef<string | null>(null);

  useEffect(() => {
    const s = script.data;
    if (s && loaded.current !== `${s.id}:${s.latest_version}`) {
      loaded.current = `${s.id}:${s.latest_version}`;
      setSource(s.source);
      setTests(JSON.stringify(s.test_cases, null, 2));
      setVersion(s.latest_version);
    }
  }, [script.data]);

  const testsParsed = useMemo(() => parseJson(tests), [tests]);
  const dirty = !!script.data && (source !== script.data.source || (testsParsed.ok && JSON.stringify(testsParsed.value) !== JSON.stringify(script.data.test_cases)));

  const markErrors = (r: Report | null) => {
    const view = editor.current?.view;
    if (!view) return;
    const diags: Diagnostic[] = [];
    const add = (e: ScriptError | undefined | null, prefix: string) => {
      if (!e || e.line == null) return;
      const { from, to } = errorRange(view.state.doc.toString(), e.line, e.column);
      diags.push({ from, to, severity: 'error', message: `${prefix}${e.code}: ${e.message}` });
    };
    if (r) {
      add(r.compile_error as ScriptError | null, '');
      for (const x of r.results as unknown as TestResult[]) add(x.error, `${x.name}: `);
    }
    view.dispatch(setDiagnostics(view.state, diags));
  };

  const save = async (): Promise<number | null> => {
    if (!testsParsed.ok || !Array.isArray(testsParsed.value)) {
      toast.error(t('scripts.testsInvalid'));
      return null;
    }
    const s = await call(
      api.POST('/api/v1/scripts/{id}/versions', {
        params: { path: { id } },
        body: { source, test_cases: testsParsed.value as Record<string, never>[] },
      }),
    );
    qc.setQueryData(['script', slug, id], s);
    toast.success(t('scripts.saved', { version: s.latest_version }));
    return s.latest_version;
  };

  const run = async () => {
    setBusy(true);
    try {
      let v: number | null = version || null;
      if (dirty) {
        v = await save();
        if (v == null) return;
      }
      const ctx = parseJson(adhoc);
      if (!ctx.ok) {
        toast.error(t('scripts.contextInvalid', { error: ctx.error }));
        return;
      }
      const r = await call(
        api.POST('/api/v1/scripts/{id}/test', {
          params: { path: { id } },
          body: { version: v, context: (ctx.value as Record<string, never>) ?? null },
        }),
      );
      setReport(r);
      markErrors(r);
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
    }
  };

  const activate = async (v: number) => {
    setBusy(true);
    try {
      const s = await call(api.POST('/api/v1/scripts/{id}/activate', { params: { path: { id } }, body: { version: v } }));
      qc.setQueryData(['script', slug, id], s);
      void qc.invalidateQueries({ queryKey: ['scripts', slug] });
      void qc.invalidateQueries({ queryKey: ['script-versions', slug, id] });
      toast.success(t('scripts.activated', { version: v }));
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
    }
  };

  const deactivate = async () => {
    setBusy(true);
    try {
      const s = await call(api.POST('/api/v1/scripts/{id}/deactivate', { params: { path: { id } } }));
      qc.setQueryData(['script', slug, id], s);
      void qc.invalidateQueries({ queryKey: ['script-versions', slug, id] });
      toast.success(t('scripts.deactivated'));
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
    }
  };

  if (script.isPending) return <Skeleton lines={10} />;
  if (script.isError) return <ErrorView error={script.error} retry={() => void script.refetch()} />;
  const s = script.data;
  const compile = report?.compile_error as ScriptError | null | undefined;
  const results = (report?.results ?? []) as unknown as TestResult[];

  return (
    <div>
      <nav className="crumbs" aria-label={t('nav.breadcrumbs')}>
        <Link to={cp('/scripts')}>{t('console.nav.scripts')}</Link> / <span>{s.name}</span>
      </nav>
      <div className="row between wrap">
        <h1>
          {s.name} <Badge>{t(`scripts.${s.kind}`, { defaultValue: s.kind })}</Badge>{' '}
          {s.active_version != null ? (
            <Badge kind="on_sale">{t('scripts.liveVersion', { version: s.active_version })}</Badge>
          ) : (
            <Badge>{t('scripts.inactive')}</Badge>
          )}
        </h1>
        <div className="row wrap">
          <label className="inline">
            {t('scripts.version')}{' '}
            <select value={version} onChange={(e) => setVersion(Number(e.target.value))}>
              {Array.from({ length: s.latest_version }, (_, i) => s.latest_version - i).map((v) => (
                <option key={v} value={v}>
                  v{v}
                  {v === s.active_version ? ` (${t('scripts.live')})` : ''}
                </option>
              ))}
            </select>
          </label>
          <button className="btn primary" disabled={busy || dirty} onClick={() => void activate(version)} title={dirty ? t('scripts.saveFirst') : undefined}>
            {s.active_version != null && version < s.active_version ? t('scripts.rollback', { version }) : t('scripts.activate', { version })}
          </button>
          {s.active_version != null && (
            <button className="btn danger" disabled={busy} onClick={() => void deactivate()}>
              {t('scripts.deactivate')}
            </button>
          )}
        </div>
      </div>
      <p className="muted small">{t('scripts.editingLatest', { version: s.latest_version })}</p>
      <div className="editor-grid">
        <section className="panel">
          <h2 id="src-label">{t('scripts.source')}</h2>
          <CodeMirror
            ref={editor}
            value={source}
            height="420px"
            extensions={SOURCE_EXTENSIONS}
            onChange={(v) => {
              setSource(v);
              if (report) markErrors(null);
            }}
            aria-labelledby="src-label"
          />
        </section>
        <section className="panel">
          <h2 id="tests-label">{t('scripts.tests')}</h2>
          <CodeMirror value={tests} height="260px" extensions={TESTS_EXTENSIONS} onChange={setTests} aria-labelledby="tests-label" />
          {!testsParsed.ok && (
            <p className="field-error" role="alert">
              {testsParsed.error}
            </p>
          )}
          <h3 id="ctx-label">{t('scripts.adhoc')}</h3>
          <CodeMirror value={adhoc} height="120px" extensions={ADHOC_EXTENSIONS} onChange={setAdhoc} placeholder='{"ticket_type": {"base_price": 5000}, "quantity": 2}' aria-labelledby="ctx-label" />
        </section>
      </div>
      <div className="sticky-bar">
        <span>{dirty ? t('scripts.unsaved') : t('scripts.savedState', { version: s.latest_version })}</span>
        <div className="row">
          <button
            className="btn"
            disabled={busy || !dirty}
            onClick={() => {
              setBusy(true);
              save()
                .catch(toastError)
                .finally(() => setBusy(false));
            }}
          >
            {t('scripts.saveVersion')}
          </button>
          <button className="btn primary" disabled={busy} onClick={() => void run()}>
            {busy ? t('common.working') : dirty ? t('scripts.saveAndTest') : t('scripts.runTests')}
          </button>
        </div>
      </div>
      <VersionHistory
        scriptId={s.id}
        latest={s.latest_version}
        busy={busy}
        onActivate={(v) => void activate(v)}
        onLoad={(v) => {
          setSource(v.source);
          setTests(JSON.stringify(v.test_cases, null, 2));
          toast.info(t('scripts.loadedVersion', { version: v.version }));
        }}
      />
      {report && (
        <section className="panel" aria-live="polite">
          <h2>
            {t('scripts.report', { version: report.version })}{' '}
            {report.passed ? <Badge kind="on_sale">{t('scripts.passed')}</Badge> : <Badge kind="cancelled">{t('scripts.failed')}</Badge>}
          </h2>
          {compile && (
            <p className="field-error">
              {t('scripts.compileError')} {where(compile) && <code>{where(compile)}</code>} {compile.code}: {compile.message}
            </p>
          )}
          <ul className="results">
            {results.map((r, i) => (
              <li key={i} className={r.passed ? 'pass' : 'fail'}>
                <strong>
                  {r.passed ? '✔' : '✘'} {r.name}
                </strong>
                {r.error && (
                  <div className="field-error">
                    {where(r.error) && <code>{where(r.error)}</code>} {r.error.code}: {r.error.message}
                  </div>
                )}
                {!r.passed && (
                  <div className="small">
                    {t('scripts.expected')} <code>{JSON.stringify(r.expected)}</code> · {t('scripts.actual')} <code>{JSON.stringify(r.actual)}</code>
                  </div>
                )}
                {r.passed && r.name === 'adhoc' && (
                  <div className="small">
                    {t('scripts.actual')} <code>{JSON.stringify(r.actual)}</code>
                  </div>
                )}
                {r.log.length > 0 && <pre className="log">{r.log.join('\n')}</pre>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

type Version = components['schemas']['ScriptVersionView'];

/** Every saved version: look at one, start editing from it, or make it live (rollback). */
function VersionHistory({
  scriptId,
  latest,
  busy,
  onActivate,
  onLoad,
}: {
  scriptId: string;
  latest: number;
  busy: boolean;
  onActivate: (v: number) => void;
  onLoad: (v: Version) => void;
}) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const [open, setOpen] = useState<number | null>(null);
  const versions = useQuery({
    // `latest` in the key: a new save lists at once.
    queryKey: ['script-versions', slug, scriptId, latest],
    queryFn: () =>
      call(api.GET('/api/v1/scripts/{id}/versions', { params: { path: { id: scriptId }, query: { per_page: 100 } } })),
  });
  return (
    <section className="panel" aria-labelledby="versions-label">
      <h2 id="versions-label">{t('scripts.versions')}</h2>
      {versions.isPending ? (
        <Skeleton lines={3} />
      ) : versions.isError ? (
        <ErrorView error={versions.error} retry={() => void versions.refetch()} />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th>{t('scripts.version')}</th>
              <th>{t('scripts.savedAt')}</th>
              <th>{t('scripts.testCount')}</th>
              <th>
                <span className="sr-only">{t('common.actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {versions.data.items.map((v) => (
              <Fragment key={v.version}>
                <tr>
                  <td>
                    v{v.version} {v.active && <Badge kind="on_sale">{t('scripts.live')}</Badge>}
                  </td>
                  <td>{dateTime(v.created_at)}</td>
                  <td className="num">{Array.isArray(v.test_cases) ? v.test_cases.length : 0}</td>
                  <td className="row">
                    <button
                      className="btn small"
                      aria-expanded={open === v.version}
                      onClick={() => setOpen(open === v.version ? null : v.version)}
                    >
                      {open === v.version ? t('scripts.hideSource') : t('scripts.showSource')}
                    </button>
                    <button className="btn small" onClick={() => onLoad(v)}>
                      {t('scripts.editFrom')}
                    </button>
                    {!v.active && (
                      <button className="btn small primary" disabled={busy} onClick={() => onActivate(v.version)}>
                        {v.version < latest ? t('scripts.rollback', { version: v.version }) : t('scripts.activate', { version: v.version })}
                      </button>
                    )}
                  </td>
                </tr>
                {open === v.version && (
                  <tr>
                    <td colSpan={4}>
                      <pre className="log" aria-label={t('scripts.sourceOf', { version: v.version })}>
                        {v.source}
                      </pre>
                    </td>
                  </tr>
                )}
              </Fragment>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
