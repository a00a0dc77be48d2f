/**
 * Live seat and availability changes over GraphQL subscriptions
 * (graphql-transport-ws at /graphql/ws; tenant and token in connection_init).
 */
import { createClient, type Client } from 'graphql-ws';
import { useEffect, useRef, useState } from 'react';
import { getSession } from './auth';
import { refreshSession } from './client';
import type { AvailabilitySubscription, SeatsSubscription } from './graphql';
import LIVE from './live.graphql?raw';

/** The subscriptions' payloads, as generated from the SDL (npm run gen). */
export type SeatChange = SeatsSubscription['seatChanged'];
export type AvailabilityChange = AvailabilitySubscription['availabilityChanged'];

const clients = new Map<string, Client>();

function wsUrl(): string {
  const { protocol, host } = window.location;
  return `${protocol === 'https:' ? 'wss' : 'ws'}://${host}/graphql/ws`;
}

export function liveClient(tenant: string): Client {
  let c = clients.get(tenant);
  if (!c) {
    c = createClient({
      url: wsUrl(),
      lazy: true,
      retryAttempts: Infinity,
      shouldRetry: () => true,
      connectionParams: async () => {
        // An expired token would be refused (4403): refresh it first, or go anonymous.
        let s = getSession(tenant);
        if (s && s.expiresAt < Date.now() + 5_000) {
          await refreshSession(tenant);
          s = getSession(tenant);
        }
        return s ? { tenant, authorization: `Bearer ${s.accessToken}` } : { tenant };
      },
    });
    clients.set(tenant, c);
  }
  return c;
}

// live.graphql holds both operations; a subscription names the one it runs.
type Operation = 'Seats' | 'Availability';

export type LiveStatus = 'connecting' | 'live' | 'offline';

function useSubscription<T>(
  tenant: string,
  sessionId: string | null | undefined,
  operationName: Operation,
  field: string,
  onData: (v: T) => void,
): LiveStatus {
  const [status, setStatus] = useState<LiveStatus>('connecting');
  const cb = useRef(onData);
  cb.current = onData;
  useEffect(() => {
    if (!sessionId || typeof WebSocket === 'undefined') return;
    const client = liveClient(tenant);
    setStatus('connecting');
    const offConnected = client.on('connected', () => setStatus('live'));
    const offClosed = client.on('closed', () => setStatus('offline'));
    const stop = client.subscribe<Record<string, T>>(
      { query: LIVE, operationName, variables: { sessionId } },
      {
        next: (msg) => {
          setStatus('live');
          const v = msg.data?.[field];
          if (v) cb.current(v);
        },
        error: () => setStatus('offline'),
        complete: () => undefined,
      },
    );
    return () => {
      stop();
      offConnected();
      offClosed();
    };
  }, [tenant, sessionId, operationName, field]);
  return status;
}

export function useSeatChanges(tenant: string, sessionId: string | null | undefined, onChange: (c: SeatChange) => void) {
  return useSubscription<SeatChange>(tenant, sessionId, 'Seats', 'seatChanged', onChange);
}

export function useAvailabilityChanges(
  tenant: string,
  sessionId: string | null | undefined,
  onChange: (c: AvailabilityChange) => void,
) {
  return useSubscription<AvailabilityChange>(tenant, sessionId, 'Availability', 'availabilityChanged', onChange);
}
