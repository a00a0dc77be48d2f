/** The lifecycle rules of the API (crates/core/src/status.rs), to offer only legal moves. */
export type SessionStatus = 'draft' | 'teaser' | 'presale' | 'on_sale' | 'in_progress' | 'finished' | 'cancelled' | 'suspended';
export type EventStatus = 'draft' | 'published' | 'cancelled';

export const SESSION_STATUSES: SessionStatus[] = ['draft', 'teaser', 'presale', 'on_sale', 'in_progress', 'finished', 'cancelled', 'suspended'];
const LIVE: SessionStatus[] = ['teaser', 'presale', 'on_sale', 'in_progress'];
const FORWARD: Partial<Record<SessionStatus, SessionStatus>> = {
  draft: 'teaser',
  teaser: 'presale',
  presale: 'on_sale',
  on_sale: 'in_progress',
  in_progress: 'finished',
};

export function sessionTransitions(from: SessionStatus): SessionStatus[] {
  const out: SessionStatus[] = [];
  const fwd = FORWARD[from];
  if (fwd) out.push(fwd);
  if (from === 'draft') out.push('cancelled');
  if (LIVE.includes(from)) out.push('suspended', 'cancelled');
  if (from === 'suspended') out.push(...LIVE, 'cancelled');
  return out;
}

export function eventTransitions(from: EventStatus): EventStatus[] {
  switch (from) {
    case 'draft':
      return ['published', 'cancelled'];
    case 'published':
      return ['draft', 'cancelled'];
    default:
      return [];
  }
}
