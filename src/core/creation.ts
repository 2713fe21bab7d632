/**
 * The environment variable the wizard passes the options `projen new` has no switch for
 * (lists of structs: `services`, `environments`) in, as JSON, while it runs `projen new`.
 * `GitOpsProject` reads it only while the project is being created.
 */
export const NEW_OPTIONS_VARIABLE = 'PROJEN_GITOPS_NEW_OPTIONS';
