import { useForm } from 'react-hook-form';
import { zodResolver } from '@hookform/resolvers/zod';
import { z } from 'zod';
import { useTranslation } from 'react-i18next';
import { apiFor, call } from '../api/client';
import { sessionFromPair, setSession, type UserView } from '../api/auth';
import { TextField } from '../components/ui';
import { reportFormError } from '../lib/forms';

const loginSchema = z.object({
  email: z.string().trim().min(1, 'v.required').max(254).email('v.email'),
  password: z.string().min(1, 'v.required').max(256),
});
type LoginValues = z.infer<typeof loginSchema>;

/** Logs in to a tenant, or to the platform (`tenant` null). */
export function LoginForm({ tenant, onDone }: { tenant: string | null; onDone: (u: UserView) => void }) {
  const { t } = useTranslation();
  const form = useForm<LoginValues>({ resolver: zodResolver(loginSchema), defaultValues: { email: '', password: '' } });
  const { register, handleSubmit, formState, setError } = form;
  const submit = handleSubmit(async (v) => {
    try {
      const api = apiFor(tenant);
      const pair = await call(
        tenant ? api.POST('/api/v1/auth/login', { body: v }) : api.POST('/api/v1/admin/auth/login', { body: v }),
      );
      setSession(tenant, sessionFromPair(pair));
      onDone(pair.user);
    } catch (e) {
      reportFormError(e, setError, ['email', 'password']);
    }
  });
  const err = (k: keyof LoginValues) => {
    const m = formState.errors[k]?.message;
    return m ? t(m, { defaultValue: m }) : undefined;
  };
  return (
    <form className="panel form" onSubmit={submit} noValidate>
      <TextField label={t('auth.email')} type="email" autoComplete="email" autoFocus error={err('email')} {...register('email')} />
      <TextField
        label={t('auth.password')}
        type="password"
        autoComplete="current-password"
        error={err('password')}
        {...register('password')}
      />
      <button className="btn primary" type="submit" disabled={formState.isSubmitting}>
        {formState.isSubmitting ? t('common.working') : t('auth.login')}
      </button>
    </form>
  );
}

const registerSchema = z.object({
  display_name: z.string().trim().min(1, 'v.required').max(120, 'v.tooLong'),
  email: z.string().trim().min(1, 'v.required').max(254).email('v.email'),
  password: z.string().min(10, 'v.password').max(256, 'v.tooLong'),
});
type RegisterValues = z.infer<typeof registerSchema>;

export function RegisterForm({ tenant, onDone }: { tenant: string; onDone: (u: UserView) => void }) {
  const { t } = useTranslation();
  const form = useForm<RegisterValues>({
    resolver: zodResolver(registerSchema),
    defaultValues: { display_name: '', email: '', password: '' },
  });
  const { register, handleSubmit, formState, setError } = form;
  const submit = handleSubmit(async (v) => {
    try {
      const pair = await call(apiFor(tenant).POST('/api/v1/auth/register', { body: v }));
      setSession(tenant, sessionFromPair(pair));
      onDone(pair.user);
    } catch (e) {
      reportFormError(e, setError, ['display_name', 'email', 'password']);
    }
  });
  const err = (k: keyof RegisterValues) => {
    const m = formState.errors[k]?.message;
    return m ? t(m, { defaultValue: m }) : undefined;
  };
  return (
    <form className="panel form" onSubmit={submit} noValidate>
      <TextField label={t('auth.displayName')} autoComplete="name" autoFocus error={err('display_name')} {...register('display_name')} />
      <TextField label={t('auth.email')} type="email" autoComplete="email" error={err('email')} {...register('email')} />
      <TextField
        label={t('auth.password')}
        type="password"
        autoComplete="new-password"
        hint={t('auth.passwordHint')}
        error={err('password')}
        {...register('password')}
      />
      <button className="btn primary" type="submit" disabled={formState.isSubmitting}>
        {formState.isSubmitting ? t('common.working') : t('auth.register')}
      </button>
    </form>
  );
}

/** Logs out: revokes the refresh token (best effort) and forgets the login. */
export async function logout(tenant: string | null, refreshToken: string | null): Promise<void> {
  if (refreshToken) {
    try {
      const body = { refresh_token: refreshToken };
      await (tenant
        ? apiFor(tenant).POST('/api/v1/auth/logout', { body })
        : apiFor(null).POST('/api/v1/admin/auth/logout', { body }));
    } catch {
      /* forget it locally anyway */
    }
  }
  setSession(tenant, null);
}
