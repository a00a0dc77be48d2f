import { useEffect } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { useTenant } from '../../lib/TenantContext';
import { reportFormError } from '../../lib/forms';
import { ErrorView, SelectField, Skeleton, TextField } from '../../components/ui';

interface Values {
  hold_minutes: number;
  resale_cap_percent: number;
  payment_provider: '' | 'manual' | 'stripe';
  stripe_account_id: string;
  brand_color: string;
  accent_color: string;
  pricing_script_fallback: boolean;
  script_price_cap: number;
}

export default function Settings() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const qc = useQueryClient();
  const q = useQuery({ queryKey: ['settings', slug], queryFn: () => call(api.GET('/api/v1/settings')) });
  const form = useForm<Values>();
  useEffect(() => {
    if (q.data)
      form.reset({
        hold_minutes: q.data.hold_minutes ?? 10,
        resale_cap_percent: q.data.resale_cap_percent ?? 100,
        payment_provider: q.data.payment_provider ?? '',
        stripe_account_id: q.data.stripe_account_id ?? '',
        brand_color: q.data.brand_color ?? '',
        accent_color: q.data.accent_color ?? '',
        pricing_script_fallback: q.data.pricing_script_fallback ?? false,
        script_price_cap: q.data.script_price_cap ?? 10,
      });
  }, [q.data, form]);
  const submit = form.handleSubmit(async (v) => {
    try {
      const s = await call(
        api.PUT('/api/v1/settings', {
          body: {
            hold_minutes: Number(v.hold_minutes),
            resale_cap_percent: Number(v.resale_cap_percent),
            payment_provider: v.payment_provider || null,
            stripe_account_id: v.stripe_account_id || null,
            brand_color: v.brand_color || null,
            accent_color: v.accent_color || null,
            pricing_script_fallback: Boolean(v.pricing_script_fallback),
            script_price_cap: Number(v.script_price_cap),
          },
        }),
      );
      qc.setQueryData(['settings', slug], s);
      toast.success(t('common.saved'));
    } catch (e) {
      reportFormError(e, form.setError, ['hold_minutes', 'resale_cap_percent', 'payment_provider', 'stripe_account_id', 'brand_color', 'accent_color', 'pricing_script_fallback', 'script_price_cap']);
    }
  });
  if (q.isPending) return <Skeleton lines={6} />;
  if (q.isError) return <ErrorView error={q.error} retry={() => void q.refetch()} />;
  const e = form.formState.errors;
  return (
    <div>
      <h1>{t('console.nav.settings')}</h1>
      <form className="panel form grid-form" onSubmit={submit} noValidate>
        <TextField label={t('settings.holdMinutes')} type="number" min={1} error={e.hold_minutes?.message} {...form.register('hold_minutes')} />
        <TextField label={t('settings.resaleCap')} type="number" min={0} error={e.resale_cap_percent?.message} {...form.register('resale_cap_percent')} />
        <SelectField label={t('settings.provider')} error={e.payment_provider?.message} {...form.register('payment_provider')}>
          <option value="">—</option>
          <option value="manual">{t('settings.manual')}</option>
          <option value="stripe">Stripe</option>
        </SelectField>
        <TextField label={t('settings.stripeAccount')} placeholder="acct_…" error={e.stripe_account_id?.message} {...form.register('stripe_account_id')} />
        <TextField label={t('settings.brandColor')} placeholder="#3b2f8f" error={e.brand_color?.message} {...form.register('brand_color')} />
        <TextField label={t('settings.accentColor')} placeholder="#e0a100" error={e.accent_color?.message} {...form.register('accent_color')} />
        <TextField label={t('settings.scriptPriceCap')} type="number" min={1} max={100} error={e.script_price_cap?.message} {...form.register('script_price_cap')} />
        <label className="checkbox">
          <input type="checkbox" {...form.register('pricing_script_fallback')} /> {t('settings.scriptFallback')}
        </label>
        <div className="span-2">
          <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
            {t('common.save')}
          </button>
        </div>
      </form>
    </div>
  );
}
