/**
 * The clock and timers the group coordinator runs on. Production uses Node's timers
 * (unref'd, so a pending session timeout never keeps a process alive); tests inject a
 * manual scheduler and advance time explicitly, so no test sleeps.
 */

/** Node's timers take at most a signed 32-bit delay. */
const MAX_TIMER_MS = 2_147_483_647;

export interface TimerHandle {
  cancel(): void;
}

export interface Scheduler {
  now(): number;
  /** Runs `fn` once after `delayMs` unless cancelled first. */
  schedule(delayMs: number, fn: () => void): TimerHandle;
}

export const realScheduler: Scheduler = {
  now: () => Date.now(),
  schedule(delayMs, fn) {
    const timer = setTimeout(fn, Math.min(Math.max(delayMs, 0), MAX_TIMER_MS));
    timer.unref();
    return { cancel: () => clearTimeout(timer) };
  },
};
