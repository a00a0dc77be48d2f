import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { Controller, useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';
import { reportFormError, toastError } from '../../lib/forms';
import {
  isCustom,
  isDirty,
  partProblem,
  partValues,
  PARTS,
  templateBody,
  VARIABLES,
  type Part,
  type PartValues,
  type TemplateView,
} from '../../lib/templates';
import { CodeField } from '../../components/CodeField';
import { Badge, ErrorView, Skeleton, TextArea, TextField } from '../../components/ui';
import { useConsolePath } from './shared';

function PartState({ custom }: { custom: boolean }) {
  const { t } = useTranslation();
  return custom ? <Badge kind="on_sale">{t('tpl.customised')}</Badge> : <Badge>{t('tpl.builtIn')}</Badge>;
}

function TemplateForm({ view }: { view: TemplateView }) {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const form = useForm<PartValues>({ defaultValues: partValues(view) });
  const [reverted, setReverted] = useState<Partial<Record<Part, boolean>>>({});
  const [busy, setBusy] = useState(false);
  const values = form.watch();
  const dirty = isDirty(view, values, reverted);
  const path = { params: { path: { name: view.name } } };
  const title = t(`tpl.names.${view.name}`, { defaultValue: view.name });

  const loaded = (next: TemplateView) => {
    qc.setQueryData(['template', slug, view.name], next);
    void qc.invalidateQueries({ queryKey: ['templates', slug] });
  };

  const submit = form.handleSubmit(async (v) => {
    let first = true;
    for (const p of PARTS) {
      const problem = isCustom(view, v, reverted, p) ? partProblem(v, p) : null;
      if (problem) {
        form.setError(p, { type: 'client', message: t(problem) }, { shouldFocus: first });
        first = false;
      }
    }
    if (!first) return;
    const body = templateBody(view, v, reverted);
    try {
      if (body) {
        loaded(await call(api.PUT('/api/v1/notifications/templates/{name}', { ...path, body })));
      } else {
        // Every part back to built-in: that is a reset (a PUT needs at least one part).
        await call(api.DELETE('/api/v1/notifications/templates/{name}', path));
        loaded(await call(api.GET('/api/v1/notifications/templates/{name}', path)));
      }
      toast.success(t('tpl.saved'));
    } catch (e) {
      reportFormError(e, form.setError, PARTS);
    }
  });

  const resetAll = async () => {
    if (!confirm(t('tpl.confirmReset', { name: title }))) return;
    setBusy(true);
    try {
      await call(api.DELETE('/api/v1/notifications/templates/{name}', path));
      loaded(await call(api.GET('/api/v1/notifications/templates/{name}', path)));
      toast.success(t('tpl.resetDone'));
    } catch (e) {
      toastError(e);
    } finally {
      setBusy(false);
    }
  };

  const err = (p: Part) => form.formState.errors[p]?.message;
  const hint = (p: Part) => (reverted[p] ? t('tpl.revertPending') : t(`tpl.hint.${p}`));
  const toggle = (p: Part) => {
    form.clearErrors(p);
    setReverted((r) => ({ ...r, [p]: !r[p] }));
  };

  const partHead = (p: Part) => (
    <div className="row between wrap">
      <h2 id={`tpl-${p}-h`}>
        {t(`tpl.part.${p}`)} <PartState custom={isCustom(view, values, reverted, p)} />
      </h2>
      {view.overridden.includes(p) && (
        <button type="button" className="btn small" onClick={() => toggle(p)} aria-pressed={!!reverted[p]}>
          {reverted[p] ? t('tpl.keepMine') : t('tpl.useBuiltIn')}
        </button>
      )}
    </div>
  );

  return (
    <form onSubmit={submit} noValidate aria-busy={form.formState.isSubmitting}>
      <div className="row between wrap">
        <h1>
          {title} <PartState custom={view.overridden.length > 0} />
        </h1>
        <button type="button" className="btn danger" disabled={busy || view.overridden.length === 0} onClick={() => void resetAll()}>
          {t('tpl.reset')}
        </button>
      </div>
      <p className="muted small">
        <code>{view.name}</code>
        {view.updated_at && <> · {t('tpl.customisedOn', { when: dateTime(view.updated_at) })}</>}
      </p>
      <details className="panel">
        <summary>{t('tpl.variables')}</summary>
        <p className="small">
          {t('tpl.variablesHint')} <code>{'{{ event.title }}'}</code>, <code>{'{% for t in tickets %}…{% endfor %}'}</code>,{' '}
          <code>{'{% if order %}…{% endif %}'}</code>
        </p>
        <ul className="small">
          {VARIABLES.map((v) => (
            <li key={v}>
              <code>{v}</code>
            </li>
          ))}
        </ul>
      </details>
      <section className="panel">
        {partHead('subject')}
        <TextField label={t('tpl.part.subject')} hint={hint('subject')} error={err('subject')} readOnly={!!reverted.subject} {...form.register('subject')} />
      </section>
      <div className="editor-grid">
        <section className="panel">
          {partHead('html')}
          <Controller
            control={form.control}
            name="html"
            render={({ field }) => (
              <CodeField
                ref={field.ref}
                label={t('tpl.part.html')}
                hint={hint('html')}
                error={err('html')}
                value={field.value}
                onChange={field.onChange}
                onBlur={field.onBlur}
                readOnly={!!reverted.html}
                height="420px"
              />
            )}
          />
        </section>
        <section className="panel">
          {partHead('text')}
          <Controller
            control={form.control}
            name="text"
            render={({ field }) => (
              <CodeField
                ref={field.ref}
                label={t('tpl.part.text')}
                hint={hint('text')}
                error={err('text')}
                value={field.value}
                onChange={field.onChange}
                onBlur={field.onBlur}
                readOnly={!!reverted.text}
                height="260px"
              />
            )}
          />
          {partHead('sms')}
          <TextArea label={t('tpl.part.sms')} rows={4} hint={hint('sms')} error={err('sms')} readOnly={!!reverted.sms} {...form.register('sms')} />
        </section>
      </div>
      <div className="sticky-bar">
        <span aria-live="polite">{dirty ? t('tpl.unsaved') : t('tpl.noChanges')}</span>
        <button className="btn primary" type="submit" disabled={!dirty || form.formState.isSubmitting}>
          {form.formState.isSubmitting ? t('common.working') : t('common.save')}
        </button>
      </div>
    </form>
  );
}

/** One message template: its four parts, saved as the tenant's version or reset to the built-in one (tenant admins). */
export default function TemplateEditor() {
  const { t } = useTranslation();
  const { name = '' } = useParams();
  const { api, slug } = useTenant();
  const cp = useConsolePath();
  const tpl = useQuery({
    queryKey: ['template', slug, name],
    // A refetch would replace what is being edited.
    refetchOnWindowFocus: false,
    queryFn: () => call(api.GET('/api/v1/notifications/templates/{name}', { params: { path: { name } } })),
  });
  return (
    <div>
      <nav className="crumbs" aria-label={t('nav.breadcrumbs')}>
        <Link to={cp('/templates')}>{t('console.nav.templates')}</Link> / <span>{t(`tpl.names.${name}`, { defaultValue: name })}</span>
      </nav>
      {tpl.isPending ? (
        <Skeleton lines={12} />
      ) : tpl.isError ? (
        <ErrorView error={tpl.error} retry={() => void tpl.refetch()} />
      ) : (
        <TemplateForm key={`${tpl.data.updated_at ?? 'built-in'}:${tpl.data.overridden.join()}`} view={tpl.data} />
      )}
    </div>
  );
}
