// CI/CD variables at three levels: lib/api/ci/variables.rb (project, `admin_cicd_variables`: Maintainer),
// lib/api/group_variables.rb (group, `admin_cicd_variables`: Owner in GroupPolicy) and
// lib/api/admin/ci/variables.rb (instance, administrators; no environment scope, the key is unique).
// The permission check is a `before` filter, so it answers ahead of parameter validation; lookups by key go
// through Ci::VariablesFinder (`filter[environment_scope]`), which answers 409 when a key matches several
// scopes and no filter says which.

import { hasGroupAccess, hasProjectAccess, MAINTAINER, OWNER } from '../access.js';
import { variable as variableEntity } from '../entities.js';
import { forbidden, notFound, ok, pageParams, paginate, type RequestContext } from '../http-kit.js';
import { conflict, RequestParams, validationError } from '../request-params.js';
import type { RouteDefinition } from '../router.js';
import {
  groupOwner,
  projectOwner,
  VARIABLE_TYPES,
  type OwnerKey,
  type VariableInput,
  type VariableRecord,
} from '../variables-state.js';
import { findVisibleGroup } from './groups.js';
import { findVisibleProject } from './projects.js';

interface Level {
  /** resolves the owner and checks the caller may manage its variables */
  owner(ctx: RequestContext): OwnerKey;
  /** `not_found!(...)` resource name */
  notFoundName: string;
  instance: boolean;
  /** group PUT without a filter updates the first variable with the key (kept for compatibility, !136475) */
  putWithoutFilterTakesFirst: boolean;
}

const PROJECT: Level = {
  owner(ctx) {
    const project = findVisibleProject(ctx, ctx.params['id'] ?? '');
    if (!hasProjectAccess(ctx.state, ctx.user, project, MAINTAINER)) throw forbidden();
    return projectOwner(project);
  },
  notFoundName: 'Variable',
  instance: false,
  putWithoutFilterTakesFirst: false,
};

const GROUP: Level = {
  owner(ctx) {
    const group = findVisibleGroup(ctx, ctx.params['id'] ?? '');
    if (!hasGroupAccess(ctx.state, ctx.user, group, OWNER)) throw forbidden();
    return groupOwner(group);
  },
  notFoundName: 'GroupVariable',
  instance: false,
  putWithoutFilterTakesFirst: true,
};

const INSTANCE: Level = {
  owner(ctx) {
    if (!ctx.user?.admin) throw forbidden();
    return 'instance';
  },
  notFoundName: 'InstanceVariable',
  instance: true,
  putWithoutFilterTakesFirst: false,
};

/** The declared attributes of a create or update; undeclared ones (scope on the instance) are ignored. */
function readInput(level: Level, params: RequestParams, creating: boolean): VariableInput {
  const input: VariableInput = {};
  const key = params.string('key', creating);
  const value = params.string('value', creating);
  if (key != null) input.key = key;
  if (value != null) input.value = value;
  const variableType = params.oneOf('variable_type', VARIABLE_TYPES);
  if (variableType) input.variableType = variableType;
  for (const flag of ['protected', 'masked', 'raw'] as const) {
    const v = params.bool(flag);
    if (v !== undefined) input[flag] = v;
  }
  const description = params.string('description');
  if (description !== undefined) input.description = description;
  if (!level.instance) {
    const scope = params.string('environment_scope');
    if (scope != null) input.environmentScope = scope;
    if (creating && params.bool('masked_and_hidden') === true) input.hidden = true;
  }
  return input;
}

/** `find_variable(owner, params)` */
function findOne(ctx: RequestContext, level: Level, owner: OwnerKey, params: RequestParams) {
  const key = ctx.params['key'] ?? '';
  const scope = params.hash('filter')?.string('environment_scope');
  const found = ctx.state.variables.find(owner, key, scope);
  if (found.length > 1)
    throw conflict(
      "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'",
    );
  const variable = found[0];
  if (!variable) throw notFound(level.notFoundName);
  return variable;
}

function routesFor(level: Level, base: string): RouteDefinition[] {
  const entity = (v: VariableRecord) => variableEntity(v, level.instance);
  return [
    {
      method: 'GET',
      path: base,
      handler: (ctx) => {
        const owner = level.owner(ctx);
        pageParams(ctx.query);
        return ok(paginate(ctx, ctx.state.variables.list(owner)).map(entity));
      },
    },
    {
      method: 'GET',
      path: `${base}/:key`,
      handler: (ctx) => {
        const owner = level.owner(ctx);
        return ok(entity(findOne(ctx, level, owner, RequestParams.of(ctx.query, ctx.body))));
      },
    },
    {
      method: 'POST',
      path: base,
      handler: (ctx) => {
        const owner = level.owner(ctx);
        const input = readInput(level, RequestParams.of(ctx.query, ctx.body), true);
        const made = ctx.state.variables.create(owner, input);
        if ('errors' in made) throw validationError(made.errors);
        return ok(entity(made.variable), 201);
      },
    },
    {
      method: 'PUT',
      path: `${base}/:key`,
      handler: (ctx) => {
        const owner = level.owner(ctx);
        const params = RequestParams.of(ctx.query, ctx.body);
        const input = readInput(level, params, false);
        delete input.key; // the key in the path names the variable; it never changes
        let variable: VariableRecord;
        if (level.putWithoutFilterTakesFirst && !params.has('filter')) {
          const first = ctx.state.variables.find(owner, ctx.params['key'] ?? '')[0];
          if (!first) throw notFound(level.notFoundName);
          variable = first;
        } else {
          variable = findOne(ctx, level, owner, params);
        }
        const errors = ctx.state.variables.update(owner, variable, input);
        if (errors) throw validationError(errors);
        return ok(entity(variable));
      },
    },
    {
      method: 'DELETE',
      path: `${base}/:key`,
      handler: (ctx) => {
        const owner = level.owner(ctx);
        const variable = findOne(ctx, level, owner, RequestParams.of(ctx.query, ctx.body));
        ctx.state.variables.remove(owner, variable);
        return { status: 204 };
      },
    },
  ];
}

export const variableRoutes: RouteDefinition[] = [
  ...routesFor(PROJECT, '/projects/:id/variables'),
  ...routesFor(GROUP, '/groups/:id/variables'),
  ...routesFor(INSTANCE, '/admin/ci/variables'),
];
