// Every simulated /api/v4 route. Later areas (agents, files, variables, ...) add a routes/<area>.ts file
// exporting a RouteDefinition[] and list it here.

import type { RouteDefinition } from '../router.js';
import { clusterRoutes } from './clusters.js';
import { discoveryRoutes } from './discovery.js';
import { groupRoutes } from './groups.js';
import { metaRoutes } from './meta.js';
import { projectRoutes } from './projects.js';
import { mergeRequestRoutes } from './merge-requests.js';
import { projectCreateRoutes } from './project-create.js';
import { repositoryRoutes } from './repository.js';
import { agentRoutes } from './agents.js';
import { environmentRoutes } from './environments.js';
import { variableRoutes } from './variables.js';
import { ciLintRoutes } from './ci-lint.js';

export const allRoutes: readonly RouteDefinition[] = [
  ...metaRoutes,
  ...groupRoutes,
  ...projectRoutes,
  ...clusterRoutes,
  ...discoveryRoutes,
  ...repositoryRoutes,
  ...mergeRequestRoutes,
  ...projectCreateRoutes,
  ...agentRoutes,
  ...variableRoutes,
  ...environmentRoutes,
  ...ciLintRoutes,
];
