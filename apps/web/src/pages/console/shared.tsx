import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { call } from '../../api/client';
import { useSession } from '../../api/auth';
import { useTenant } from '../../lib/TenantContext';
import { dateTime } from '../../lib/format';

export function useConsolePath(): (p: string) => string {
  const { slug } = useTenant();
  return (p: string) => `/console/${slug}${p.startsWith('/') ? p : '/' + p}`;
}

export function useRole() {
  const { slug } = useTenant();
  return useSession(slug)?.user.role ?? 'attendee';
}

export function useCan() {
  const role = useRole();
  return {
    admin: role === 'tenant_admin',
    organize: role === 'tenant_admin' || role === 'organizer',
  };
}

/** Every event the caller may see (all statuses), newest 100. */
export function useAllEvents() {
  const { api, slug } = useTenant();
  return useQuery({
    queryKey: ['console-events-all', slug],
    queryFn: () => call(api.GET('/api/v1/events', { params: { query: { per_page: 100 } } })),
  });
}

export function useSessions(eventId: string | null | undefined) {
  const { api, slug } = useTenant();
  return useQuery({
    queryKey: ['sessions', slug, eventId],
    enabled: !!eventId,
    queryFn: () => call(api.GET('/api/v1/events/{id}/sessions', { params: { path: { id: eventId! } } })),
  });
}

/** Two selects: an event, then one of its sessions. */
export function SessionPicker({
  eventId,
  sessionId,
  onChange,
  optional = false,
}: {
  eventId: string;
  sessionId: string;
  onChange: (eventId: string, sessionId: string) => void;
  optional?: boolean;
}) {
  const { t } = useTranslation();
  const events = useAllEvents();
  const sessions = useSessions(eventId || null);
  const tz = events.data?.items.find((e) => e.id === eventId)?.timezone;
  return (
    <div className="row wrap picker">
      <div className="field">
        <label htmlFor="pick-event">{t('console.event')}</label>
        <select id="pick-event" value={eventId} onChange={(e) => onChange(e.target.value, '')}>
          <option value="">{optional ? t('console.anyEvent') : t('console.chooseEvent')}</option>
          {(events.data?.items ?? []).map((e) => (
            <option key={e.id} value={e.id}>
              {e.title} ({dateTime(e.starts_at, e.timezone)})
            </option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="pick-session">{t('console.session')}</label>
        <select id="pick-session" value={sessionId} disabled={!eventId} onChange={(e) => onChange(eventId, e.target.value)}>
          <option value="">{optional ? t('console.anySession') : t('console.chooseSession')}</option>
          {(sessions.data ?? []).map((s) => (
            <option key={s.id} value={s.id}>
              {s.title} · {dateTime(s.starts_at, tz)} · {t(`status.${s.status}`)}
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}

/** The picked event/session, remembered per tenant across console pages. */
export function usePicked(): [{ eventId: string; sessionId: string }, (e: string, s: string) => void] {
  const { slug } = useTenant();
  const key = `taquilla.console.pick.${slug}`;
  const read = () => {
    try {
      return JSON.parse(sessionStorage.getItem(key) ?? '') as { eventId: string; sessionId: string };
    } catch {
      return { eventId: '', sessionId: '' };
    }
  };
  const { data, refetch } = useQuery({ queryKey: ['pick', key], queryFn: read, initialData: read, staleTime: Infinity });
  const set = (eventId: string, sessionId: string) => {
    sessionStorage.setItem(key, JSON.stringify({ eventId, sessionId }));
    void refetch();
  };
  return [data, set];
}
