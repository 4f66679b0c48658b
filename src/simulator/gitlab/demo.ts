// The built-in demo instance behind --demo: the GitLab simulator on a free loopback port,
// seeded from fixtures/demo.json, used with the fixture's first token (an administrator's).
import { loadFixture } from './load-fixture.js';
import { startGitLabSimulator, type GitLabSimulator } from './server.js';

export interface DemoGitLab {
  url: string;
  token: string;
  simulator: GitLabSimulator;
  close(): Promise<void>;
}

export async function startDemoGitLab(fixturePath: string): Promise<DemoGitLab> {
  const fixture = await loadFixture(fixturePath);
  const simulator = await startGitLabSimulator({ fixture });
  const token = fixture.tokens[0]?.token;
  if (token == null) throw new Error(`${fixturePath} has no tokens`);
  return { url: simulator.url, token, simulator, close: () => simulator.close() };
}
