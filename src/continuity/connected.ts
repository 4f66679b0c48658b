// When GitLab counts an agent as connected. app/models/clusters/agent.rb: `INACTIVE_AFTER =
// 1.hour`, `connected?` = `agent_tokens.connected.exists?`; app/models/clusters/agent_token.rb:
// `scope :connected, -> { active.where("last_used_at > ?", Clusters::Agent::INACTIVE_AFTER.ago) }`.
// A token used once, long ago, proves nothing: agentk may have been gone for days.

export const INACTIVE_AFTER_MS = 60 * 60 * 1000;

export interface TokenUse {
  status?: 'active' | 'revoked';
  lastUsedAt: string | null;
}

/** The token is active and agentk used it within the last hour. */
export function tokenConnected(token: TokenUse, now: Date): boolean {
  if (token.status === 'revoked' || token.lastUsedAt == null) return false;
  const used = Date.parse(token.lastUsedAt);
  return Number.isFinite(used) && used > now.getTime() - INACTIVE_AFTER_MS;
}

/** How long ago, for people: "12 s ago", "50 h ago". */
export function sinceLastUse(token: TokenUse, now: Date): string {
  if (token.lastUsedAt == null) return 'never used';
  const seconds = Math.max(0, Math.round((now.getTime() - Date.parse(token.lastUsedAt)) / 1000));
  if (seconds < 120) return `last used ${seconds} s ago`;
  if (seconds < 7200) return `last used ${Math.round(seconds / 60)} min ago`;
  return `last used ${Math.round(seconds / 3600)} h ago`;
}
