// What the CI audit says about a project's jobs once certificate clusters are off: which jobs keep
// working with agents, which break or stop running, what to change, and what --fix-ci can change.

export type JobVerdict =
  | 'auto-devops' // fine: auto-deploy reads KUBE_CONTEXT
  | 'selects-context' // fine: kubectl config use-context / --context / helm --kube-context / HELM_KUBECONTEXT / its own KUBECONFIG
  | 'no-kubernetes' // fine: nothing in it talks to Kubernetes
  | 'implicit-context' // breaks: kubectl/helm/helmfile/kustomize on the implicit current context
  | 'certificate-variables' // breaks: KUBE_URL, KUBE_TOKEN, KUBE_CA_PEM(_FILE), the gitlab-deploy context
  | 'kubernetes-gate' // stops running: only/except kubernetes: active, $CI_KUBERNETES_ACTIVE
  | 'not-editable' // needs a person: would break or stop, and is defined only in an include the project cannot edit
  | 'unknown'; // needs a person: with an environment, runs a script file this audit cannot read, in a Kubernetes-looking job

export type VerdictClass = 'ok' | 'breaks' | 'stops' | 'needs-person';

export const VERDICT_CLASS: Record<JobVerdict, VerdictClass> = {
  'auto-devops': 'ok',
  'selects-context': 'ok',
  'no-kubernetes': 'ok',
  'implicit-context': 'breaks',
  'certificate-variables': 'breaks',
  'kubernetes-gate': 'stops',
  'not-editable': 'needs-person',
  unknown: 'needs-person',
};

export type JobDefinition =
  | { kind: 'project-file'; path: string }
  | {
      kind: 'include';
      type: string;
      location: string;
      /** true: the job comes from one of several includes, not necessarily this one */
      oneOf?: boolean;
    };

export type FixAction = 'select-context' | 'helm-context-variable' | 'drop-kubernetes-gate';

/** One thing the audit saw in a job. */
export interface Finding {
  verdict: JobVerdict;
  evidence: string;
  fix: string | null;
  fixAction: FixAction | null;
}

export interface AuditedJob {
  name: string;
  /** environment:name as written (may contain $VARIABLES); null for a job without one that is gated on Kubernetes being active */
  environment: string | null;
  verdict: JobVerdict;
  /** what was seen, one short sentence, e.g. "runs kubectl apply without choosing a context" */
  evidence: string;
  /** what to change, one sentence for a person; null when nothing */
  fix: string | null;
  definedIn: JobDefinition;
  /** the change --fix-ci can make; null when a person must do it */
  fixAction: FixAction | null;
  /** the verdict before 'not-editable' replaced it (equal to `verdict` otherwise) */
  cause: JobVerdict;
  /**
   * Further problems the verdict's precedence hides, e.g. a gated job that also runs kubectl
   * without a context: dropping the gate alone would make it run and fail. Empty when the
   * verdict is fine.
   */
  alsoFound: Finding[];
  /** the job runs a before_script (its own, through extends, or from default) */
  runsBeforeScript: boolean;
  /** its before_script runs kubectl or helm, so a context must be chosen there, not in script */
  beforeScriptTalksToCluster: boolean;
}

export interface CiSources {
  /** merged_yaml from GitLab's CI lint API (includes merged, extends resolved) */
  mergedYaml: string;
  /** the lint API's includes: [{type: local|file|remote|template|component, location}] */
  includes: { type: string; location: string }[];
  /** the project's own files that are part of the config: the main CI file and its local includes, path → text */
  projectFiles: Record<string, string>;
  /** path of the main CI file (ci_config_path or .gitlab-ci.yml) */
  mainFile: string;
}

export interface ProjectAudit {
  project: string;
  /** file: the project's CI file; auto-devops: no file, Auto DevOps on; external: ci_config_path names a file in another project or a URL; none: no CI config */
  source: 'file' | 'auto-devops' | 'external' | 'none';
  configPath: string;
  /** jobs with an environment, and jobs gated on Kubernetes being active */
  jobs: AuditedJob[];
  /** why the configuration could not be read (invalid, unreadable); null otherwise */
  problem: string | null;
}
