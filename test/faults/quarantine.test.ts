// Fault test: a page with records that fail validation, through the real CLI and the RocketAPI
// client. The bad records are quarantined with their raw payload and the reason; the rest of that
// page and every later page are stored; the run succeeds and its summary counts them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type GeneratedProfile,
  generatedFollowerIds,
  generatedFollowerId,
  generatedRoutes,
} from '../../src/providers/sample/generated-list.ts';
import type { ScriptedResponse } from '../../src/providers/sample/fake-rocket-server.ts';
import { startCli } from '../helpers/cli.ts';
import { createFaultHarness, type FaultHarness, ledgerFacts, storedEdges } from '../helpers/faults.ts';

const PROFILE: GeneratedProfile = { id: '8500000001', username: 'dirty.target', followers: 400 };
const PAGES = Math.ceil(PROFILE.followers / 50);
const BAD_PAGE = 3;
/** Followers 101 and 102 (on page 3) arrive broken: no username / no usable id. */
const NO_USERNAME = generatedFollowerId(PROFILE.id, 101);
const NO_ID = generatedFollowerId(PROFILE.id, 102);

let h: FaultHarness;
let pageRequests = 0;

/** Page 3 as the generator makes it, with two users broken. */
function brokenPage(body: Record<string, unknown> | undefined): ScriptedResponse {
  const answer = generatedRoutes([PROFILE])({ method: 'POST', path: '/instagram/user/get_followers', body })!;
  const envelope = structuredClone(answer.body) as { response: { body: { users: Record<string, unknown>[] } } };
  const users = envelope.response.body.users;
  delete users[1]!.username;
  users[2] = { pk: 'not-a-number', username: 'no.id.here', full_name: 'No Id' };
  return { status: 200, body: envelope };
}

beforeAll(async () => {
  h = await createFaultHarness({
    generated: [PROFILE],
    intercept: (req) => {
      if (!req.path.endsWith('/get_followers')) return undefined;
      pageRequests++;
      return pageRequests === BAD_PAGE ? brokenPage(req.body) : undefined;
    },
  });
});
afterAll(async () => {
  await h?.close();
});

describe('a page with records that fail validation', () => {
  it('quarantines them with raw payload and reason; the rest of the page and the run go on; the summary counts them', async () => {
    const res = await startCli(['sync-followers', PROFILE.username, '--json'], h.env).done;
    expect(res.code, res.stderr).toBe(0);
    const out = JSON.parse(res.stdout);
    expect(out.runs[1]).toMatchObject({
      kind: 'followers',
      status: 'succeeded',
      pages: PAGES,
      followers: PROFILE.followers - 2,
      quarantined: 2,
    });

    const expected = generatedFollowerIds(PROFILE).filter((id) => id !== NO_USERNAME && id !== NO_ID);
    expect(await storedEdges(h, PROFILE.id)).toEqual(expected.sort());
    const runId = out.runs[1].run_id as string;
    expect(await ledgerFacts(h, runId)).toEqual({ pagesCommitted: PAGES, committedTwice: [], open: { runs: 0, calls: 0, jobs: 0 } });

    const quarantined = await h.q<{ kind: string; reason: string; raw_data: Record<string, unknown>; sent: string }>(
      `SELECT q.kind, q.reason, q.raw_data, s.cursor ->> 'sent' AS sent FROM quarantined_records q
       JOIN service_calls s ON s.id = q.service_call_id WHERE q.job_call_id = $1 ORDER BY q.id`,
      [runId],
    );
    expect(quarantined).toHaveLength(2);
    expect(quarantined[0]).toMatchObject({ kind: 'follower', raw_data: { pk_id: NO_USERNAME, full_name: 'Generated Follower 101' } });
    expect(quarantined[0]!.raw_data).not.toHaveProperty('username');
    expect(quarantined[0]!.reason).toMatch(/username/);
    expect(quarantined[1]).toMatchObject({ kind: 'follower', raw_data: { pk: 'not-a-number', username: 'no.id.here' } });
    expect(quarantined[1]!.reason).toMatch(/id/);
    // Both came from page 3 (the one sent page 2's cursor), whose ledger row counts them.
    const [page3] = await h.q<{ summary: Record<string, unknown> }>(
      `SELECT result_summary AS summary FROM service_calls WHERE job_call_id = $1 AND status = 'succeeded' ORDER BY id OFFSET 2 LIMIT 1`,
      [runId],
    );
    expect(page3!.summary).toMatchObject({ items: 48, quarantined: 2 });
    expect(quarantined.every((q) => q.sent === quarantined[0]!.sent)).toBe(true);
  }, 150_000);
});
