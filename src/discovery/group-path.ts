// What --group takes: a group's full path, or the group's address copied from the browser
// (https://gitlab.example.com/platform/infra, /groups/platform/infra, …/-/clusters). An address
// on another host than the GitLab being read is refused: it names a different instance.
import { UserError } from '../errors.js';

export function groupPathOf(value: string, gitlabUrl: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return value.replace(/^\/+|\/+$/g, '');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UserError(`--group "${value}" is not a group path or a valid address.`, {
      hint: 'Pass the full path as shown in the group URL, e.g. --group platform/infra',
    });
  }
  const base = new URL(gitlabUrl);
  if (url.host.toLowerCase() !== base.host.toLowerCase())
    throw new UserError(
      `--group ${value} is on ${url.host}, but the GitLab being read is ${base.host}.`,
      { hint: 'Pass the group path alone, e.g. --group platform/infra' },
    );
  // below a relative URL root (https://host/gitlab/…), the part after it
  const root = base.pathname.replace(/\/+$/, '');
  let path = decodeURIComponent(url.pathname);
  if (root && path.startsWith(`${root}/`)) path = path.slice(root.length);
  path = path
    .replace(/\/-\/.*$/, '') // a page of the group: …/-/clusters
    .replace(/^\/+(groups\/)?|\/+$/g, ''); // the old /groups/ prefix
  if (!path)
    throw new UserError(`--group ${value} names no group.`, {
      hint: 'Pass the full path as shown in the group URL, e.g. --group platform/infra',
    });
  return path;
}
