import { useEffect } from 'react';
import { Link } from 'react-router';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useTranslation } from 'react-i18next';
import { toast } from 'sonner';
import { call } from '../../api/client';
import { getSession, setSession, useSession } from '../../api/auth';
import { useStorePath, useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';
import { reportFormError } from '../../lib/forms';
import { setLanguage } from '../../i18n';
import { Badge, Empty, ErrorView, SelectField, Skeleton, TextField } from '../../components/ui';
import { useLoginPath } from './StoreApp';

const schema = z
  .object({
    display_name: z.string().trim().min(1, 'v.required').max(120, 'v.tooLong'),
    phone: z
      .string()
      .trim()
      .refine((v) => v === '' || /^\+[1-9]\d{7,14}$/.test(v.replace(/[\s-]/g, '')), 'v.phone'),
    locale: z.string(),
    password: z.string().refine((v) => v === '' || v.length >= 10, 'v.password'),
    current_password: z.string(),
  })
  .refine((v) => v.password === '' || v.current_password !== '', { path: ['current_password'], message: 'v.currentPassword' });
type Values = z.infer<typeof schema>;

function MyEvents() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const p = useStorePath();
  const q = useQuery({ queryKey: ['my-events', slug], queryFn: () => call(api.GET('/api/v1/users/me/events')) });
  if (q.isPending) return <Skeleton lines={3} />;
  if (q.isError) return <ErrorView error={q.error} retry={() => void q.refetch()} />;
  if (q.data.length === 0) return <Empty title={t('profile.noEvents')} />;
  return (
    <ul className="list">
      {q.data.map((x) => (
        <li key={x.session.id}>
          <Link to={p(`/events/${x.event.id}/sessions/${x.session.id}`)}>
            {x.event.title} — {x.session.title}
          </Link>{' '}
          <span className="muted small">{dateTime(x.session.starts_at, x.event.timezone)}</span>{' '}
          {x.registration_status && <Badge kind={x.registration_status}>{t(`reg.status.${x.registration_status}`)}</Badge>}{' '}
          {x.tickets_count > 0 && <Badge>{t('profile.ticketCount', { count: x.tickets_count })}</Badge>}
        </li>
      ))}
    </ul>
  );
}

export function ProfilePage() {
  const { t } = useTranslation();
  const { api, slug } = useTenant();
  const session = useSession(slug);
  const loginPath = useLoginPath();
  const qc = useQueryClient();
  const me = useQuery({ queryKey: ['me', slug], enabled: !!session, queryFn: () => call(api.GET('/api/v1/users/me')) });
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { display_name: '', phone: '', locale: '', password: '', current_password: '' },
  });
  useEffect(() => {
    if (me.data)
      form.reset({
        display_name: me.data.display_name,
        phone: me.data.phone ?? '',
        locale: me.data.locale ?? '',
        password: '',
        current_password: '',
      });
  }, [me.data, form]);

  if (!session) {
    return (
      <main className="container narrow">
        <Link className="btn primary" to={loginPath}>
          {t('auth.login')}
        </Link>
      </main>
    );
  }
  const submit = form.handleSubmit(async (v) => {
    try {
      const u = await call(
        api.PATCH('/api/v1/users/me', {
          body: {
            display_name: v.display_name,
            phone: v.phone ? v.phone.replace(/[\s-]/g, '') : undefined,
            locale: v.locale || undefined,
            ...(v.password ? { password: v.password, current_password: v.current_password } : {}),
          },
        }),
      );
      qc.setQueryData(['me', slug], u);
      const s = getSession(slug);
      if (s) setSession(slug, { ...s, user: u });
      if (u.locale === 'en' || u.locale === 'es') void setLanguage(u.locale);
      form.reset({ display_name: u.display_name, phone: u.phone ?? '', locale: u.locale ?? '', password: '', current_password: '' });
      toast.success(t('profile.saved'));
    } catch (e) {
      reportFormError(e, form.setError, ['display_name', 'phone', 'locale', 'password', 'current_password']);
    }
  });
  const err = (k: keyof Values) => {
    const m = form.formState.errors[k]?.message;
    return m ? t(m, { defaultValue: m }) : undefined;
  };
  return (
    <main className="container narrow">
      <h1>{t('nav.profile')}</h1>
      {me.isPending ? (
        <Skeleton lines={5} />
      ) : me.isError ? (
        <ErrorView error={me.error} retry={() => void me.refetch()} loginTo={loginPath} />
      ) : (
        <form className="panel form" onSubmit={submit} noValidate>
          <p className="muted">
            {me.data.email} · {t(`roles.${me.data.role}`)}
          </p>
          <TextField label={t('auth.displayName')} error={err('display_name')} {...form.register('display_name')} />
          <TextField label={t('profile.phone')} type="tel" placeholder="+34600123456" hint={t('profile.phoneHint')} error={err('phone')} {...form.register('phone')} />
          <SelectField label={t('profile.locale')} error={err('locale')} {...form.register('locale')}>
            <option value="">—</option>
            <option value="en">English</option>
            <option value="es">Español</option>
          </SelectField>
          <fieldset>
            <legend>{t('profile.changePassword')}</legend>
            <TextField label={t('profile.newPassword')} type="password" autoComplete="new-password" error={err('password')} {...form.register('password')} />
            <TextField
              label={t('profile.currentPassword')}
              type="password"
              autoComplete="current-password"
              error={err('current_password')}
              {...form.register('current_password')}
            />
          </fieldset>
          <button className="btn primary" type="submit" disabled={form.formState.isSubmitting}>
            {t('common.save')}
          </button>
        </form>
      )}
      <h2>{t('profile.myEvents')}</h2>
      <MyEvents />
    </main>
  );
}
