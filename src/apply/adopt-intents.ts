// Intents left open by a run that was killed, or whose answer was lost, between writing what it
// was about to make and recording what it made: the object may exist with nobody knowing its id.
// Before apply resumes and before rollback undoes, each open intent is looked up by the name it
// gave: found, it is recorded as made by this tool (so rollback --uninstall removes it); not
// found, the write never happened and the intent is closed.
import { projectInfo } from '../gitlab/projects.js';
import { findAgent, listActiveTokens } from '../gitlab/agents.js';
import type { GitLabClient } from '../gitlab/client.js';
import { openIntents, type Journal, type JournalIntent } from './journal.js';
import type { JournalStore } from './journal-store.js';

/** What an open intent names, found live: the change that records it, or null (never made). */
async function lookUp(
  client: GitLabClient,
  intent: JournalIntent,
): Promise<((j: Journal) => void) | null> {
  switch (intent.kind) {
    case 'create-project': {
      const found = await projectInfo(client, intent.project);
      return found ? (j) => j.createdProjects.push(intent.project) : null;
    }
    case 'register-agent': {
      const found = await findAgent(client, intent.project, intent.name);
      return found ? (j) => j.agents.push({ ref: intent.ref, id: found.id }) : null;
    }
    case 'create-token': {
      // active tokens only: a revoked one needs no undoing. An agent deleted meanwhile has none.
      const found = (
        await listActiveTokens(client, intent.project, intent.agentId).catch(() => [])
      ).filter((t) => t.name === intent.name);
      return found.length
        ? (j) => {
            for (const t of found) j.tokens.push({ ref: intent.ref, id: t.id, name: intent.name });
          }
        : null;
    }
  }
}

/** Settles every open intent of `journal` from what GitLab holds now; returns how many it adopted. */
export async function adoptOpenIntents(
  client: GitLabClient,
  journal: JournalStore,
): Promise<number> {
  let adopted = 0;
  for (const intent of openIntents(journal.journal)) {
    const change = await lookUp(client, intent);
    const recorded = (j: Journal): boolean => {
      switch (intent.kind) {
        case 'create-project':
          return j.createdProjects.includes(intent.project);
        case 'register-agent':
          return j.agents.some((a) => a.ref === intent.ref);
        case 'create-token':
          return j.tokens.some((t) => t.ref === intent.ref && t.name === intent.name);
      }
    };
    if (change && !recorded(journal.journal)) adopted += 1;
    await journal.record((j) => {
      if (change && !recorded(j)) change(j);
      j.settledIntents.push(intent.id);
    });
  }
  return adopted;
}
