import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { fetchText } from '../api/client';
import { errorText, Skeleton } from './ui';

/**
 * A ticket's QR code. The SVG needs the bearer token, so it is fetched with
 * it and shown as a data URL image (never inlined as markup).
 */
export function QrSvg({ tenant, ticketId, label }: { tenant: string; ticketId: string; label: string }) {
  const { t } = useTranslation();
  const q = useQuery({
    queryKey: ['qr', tenant, ticketId],
    queryFn: () => fetchText(tenant, `/api/v1/tickets/${encodeURIComponent(ticketId)}/qr.svg`),
    staleTime: 5 * 60_000,
    retry: 1,
  });
  if (q.isPending) return <Skeleton lines={1} />;
  if (q.isError) return <p className="muted small">{errorText(q.error, t)}</p>;
  const src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(q.data)}`;
  return <img className="qr" src={src} alt={label} width={200} height={200} />;
}
