// Generates large, valid GitLab fixtures for benchmarks and scale tests: groups nested up to three
// levels, projects spread over them and over personal namespaces, and certificate clusters at every
// level, several of them registrations of the same physical cluster. Deterministic for a seed.
import type {
  AccessLevel,
  FixtureCluster,
  FixtureGroup,
  FixtureMember,
  FixtureProject,
  FixtureToken,
  FixtureUser,
  GitLabFixture,
  Visibility,
} from './fixture-types.js';
import { mulberry32, type Random } from '../seeded-random.js';

export interface GenerateOptions {
  /** total number of projects, personal-namespace projects included */
  projects: number;
  /** share of projects with at least one project cluster, default 0.1 */
  clusterRatio?: number;
  /** default max(5, projects / 200) */
  topLevelGroups?: number;
  /** subgroups under each top-level group, default 3 (some of them nest one more level) */
  subgroupsPerGroup?: number;
  /** projects in user namespaces, default ~2% of projects */
  personalProjects?: number;
  /** share of groups with a group cluster, default 0.05 */
  groupClusterRatio?: number;
  /** instance-level clusters, default 1 */
  instanceClusters?: number;
  /** GitLab version, default '17.11.2-ee' */
  version?: string;
  /** PRNG seed, default 1 */
  seed?: number;
}

function pick<T>(random: Random, items: readonly T[]): T {
  const item = items[Math.floor(random() * items.length)];
  if (item === undefined) throw new Error('pick from an empty list');
  return item;
}

function intBetween(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Picks by weight: `[[value, weight], ...]`. */
function weighted<T>(random: Random, choices: readonly (readonly [T, number])[]): T {
  const total = choices.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = random() * total;
  for (const [value, weight] of choices) {
    roll -= weight;
    if (roll < 0) return value;
  }
  const last = choices[choices.length - 1];
  if (last === undefined) throw new Error('weighted pick from an empty list');
  return last[0];
}

/** Returns `base`, or `base-2`, `base-3`... whichever is not taken yet, and takes it. */
function claim(taken: Set<string>, base: string): string {
  let candidate = base;
  for (let n = 2; taken.has(candidate); n++) candidate = `${base}-${n}`;
  taken.add(candidate);
  return candidate;
}

function titleCase(path: string): string {
  return path
    .split('-')
    .map((word) => (word === '' ? word : word[0]!.toUpperCase() + word.slice(1)))
    .join(' ');
}

// Word lists, as strings so they stay compact.
const words = (list: string): readonly string[] => list.trim().split(/\s+/);
const TOP_LEVEL_WORDS = words(`
  platform payments logistics data identity commerce mobile search media security retail
  marketing finance support partners growth`);
const SUBGROUP_WORDS = words(`
  backend frontend infra services tools api web ops ml qa integrations reporting core edge
  internal experiments`);
const PROJECT_PREFIXES = words(`
  order invoice user account catalog cart checkout shipment route inventory pricing search report
  notification auth session billing ledger tracking media content event audit feature metrics
  config`);
const PROJECT_SUFFIXES = words(`
  api service worker web ui gateway sync importer exporter jobs cli sdk docs scheduler proxy
  store engine consumer`);
const FIRST_NAMES = words(`
  alex bea chen dana emil fatima goran hana ivan jun kofi lea mateo nora omar priya quinn rosa
  sven tariq uma vera`);
const LAST_NAMES = words(`
  almeida berg costa dubois eriksen fischer garcia hale ito jensen kowalski lopez meyer nakamura
  okafor petrov rossi silva tanaka weber`);
const REGIONS = words('eu us ap eu-west us-east sa');
const CLUSTER_ROLES = words('prod staging review tools shared batch edge');
const ZONES = words('europe-west4-a us-central1-b asia-east1-c');

const SCOPES = [
  ['*', 50],
  ['production', 20],
  ['staging', 15],
  ['review/*', 10],
  ['test', 5],
] as const;

const EPOCH_START = Date.UTC(2018, 0, 1);
const EPOCH_END = Date.UTC(2021, 10, 1); // certificate clusters were deprecated in 14.5 (Nov 2021)

function fakeCaCert(label: string): string {
  const body = Buffer.from(`demo-only-do-not-trust:${label}`).toString('base64');
  return `-----BEGIN CERTIFICATE-----\nMIIBbench+FAKE+CERTIFICATE+${label}\n${body}\n-----END CERTIFICATE-----`;
}

interface PhysicalCluster {
  apiUrl: string;
  host: string;
  caCert: string;
}

/** Lower-case words joined by single hyphens: "review/*" → "review". */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Root namespace of a full path: the top-level group, or the username of a personal namespace. */
function rootOf(fullPath: string): string {
  const slash = fullPath.indexOf('/');
  return slash === -1 ? fullPath : fullPath.slice(0, slash);
}

export function generateInstance(options: GenerateOptions): GitLabFixture {
  const totalProjects = Math.max(0, Math.floor(options.projects));
  const clusterRatio = options.clusterRatio ?? 0.1;
  const topLevelCount = Math.max(
    1,
    options.topLevelGroups ?? Math.max(5, Math.floor(totalProjects / 200)),
  );
  const subgroupsPerGroup = Math.max(0, options.subgroupsPerGroup ?? 3);
  const personalCount = Math.min(
    totalProjects,
    Math.max(0, options.personalProjects ?? Math.round(totalProjects * 0.02)),
  );
  const groupClusterRatio = options.groupClusterRatio ?? 0.05;
  const instanceClusterCount = Math.max(0, options.instanceClusters ?? 1);
  const version = options.version ?? '17.11.2-ee';
  const seed = options.seed ?? 1;
  const random = mulberry32(seed);

  // Users: the admin first, then enough people to own the personal projects and the groups.
  const users: FixtureUser[] = [{ id: 1, username: 'root', name: 'Administrator', admin: true }];
  const usernames = new Set<string>(['root']);
  const userCount = Math.max(8, Math.ceil(personalCount / 2), topLevelCount * 2);
  for (let i = 0; i < userCount; i++) {
    const first = pick(random, FIRST_NAMES);
    const last = pick(random, LAST_NAMES);
    const username = claim(usernames, `${first}.${last}`);
    users.push({
      id: users.length + 1,
      username,
      name: `${titleCase(first)} ${titleCase(last)}`,
      admin: false,
      ...(random() < 0.03 ? { state: 'blocked' as const } : {}),
    });
  }
  const people = users.slice(1);
  const activePeople = people.filter((user) => user.state !== 'blocked');
  const creators = activePeople.length > 0 ? activePeople : users;

  // Route paths (top-level groups and usernames share one namespace; siblings share one per parent).
  const takenByParent = new Map<string, Set<string>>();
  const takenUnder = (parent: string): Set<string> => {
    let taken = takenByParent.get(parent);
    if (taken === undefined) {
      taken = new Set<string>();
      takenByParent.set(parent, taken);
    }
    return taken;
  };
  for (const username of usernames) takenUnder('').add(username);

  // Groups. Ids start above the user ids, so a simulator may reuse a user's id for the user's
  // personal namespace without meeting a group id.
  const groups: FixtureGroup[] = [];
  const groupFullPaths: string[] = [];
  let nextGroupId = Math.ceil((users.length + 1) / 1000) * 1000;
  // GitLab refuses a project or subgroup more visible than the group it sits in.
  const groupVisibility = new Map<string, Visibility>();
  const rank: Record<Visibility, number> = { private: 0, internal: 1, public: 2 };
  const capTo = (visibility: Visibility, namespace: string): Visibility => {
    const limit = groupVisibility.get(namespace);
    return limit != null && rank[visibility] > rank[limit] ? limit : visibility;
  };
  const addGroup = (word: string, parent: string | null, visibility: Visibility): string => {
    const path = claim(takenUnder(parent ?? ''), word);
    const fullPath = parent == null ? path : `${parent}/${path}`;
    const capped = parent == null ? visibility : capTo(visibility, parent);
    groups.push({ id: nextGroupId++, path, name: titleCase(path), parent, visibility: capped });
    groupVisibility.set(fullPath, capped);
    groupFullPaths.push(fullPath);
    return fullPath;
  };
  const topLevelPaths: string[] = [];
  for (let i = 0; i < topLevelCount; i++) {
    const word = TOP_LEVEL_WORDS[i % TOP_LEVEL_WORDS.length]!;
    const top = addGroup(word, null, random() < 0.3 ? 'internal' : 'private');
    topLevelPaths.push(top);
    for (let s = 0; s < subgroupsPerGroup; s++) {
      const sub = addGroup(pick(random, SUBGROUP_WORDS), top, 'private');
      if (random() < 0.35) {
        const nested = intBetween(random, 1, 2);
        for (let n = 0; n < nested; n++) addGroup(pick(random, SUBGROUP_WORDS), sub, 'private');
      }
    }
  }

  // Projects: group projects spread over every group, then personal projects.
  const projects: FixtureProject[] = [];
  let nextProjectId = 1;
  const addProject = (namespace: string): FixtureProject => {
    const base = `${pick(random, PROJECT_PREFIXES)}-${pick(random, PROJECT_SUFFIXES)}`;
    const path = claim(takenUnder(namespace), base);
    const project: FixtureProject = {
      id: nextProjectId++,
      path,
      name: titleCase(path),
      namespace,
      visibility: capTo(
        weighted<Visibility>(random, [
          ['private', 80],
          ['internal', 15],
          ['public', 5],
        ]),
        namespace,
      ),
      default_branch: random() < 0.9 ? 'main' : 'master',
    };
    projects.push(project);
    return project;
  };
  const groupProjectCount = totalProjects - personalCount;
  for (let i = 0; i < groupProjectCount; i++) {
    // every group gets one project before any gets a second, as long as there are enough
    const namespace = i < groupFullPaths.length ? groupFullPaths[i]! : pick(random, groupFullPaths);
    addProject(namespace);
  }
  const personalOwners = people.slice(0, Math.max(1, Math.ceil(personalCount / 2)));
  const personalProjects: FixtureProject[] = [];
  for (let i = 0; i < personalCount; i++) {
    const owner = personalOwners[i % personalOwners.length]!;
    personalProjects.push(addProject(owner.username));
  }

  const projectsByRoot = new Map<string, string[]>();
  for (const project of projects) {
    const fullPath = `${project.namespace}/${project.path}`;
    const root = rootOf(fullPath);
    const list = projectsByRoot.get(root) ?? [];
    list.push(fullPath);
    projectsByRoot.set(root, list);
  }

  // Members: an owner and a maintainer per top-level group, a few developers further down.
  const members: FixtureMember[] = [];
  const memberKeys = new Set<string>();
  const addMember = (user: string, source: string, access_level: AccessLevel): void => {
    const key = `${user}\u0000${source}`;
    if (memberKeys.has(key)) return;
    memberKeys.add(key);
    members.push({ user, source, access_level });
  };
  for (const top of topLevelPaths) {
    addMember('root', top, 50);
    addMember(pick(random, people).username, top, 50);
    addMember(pick(random, people).username, top, 40);
  }
  for (const fullPath of groupFullPaths) {
    if (fullPath.includes('/') && random() < 0.3) {
      addMember(pick(random, people).username, fullPath, 30);
    }
  }

  // Physical clusters: most registrations get their own, some reuse one (several registrations of
  // the same cluster), sometimes spelled differently or with another CA certificate.
  const physical: PhysicalCluster[] = [];
  const newPhysical = (): PhysicalCluster => {
    const n = physical.length + 1;
    const host = `k8s-${pick(random, CLUSTER_ROLES)}-${pick(random, REGIONS)}-${n}.bench.test`;
    const port = random() < 0.8 ? ':6443' : '';
    const cluster = { apiUrl: `https://${host}${port}`, host, caCert: fakeCaCert(`cluster-${n}`) };
    physical.push(cluster);
    return cluster;
  };
  const choosePlatform = (): FixtureCluster['platform_kubernetes'] & { host: string } => {
    const reuse = physical.length > 0 && random() < 0.3;
    const target = reuse ? pick(random, physical) : newPhysical();
    let apiUrl = target.apiUrl;
    let caCert = target.caCert;
    if (reuse) {
      const variant = random();
      if (variant < 0.1) apiUrl = `${apiUrl}/`;
      else if (variant < 0.15) apiUrl = apiUrl.replace(target.host, target.host.toUpperCase());
      if (random() < 0.05) caCert = fakeCaCert(`${target.host}-rotated`);
    }
    return {
      host: target.host,
      api_url: apiUrl,
      namespace: null,
      authorization_type: weighted(random, [
        ['rbac', 90],
        ['abac', 7],
        ['unknown_authorization', 3],
      ] as const),
      ca_cert: random() < 0.97 ? caCert : null,
    };
  };

  const clusters: FixtureCluster[] = [];
  const addCluster = (
    level: FixtureCluster['level'],
    owner: string | null,
    namePrefix: string,
    scope: string,
  ): FixtureCluster => {
    const id = clusters.length + 1;
    const { host, ...platform } = choosePlatform();
    const managed = random() < 0.3;
    const gcp = random() < 0.03;
    if (level === 'project' && !managed && random() < 0.2) {
      platform.namespace = slug(`${namePrefix}-${scope === '*' ? 'all' : scope}`)
        .slice(0, 63)
        .replace(/-+$/, '');
    }
    const root = owner == null ? null : rootOf(owner);
    const candidates = root == null ? undefined : projectsByRoot.get(root);
    const management_project =
      candidates !== undefined &&
      candidates.length > 0 &&
      random() < (level === 'group' ? 0.15 : 0.05)
        ? pick(random, candidates)
        : null;
    const createdAt = new Date(EPOCH_START + Math.floor(random() * (EPOCH_END - EPOCH_START)));
    createdAt.setUTCMilliseconds(0);
    const cluster: FixtureCluster = {
      id,
      name: `${namePrefix}-${scope === '*' ? 'default' : slug(scope)}`,
      level,
      owner,
      environment_scope: scope,
      enabled: random() < 0.95,
      managed,
      namespace_per_environment: managed ? true : random() < 0.5,
      domain: random() < 0.4 ? `apps.${host}` : null,
      provider_type: gcp ? 'gcp' : 'user',
      created_at: createdAt.toISOString(),
      created_by: random() < 0.3 ? 'root' : pick(random, creators).username,
      platform_kubernetes: platform,
      management_project,
      provider_gcp: gcp
        ? {
            cluster_id: String(id),
            status_name: 'created',
            gcp_project_id: `bench-gcp-${id}`,
            zone: pick(random, ZONES),
            machine_type: 'n1-standard-4',
            num_nodes: intBetween(random, 1, 6),
            endpoint: host,
          }
        : null,
    };
    clusters.push(cluster);
    return cluster;
  };

  for (let i = 0; i < instanceClusterCount; i++) {
    addCluster('instance', null, `instance-${i + 1}`, i === 0 ? '*' : weighted(random, SCOPES));
  }
  for (const fullPath of groupFullPaths) {
    if (random() < groupClusterRatio) {
      addCluster('group', fullPath, fullPath.replaceAll('/', '-'), weighted(random, SCOPES));
    }
  }
  for (const project of projects) {
    const forced = clusterRatio > 0 && personalProjects[0] === project; // one personal cluster at least
    if (!forced && random() >= clusterRatio) continue;
    const fullPath = `${project.namespace}/${project.path}`;
    const first = weighted(random, SCOPES);
    addCluster('project', fullPath, project.path, first);
    if (random() < 0.2) {
      // a second registration for another environment, as teams did with production clusters
      const second = first === 'production' ? 'staging' : 'production';
      addCluster('project', fullPath, project.path, second);
    }
  }

  const tokens: FixtureToken[] = [
    {
      token: 'glpat-bench-admin-00000000000000000000',
      user: 'root',
      scopes: ['api'],
      name: 'bench admin api',
    },
    {
      token: 'glpat-bench-admin-readonly-0000000000',
      user: 'root',
      scopes: ['read_api'],
      name: 'bench admin read_api',
    },
  ];
  const someone = activePeople[0];
  if (someone !== undefined) {
    tokens.push({
      token: 'glpat-bench-user-000000000000000000000',
      user: someone.username,
      scopes: ['api'],
      name: 'bench user api',
    });
  }

  return {
    description:
      `Generated instance (seed ${seed}): ${totalProjects} projects (${personalCount} in personal namespaces), ` +
      `${groups.length} groups under ${topLevelCount} top-level groups, ${clusters.length} certificate clusters ` +
      `on ${physical.length} physical clusters.`,
    instance: {
      version,
      revision: 'bench000000',
      enterprise: version.endsWith('-ee'),
      kas: {
        enabled: true,
        externalUrl: 'wss://gitlab.example.test/-/kubernetes-agent/',
        externalK8sProxyUrl: 'https://gitlab.example.test/-/kubernetes-agent/k8s-proxy/',
        version: version.replace(/-ee$/, ''),
      },
      featureFlags: { certificate_based_clusters: true },
    },
    users,
    tokens,
    groups,
    projects,
    members,
    clusters,
  };
}
