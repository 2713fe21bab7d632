export { Repository } from './repository';
export type { RepositoryOptions, RepositoryFacts } from './repository';
export { Environments } from './environments';
export type { EnvironmentOptions, EnvironmentsOptions, EnvironmentFacts } from './environments';
export type { ServiceDeploymentOptions } from './service';
export { oidcSubjects, subjectOf, celCondition, matchesPattern } from './oidc';
export type { OidcRefs } from './oidc';
export { Signing, SigningMode, RepositoryVisibility, checkKmsKey } from './signing';
export type { SigningOptions, SigningFacts } from './signing';
