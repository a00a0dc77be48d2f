import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { clock } from '../lib/format';

/** Milliseconds left until `until`, ticking every `tick` ms; calls onExpire once. */
export function useRemaining(until: string | number | null, onExpire?: () => void, tick = 250): number {
  const target = until == null ? null : typeof until === 'number' ? until : Date.parse(until);
  const [now, setNow] = useState(() => Date.now());
  const fired = useRef(false);
  const expire = useRef(onExpire);
  expire.current = onExpire;
  useEffect(() => {
    fired.current = false;
    if (target == null) return;
    const id = setInterval(() => setNow(Date.now()), tick);
    return () => clearInterval(id);
  }, [target, tick]);
  const left = target == null ? 0 : Math.max(0, target - now);
  useEffect(() => {
    if (target != null && left === 0 && !fired.current) {
      fired.current = true;
      expire.current?.();
    }
  }, [left, target]);
  return left;
}

export function Countdown({ until, onExpire }: { until: string; onExpire?: () => void }) {
  const { t } = useTranslation();
  const left = useRemaining(until, onExpire);
  const urgent = left < 60_000;
  return (
    <span className={`countdown${urgent ? ' urgent' : ''}`} role="timer" aria-live={urgent ? 'assertive' : 'off'}>
      {left > 0 ? t('hold.expiresIn', { time: clock(left) }) : t('hold.expired')}
    </span>
  );
}
