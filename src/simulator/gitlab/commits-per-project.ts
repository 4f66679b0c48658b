// How many commits a request log shows GitLab took per project: the successful
// POST /projects/:id/repository/commits. The benchmark and the scale test count apply's batching
// with it.
import type { RecordedRequest } from './server.js';

const COMMITS = /^\/api\/v4\/projects\/([^/]+)\/repository\/commits$/;

export function commitsPerProject(requests: readonly RecordedRequest[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of requests) {
    const m = COMMITS.exec(r.path);
    if (r.method !== 'POST' || !m || r.status < 200 || r.status >= 300) continue;
    const project = decodeURIComponent(m[1]!);
    counts[project] = (counts[project] ?? 0) + 1;
  }
  return counts;
}
