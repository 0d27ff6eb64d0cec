import { createRequire } from 'node:module';

/**
 * kafkajs 2.2.4 keeps every broker connection busy when it has nothing to do: after each response
 * its request queue schedules a check of its pending requests, and with none pending and no
 * throttle the delay comes out negative (`throttledUntil` is -1), so the check runs again 1 ms
 * later, and again, forever (tulios/kafkajs#1704; on Node 24 it also prints a
 * TimeoutNegativeWarning, #1751). Measured here: about 20 ms of CPU per second in each idle
 * process with a producer or consumer (payment, jobs), as much again under load.
 *
 * kafkajs has had no release since 2.2.4 and the fix (#1768) is unmerged, so the one method is
 * replaced at load time with the fixed version: with nothing pending and no throttle, nothing is
 * scheduled; whoever queues a request later (push) or frees a slot (a response, a timeout)
 * checks the queue anyway. Only for the version it was written against: another version keeps
 * its own code, and the test (kafkajs-idle.test.ts) says so.
 */
const require = createRequire(import.meta.url);
const FIXED_VERSION = '2.2.4';
/** kafkajs's own interval for pending requests that are not throttled (requestQueue/index.js). */
const CHECK_PENDING_REQUESTS_INTERVAL = 10;

interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
}

export const kafkajsIdleLoopFixed: boolean = (() => {
  const { version } = require('kafkajs/package.json') as { version: string };
  if (version !== FIXED_VERSION) return false;
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueInternals & { scheduleCheckPendingRequests(): void } };
  RequestQueue.prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals) {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL;
    else if (scheduleAt <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
  return true;
})();
