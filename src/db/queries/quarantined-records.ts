// Queries on quarantined_records: list items that failed validation, kept with raw payload and reason.
import type { QuarantinedRecord } from '../../providers/types.ts';
import type { Queryable } from '../database.ts';

/**
 * Stores a page's quarantined records in ONE statement (unnest). Raw payloads must already be
 * sanitised (the provider contract guarantees it).
 * @returns rows inserted
 */
export async function insertQuarantined(
  q: Queryable,
  batch: { jobCallId: string; serviceCallId: string; kind: string; records: readonly QuarantinedRecord[] },
): Promise<number> {
  if (batch.records.length === 0) return 0;
  const res = await q.query(
    `INSERT INTO quarantined_records (job_call_id, service_call_id, kind, reason, raw_data)
     SELECT $1, $2, $3, r.reason, r.raw FROM unnest($4::text[], $5::jsonb[]) AS r (reason, raw)`,
    [
      batch.jobCallId,
      batch.serviceCallId,
      batch.kind,
      batch.records.map((r) => r.reason),
      batch.records.map((r) => JSON.stringify(r.raw ?? null)),
    ],
  );
  return res.rowCount;
}
