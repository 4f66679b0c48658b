// Mapping rule 6 (docs/mapping-rules.md): for GitLab-managed clusters on Premium, an environment template that keeps the
// namespaces the certificate integration created (`<project slug>-<project id>[-<env slug>]`, or
// `<fixed prefix>[-<env slug>]`), so workloads stay where they are. GitLab's own guide uses
// `project-<id>-<slug>`, which would move everything to new namespaces.
import { stringify } from 'yaml';

export function renderEnvironmentTemplate(perEnvironment: boolean, prefix: string | null): string {
  const base = prefix ?? '{{ .project.slug }}-{{ .project.id }}';
  const namespace = perEnvironment ? `${base}-{{ .environment.slug }}` : base;
  const template = {
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: {
          name: 'bind-{{ .agent.id }}-{{ .project.id }}-{{ .environment.slug }}',
          namespace,
        },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
        subjects: [
          {
            apiGroup: 'rbac.authorization.k8s.io',
            kind: 'Group',
            name: 'gitlab:project_env:{{ .project.id }}:{{ .environment.slug }}',
          },
        ],
      },
    ],
    apply_resources: 'on_start',
    // The namespaces hold workloads deployed before the migration: never delete them on stop.
    delete_resources: 'never',
  };
  return (
    '# Keeps the namespace names the certificate-based integration used (written by migrate-clusters).\n' +
    stringify(template)
  );
}
