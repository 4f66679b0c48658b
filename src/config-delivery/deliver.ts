// Getting an agent's configuration files into its configuration project, three ways (--config-via):
//   commit         one commit on the default branch, create/update decided by what is there;
//   merge-request  a branch `migrate-clusters/<agent>` holding the files and one open merge request
//                  for it, updated (never duplicated) on later runs (to-gitlab.ts);
//   files          the tree written under --out-dir for people who push themselves (to-files.ts).
// Every mode compares first and writes only what differs, so a second run makes no mutating request
// and writes no file. A dry run reads the same things, decides the same actions and reports the calls
// it would make, without making them.
import { InternalError, UserError } from '../errors.js';
import type { GitLabClient } from '../gitlab/client.js';
import { deliverFiles } from './to-files.js';
import { GitLabDelivery } from './to-gitlab.js';
import type { DeliveryOptions, DeliveryRequest, DeliveryResult } from './types.js';

export type {
  ConfigVia,
  DeliveryAction,
  DeliveryCall,
  DeliveryFile,
  DeliveryOptions,
  DeliveryRequest,
  DeliveryResult,
} from './types.js';

/** The branch of merge-request mode. */
export function mergeRequestBranch(agentName: string): string {
  return `migrate-clusters/${agentName}`;
}

function checkRequest(request: DeliveryRequest): void {
  const seen = new Set<string>();
  for (const file of request.files) {
    const bad =
      file.path === '' ||
      file.path.startsWith('/') ||
      file.path.split('/').some((s) => s === '' || s === '.' || s === '..');
    if (bad || seen.has(file.path))
      throw new InternalError(`invalid or repeated configuration file path "${file.path}"`);
    seen.add(file.path);
  }
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(request.agentName)) {
    throw new UserError(`"${request.agentName}" is not a valid agent name.`, {
      hint: 'Agent names are lower-case letters, digits and dashes (RFC 1123 label); fix the plan file.',
    });
  }
}

export async function deliverConfig(
  client: GitLabClient | null,
  request: DeliveryRequest,
  options: DeliveryOptions,
): Promise<DeliveryResult> {
  checkRequest(request);
  if (options.via === 'files') return deliverFiles(request, options);
  if (!client) throw new InternalError(`--config-via ${options.via} needs a GitLab client`);
  const branch = request.mergeRequestBranch ?? mergeRequestBranch(request.agentName);
  return new GitLabDelivery(client, request, options, branch).run();
}
