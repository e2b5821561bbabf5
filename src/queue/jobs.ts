// Job names and payload schemas: the only place queue names are spelled. Names equal CLI commands.
import { z } from 'zod';

/** Queue name -> pg-boss queue options. */
export const QUEUES = {
  'sync-profile': { retryLimit: 2, retryDelay: 5, retryBackoff: true, expireInSeconds: 300, notify: true },
  'sync-followers': { retryLimit: 5, retryDelay: 5, retryBackoff: true, expireInSeconds: 300, notify: true },
} as const;

export type QueueName = keyof typeof QUEUES;
