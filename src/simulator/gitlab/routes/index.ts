// Every simulated /api/v4 route. Later areas (agents, files, variables, ...) add a routes/<area>.ts file
// exporting a RouteDefinition[] and list it here.

import type { RouteDefinition } from '../router.js';
import { clusterRoutes } from './clusters.js';
import { discoveryRoutes } from './discovery.js';
import { groupRoutes } from './groups.js';
import { metaRoutes } from './meta.js';
import { projectRoutes } from './projects.js';

export const allRoutes: readonly RouteDefinition[] = [
  ...metaRoutes,
  ...groupRoutes,
  ...projectRoutes,
  ...clusterRoutes,
  ...discoveryRoutes,
];
