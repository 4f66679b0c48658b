// The baseline: discovery the way a hand-written script does it. One request at a time, every
// group and every project, offset pagination followed page by page. Deliberately simple.
export interface NaiveResult {
  clusterIds: number[];
  calls: number;
}

export async function naiveScan(url: string, token: string): Promise<NaiveResult> {
  let calls = 0;
  const get = async (path: string): Promise<{ body: unknown; next: string | null }> => {
    calls += 1;
    const response = await fetch(`${url}/api/v4/${path}`, { headers: { 'PRIVATE-TOKEN': token } });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return { body: await response.json(), next: response.headers.get('x-next-page') || null };
  };
  const all = async (path: string): Promise<{ id: number }[]> => {
    const items: { id: number }[] = [];
    for (let page = '1'; page;) {
      const sep = path.includes('?') ? '&' : '?';
      const response = await get(`${path}${sep}per_page=100&page=${page}`);
      items.push(...(response.body as { id: number }[]));
      page = response.next ?? '';
    }
    return items;
  };
  const ids: number[] = [];
  for (const group of await all('groups?all_available=true')) {
    for (const c of await all(`groups/${group.id}/clusters`)) ids.push(c.id);
  }
  for (const project of await all('projects')) {
    for (const c of await all(`projects/${project.id}/clusters`)) ids.push(c.id);
  }
  for (const c of await all('admin/clusters')) ids.push(c.id);
  return { clusterIds: ids.sort((a, b) => a - b), calls };
}
